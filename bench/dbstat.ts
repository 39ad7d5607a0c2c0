import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { buildApp } from '../src/app.js'
import { acceptFlows } from './flows.js'

/*
 * Where the database's bytes go: N flows of the seed example (as the scale measurement creates them),
 * then SQLite's dbstat per table and index, in bytes per flow. `npx tsx bench/dbstat.ts [N]`
 */

const N = Number(process.argv[2] ?? 20000)
const db = join(mkdtempSync(join(tmpdir(), 'dbstat-')), 's.db')
const app = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual' } })
await app.ready()
const t = performance.now()
acceptFlows(app, N, (i) => `+30692${String(i).padStart(7, '0')}`)
console.log(`${N} flows accepted, ${Math.round(N / ((performance.now() - t) / 1000))} a second`)
await app.close()
console.log(`database file: ${(statSync(db).size / 1048576).toFixed(1)} MB, ${Math.round(statSync(db).size / N)} bytes a flow`)
const d = new Database(db)
for (const r of d.prepare('SELECT name, sum(pgsize) AS bytes, sum(ncell) AS cells, sum(payload) AS payload FROM dbstat GROUP BY name HAVING bytes > 4096 ORDER BY bytes DESC').all() as Array<{ name: string, bytes: number, cells: number, payload: number }>) {
  console.log(r.name.padEnd(32), (r.bytes / N).toFixed(0).padStart(6), 'B/flow', String(r.cells).padStart(8), 'cells', (r.payload / N).toFixed(0).padStart(6), 'payload B/flow')
}
d.close()
rmSync(dirname(db), { recursive: true, force: true })
