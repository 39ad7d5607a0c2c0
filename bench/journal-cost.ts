/*
 * What the request journal costs on the create path, measured so that a shared machine does not
 * drown it: the server's own CPU time per POST /failover/transactional (from /proc/<pid>/stat), for
 * two builds of the sandbox started alternately, several rounds each. A single-threaded server's
 * create capacity is 1 / (CPU time per create), so the ratio of the two is the throughput cost.
 *
 *   BENCH_BEFORE=/path/to/a/build/without/the/journal BENCH_AFTER=. npx tsx bench/journal-cost.ts
 *
 * Each directory must hold a built sandbox (dist/src/server.js). BENCH_REQUESTS (3000) per round,
 * BENCH_ROUNDS (3), BENCH_CONNECTIONS (10). Linux only (/proc).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { http, load, median, startChild } from './support.js'

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10)
const SIDES = { before: process.env.BENCH_BEFORE, after: process.env.BENCH_AFTER ?? '.' }
const BASIC = 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64')
const TICK_MS = 10 // USER_HZ = 100 on Linux

const body = (to: string): string => JSON.stringify({
  flow: [
    { type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to, templateId: '0aac888f-2ee2-4112-9659-1755a951966a', templateLang: 'en', templateParams: { customer_name: 'Alex' }, ttl: 10, order: 1, failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED'] },
    { type: 'Sms', from: 'YourBrand', to, message: { body: 'We could not reach you on Viber.' }, order: 2 }
  ]
})

function cpuMs (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS // utime + stime
}

async function round (dir: string, offset: number): Promise<{ cpuPerCreate: number, rps: number }> {
  const scratch = mkdtempSync(join(tmpdir(), 'journal-cost-'))
  const child = await startChild([join(resolve(dir), 'dist/src/server.js')], { SANDBOX_DB: join(scratch, 'db.sqlite'), SANDBOX_CLOCK: 'manual', LOG_LEVEL: 'warn' }, '/_sandbox/health', { cwd: resolve(dir) })
  try {
    const token = await http(child.port, 'POST', '/oauth/token', 'grant_type=client_credentials', { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' })
    const headers = { authorization: `Bearer ${token.json().access_token as string}`, 'content-type': 'application/json' }
    await http(child.port, 'PUT', '/_sandbox/balance', { balance: 1e9 })
    let n = offset
    const run = async (amount: number) => await load({
      url: `http://127.0.0.1:${child.port}`,
      connections: CONNECTIONS,
      amount,
      requests: [{ method: 'POST', path: '/failover/transactional', headers, setupRequest: (r: any) => ({ ...r, body: body(`+30691${String(++n).padStart(7, '0')}`) }) }]
    })
    await run(Math.round(REQUESTS / 5)) // warm-up
    const before = cpuMs(child.proc.pid!)
    const result = await run(REQUESTS)
    await new Promise((resolve) => setTimeout(resolve, 50)) // the last journal batch is written on the next turn
    return { cpuPerCreate: (cpuMs(child.proc.pid!) - before) / REQUESTS, rps: result.rps }
  } finally {
    await child.stop()
    rmSync(scratch, { recursive: true, force: true })
  }
}

async function main (): Promise<void> {
  if (SIDES.before === undefined) throw new Error('set BENCH_BEFORE to a built sandbox without the journal')
  const results: Record<string, Array<{ cpuPerCreate: number, rps: number }>> = { before: [], after: [] }
  for (let i = 0; i < ROUNDS; i++) {
    for (const side of ['before', 'after'] as const) {
      const r = await round(SIDES[side]!, (i * 2 + (side === 'after' ? 1 : 0)) * 1_000_000)
      results[side].push(r)
      console.log(`round ${i + 1} ${side}: ${r.cpuPerCreate.toFixed(3)} ms CPU per create, ${Math.round(r.rps)} req/s`)
    }
  }
  const cpu = (side: string): number => median(results[side].map((r) => r.cpuPerCreate))
  const rps = (side: string): number => median(results[side].map((r) => r.rps))
  console.log(`median CPU per create: before ${cpu('before').toFixed(3)} ms, after ${cpu('after').toFixed(3)} ms: capacity ${(1000 / cpu('before')).toFixed(0)} → ${(1000 / cpu('after')).toFixed(0)} creates/s (${((cpu('before') / cpu('after') - 1) * 100).toFixed(1)}%)`)
  console.log(`median req/s (noisy on a shared machine): before ${rps('before').toFixed(0)}, after ${rps('after').toFixed(0)}`)
}

await main()
