import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { buildApp } from '../src/app.js'
import { acceptFlows } from './flows.js'

/*
 * The advance measurement alone and in-process (from the sources, so a profile names src/ lines):
 * N flows of the seed example, then POST /_sandbox/clock/advance {until: idle}, timed.
 *   npx tsx bench/advance.ts [N]        (PROF=<file>.cpuprofile: a CPU profile of the advance only)
 */

const N = Number(process.argv[2] ?? 20000)
const db = join(mkdtempSync(join(tmpdir(), 'bench-advance-')), 'advance.db')
const app = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual' } })
try {
  await app.ready()
  acceptFlows(app, N, (i) => `+30692${String(i).padStart(7, '0')}`)
  const session = new Session()
  session.connect()
  const prof = process.env.PROF
  if (prof !== undefined) {
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  const started = performance.now()
  const cpu = process.cpuUsage()
  const res = await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { until: 'idle' } })
  const ms = performance.now() - started
  const used = process.cpuUsage(cpu)
  const events = res.json().eventsRun as number
  // CPU time (all threads of this process) moves far less than the wall clock on a shared machine
  console.log(`${events} events over ${N} flows in ${Math.round(ms)} ms: ${Math.round(events / (ms / 1000))} events/s; ${((used.user + used.system) / events).toFixed(1)} µs of CPU an event`)
  if (prof !== undefined) writeFileSync(prof, JSON.stringify((await session.post('Profiler.stop')).profile))
} finally {
  await app.close()
  rmSync(dirname(db), { recursive: true, force: true })
}
