import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { SEED_EXAMPLE } from '../src/vocabulary.js'
import type { Scope } from '../src/schemas/seed.js'

/*
 * How many pages a group commit of sends writes to the WAL (what its COMMIT costs: a write each), by
 * group size: the seed example to distinct numbers through engine.submit, `group` at a time.
 *   npx tsx bench/wal-pages.ts [group]
 */

const dir = mkdtempSync(join(tmpdir(), 'bench-wal-pages-'))
const db = join(dir, 'w.db')
const app = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual' } })
await app.ready()
app.store.checkpointer?.stop()
app.store.db.pragma('wal_autocheckpoint = 0')
app.store.accounts.setBalance('sandbox', 1e15)
const scopes = app.store.auth.application('sandbox-app')!.scopes as Scope[]
let n = 0
const one = async () => {
  const body = structuredClone(SEED_EXAMPLE) as any
  body.flow[0].to = body.flow[1].to = `+30692${String(n++).padStart(7, '0')}`
  await app.engine.submit({ accountId: 'sandbox', applicationId: 'sandbox-app', scopes, kind: 'transactional', body, unknown: [], outcomes: {} })
}
const group = Number(process.argv[2] ?? 6)
for (let i = 0; i < 2000; i++) await Promise.all(Array.from({ length: group }, one))
const before = statSync(db + '-wal').size
const G = 500
for (let i = 0; i < G; i++) await Promise.all(Array.from({ length: group }, one))
const frames = (statSync(db + '-wal').size - before) / (4096 + 24)
console.log(`group of ${group}: ${(frames / G).toFixed(1)} pages a commit, ${(frames / G / group).toFixed(2)} a send`)
await app.close()
rmSync(dir, { recursive: true, force: true })
