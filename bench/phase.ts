import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../src/paths.js'
import { bearerOf, numberFor, transactionalBody } from './flows.js'
import { http, load, startChild } from './support.js'

/*
 * One phase of the throughput measurement alone, for a CPU profile of just that phase and the server's
 * CPU time per request (all its threads, from /proc: steadier than req/s on a shared machine):
 *   npx tsx bench/phase.ts create|get [seconds] [create seconds]      (PROF=<dir>: the server runs with --cpu-prof)
 * `get` first creates flows (for a second, or `create seconds`: the full run creates for ~25 s
 * before its GET phase), then reads 5,000 of them in turn. Measures the existing dist/ build
 * (`npm run build`; BUNDLE_READABLE=1 keeps the bundle one statement per line for the profile).
 */

const mode = process.argv[2] ?? 'get'
if (mode !== 'create' && mode !== 'get') throw new Error(`usage: bench/phase.ts create|get [seconds], not ${mode}`)
const seconds = Number(process.argv[3] ?? 6)
const createSeconds = Number(process.argv[4] ?? 1)
/** user + system CPU time of a process so far, in µs (Linux; clock ticks of 10 ms) */
const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

const dir = mkdtempSync(join(tmpdir(), 'bench-phase-'))
const child = await startChild(['dist/src/server.js'], { SANDBOX_DB: join(dir, 'phase.db'), SANDBOX_CLOCK: 'manual', LOG_LEVEL: 'warn' }, '/_sandbox/health', { cwd: ROOT, profileDir: process.env.PROF })
try {
  const auth = await bearerOf(child.port)
  await http(child.port, 'PUT', '/_sandbox/balance', { balance: 1e9 })
  const url = `http://127.0.0.1:${child.port}`
  const ids: string[] = []
  let n = 0
  const before = cpuOf(child.proc.pid!)
  const create = await load({
    url,
    connections: 10,
    duration: mode === 'create' ? seconds : createSeconds,
    requests: [{
      method: 'POST',
      path: '/failover/transactional',
      headers: { ...auth, 'content-type': 'application/json' },
      setupRequest: (request) => ({ ...request, body: transactionalBody(numberFor('1', ++n)) }),
      onResponse: (status, body) => { if (ids.length < 5000 && status === 200) ids.push(JSON.parse(body).trackingId) }
    }]
  })
  console.log(`create: ${Math.round(create.rps)} req/s, p99 ${create.p99} ms, ${Math.round((cpuOf(child.proc.pid!) - before) / create.total)} µs of server CPU a request`)
  if (mode === 'get') {
    let k = 0
    const start = cpuOf(child.proc.pid!)
    const get = await load({
      url,
      connections: 10,
      duration: seconds,
      requests: [{ method: 'GET', path: '/', headers: auth, setupRequest: (request) => ({ ...request, path: `/failover/tracking/${ids[k++ % ids.length]}` }) }]
    })
    console.log(`get: ${Math.round(get.rps)} req/s, p99 ${get.p99} ms, ${Math.round((cpuOf(child.proc.pid!) - start) / get.total)} µs of server CPU a request`)
  }
} finally {
  await child.stop()
  rmSync(dir, { recursive: true, force: true })
}
