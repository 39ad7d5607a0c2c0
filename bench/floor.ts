import { mkdtempSync, rmSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../src/paths.js'
import { numberFor, transactionalBody } from './flows.js'
import { load, startChild } from './support.js'

/*
 * The floor of issue 15's create target: how fast a route can answer a send it has durably stored and
 * done nothing else with (bench/floor-server.mjs), against the bare route (bench/bare-server.mjs),
 * alternated `rounds` times with the same client as bench/run.ts's same-client reference.
 *   npx tsx bench/floor.ts [seconds] [rounds]
 */
const seconds = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 3)
// group: one INSERT a send, committed in a group per turn of the event loop, answered after its COMMIT
// (the sandbox's way); group+index: the same with an index on the number; sync: an INSERT committed alone, answered at once; defer: no database, the answer
// only waits for the next turn; none: the floor route without a database or a wait
const MODES = ['group', 'group+index', 'sync', 'defer', 'none']
const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'))
let n = 0
const post = async (port: number, path: string, duration: number): Promise<number> => (await load({
  url: `http://127.0.0.1:${port}`,
  connections: 10,
  duration,
  requests: [{ method: 'POST', path, headers: { authorization: `Bearer ${randomUUID()}`, 'content-type': 'application/json' }, setupRequest: (request) => ({ ...request, body: transactionalBody(numberFor('1', ++n)) }) }]
})).rps
try {
  for (let r = 1; r <= rounds; r++) {
    const bare = await startChild(['bench/bare-server.mjs'], {}, '/health', { cwd: ROOT })
    await post(bare.port, '/bare', 1)
    const b = await post(bare.port, '/bare', seconds)
    await bare.stop()
    const line = [`round ${r}: bare POST ${Math.round(b)} req/s`]
    for (const mode of MODES) {
      const floor = await startChild(['bench/floor-server.mjs'], { FLOOR_DB: join(dir, `floor-${r}-${mode}.db`), FLOOR_MODE: mode.split('+')[0], FLOOR_INDEX: mode.endsWith('+index') ? '1' : '0' }, '/health', { cwd: ROOT })
      await post(floor.port, '/floor', 1)
      const f = await post(floor.port, '/floor', seconds)
      await floor.stop()
      line.push(`${mode} ${Math.round(f)} = ${(100 * f / b).toFixed(0)}%`)
    }
    console.log(line.join('; '))
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
