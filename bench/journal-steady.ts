import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../src/store/index.js'
import type { JournalEntry } from '../src/store/journal.js'

/*
 * What a request journal entry costs the thread that serves the API once the journal is at its row
 * cap (pruning on), in-process: polls of GET /failover/tracking/{id} over `ids` tracking ids in turn
 * (the bench's GET phase), written in batches of 200 as src/journal.ts writes them at ~20k req/s,
 * pruned every 1,000 entries to the newest `cap`, the WAL checkpointed by the store's worker every
 * 5,000 entries (~250 ms at that rate, as in the server). Prints the main thread's CPU per entry
 * (Linux: /proc/self/task/<pid>/stat, 10 ms ticks) while filling to the cap, then in the steady state.
 *   npx tsx bench/journal-steady.ts [entries=300000] [ids=5000] [cap=100000]
 * REMEMBER=<n>: tracking ids whose last answer is remembered for sharing (SANDBOX_TRACKING_CACHE, 10000).
 */

const total = Number(process.argv[2] ?? 300_000)
const ids = Number(process.argv[3] ?? 5000)
const cap = Number(process.argv[4] ?? 100_000)
const BATCH = 200
/** user + system CPU time of the main thread so far, in µs */
const mainCpu = (): number => {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}
// a tracking record's size (~950 bytes), distinct per flow
const answer = (id: string): string => JSON.stringify({ trackingId: id, flowKind: 'transactional', flow: [{ type: 'Viber', to: '+306912345678', status: 'Sent', padding: 'x'.repeat(800) }] })

const dir = mkdtempSync(join(tmpdir(), 'journal-steady-'))
const store = new Store(join(dir, 'j.db'), { trackingRecords: Number(process.env.REMEMBER ?? 10_000) })
const flows = Array.from({ length: ids }, (_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`).map((id) => ({ id, answer: answer(id) }))
const entry = (i: number): JournalEntry => {
  const f = flows[i % ids]
  return {
    accountId: 'sandbox',
    at: i,
    realAt: Date.now(),
    method: 'GET',
    path: `/failover/tracking/${f.id}`,
    status: 200,
    durationMs: 0.4,
    requestHeaders: { host: '127.0.0.1:3000', authorization: 'Bearer [redacted]', 'user-agent': 'bench' },
    requestBody: null,
    responseBody: f.answer,
    trackingId: f.id,
    errorCode: null,
    fault: null
  }
}
let n = 0
async function run (count: number): Promise<number> {
  const start = mainCpu()
  for (let done = 0; done < count; done += BATCH) {
    const batch: JournalEntry[] = []
    for (let k = 0; k < BATCH; k++) batch.push(entry(n++))
    store.journal.insertMany(batch)
    if (n % 1000 === 0) {
      store.journal.pruneOlderThan(0)
      store.journal.pruneBeyond(cap)
    }
    if (n % 5000 === 0) await store.checkpointer!.checkpointNow()
  }
  return (mainCpu() - start) / count
}
try {
  console.log(`fill to the cap (${cap} entries): ${(await run(cap)).toFixed(1)} µs of main-thread CPU an entry`)
  console.log(`steady state (${total - cap} more, pruned to ${cap}): ${(await run(total - cap)).toFixed(1)} µs of main-thread CPU an entry`)
  const rows = store.db.prepare('SELECT count(*) AS n, sum(answer IS NOT NULL) AS referring FROM requests').get() as { n: number, referring: number }
  const stored = store.db.prepare('SELECT count(*) AS n, sum(length(body)) AS bytes FROM journal_answers').get() as { n: number, bytes: number | null }
  console.log(`entries ${rows.n} (${rows.referring} referring to a stored answer); answers stored ${stored.n}, ${((stored.bytes ?? 0) / 1048576).toFixed(1)} MB`)
} finally {
  store.close()
  rmSync(dir, { recursive: true, force: true })
}
