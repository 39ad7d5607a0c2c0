import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { Writable } from 'node:stream'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { helpText } from '../src/cli.js'
import { ROOT } from '../src/paths.js'
import { applyExplicitClock, bannerText, emptyDatabase, explicitSettings, startupInfo } from '../src/startup.js'
import { build, FakeTime, fixture, send, token } from './helper.js'

/*
 * A first session that cannot mislead (issue 12): the README's blocks run as pasted, explicit clock
 * settings reach an existing database, --fresh empties it, a realtime clock can come back to wall
 * time, the banner says what a newcomer needs, callback attempts are logged.
 */

/** A pino logger whose lines land in `lines`, parsed. */
function capture (level = 'info'): { log: pino.Logger, lines: any[] } {
  const lines: any[] = []
  const stream = new Writable({ write (chunk, _enc, done) { for (const l of chunk.toString().split('\n')) if (l !== '') lines.push(JSON.parse(l)); done() } })
  return { log: pino({ level }, stream), lines }
}

const tmp = mkdtempSync(join(tmpdir(), 'failover-sandbox-first-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

t.test("the README's first session runs as pasted (bash + curl) against a started sandbox", async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## A first session'), readme.indexOf('\n## ', readme.indexOf('## A first session') + 5))
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1])
  t.ok(blocks.length >= 3, 'the section has its shell blocks')
  t.notMatch(section, /your-server\.com|https?:\/\/(?!127\.0\.0\.1)[a-z]/, 'no callback to a stranger’s host')
  t.match(section, /\/_sandbox\/webhooks\/demo/, "the callback goes to the sandbox's own receiver")
  t.notMatch(section, /tracking\/[0-9a-f]{8}-/, 'step 3 uses the captured trackingId, not a pasted one')

  const app = await buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'realtime' }, logger: false })
  t.teardown(async () => await app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const script = ['set -euo pipefail', ...blocks, 'echo "TRACKING_ID=$TRACKING_ID"'].join('\n').replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${port}`)
  const result = await new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
  t.equal(result.code, 0, `the blocks ran: ${result.stderr.slice(-2000)}`)
  const trackingId = /TRACKING_ID=([0-9a-f-]{36})/.exec(result.stdout)?.[1]
  t.ok(trackingId, 'the failover flow’s trackingId was captured')
  t.match(result.stdout, /"flowKind":"transactional"/, 'step 2 printed the answer')
  t.match(result.stdout, /"status":"Succeeded"[\s\S]*"terminationChannel":"Sms"|"terminationChannel":"Sms"[\s\S]*"status":"Succeeded"/, 'the failover flow succeeded on SMS')
  t.match(result.stdout, /"mode":"realtime"/, 'step 5: a running clock again')
  const clock = (await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json()
  t.ok(Math.abs(Date.parse(clock.now) - Date.now()) < 60_000, `back at wall time: ${String(clock.now)}`)

  // the callbacks reached the receiver (they are delivered in the background: a short wait)
  let arrivals: any[] = []
  for (let i = 0; i < 50 && arrivals.length < 1; i++) {
    arrivals = (await app.inject({ method: 'GET', url: '/_sandbox/webhooks/demo' })).json()
    if (arrivals.length < 1) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.ok(arrivals.some((a) => a.json?.trackingId === trackingId), 'the failover flow’s callback arrived at /_sandbox/webhooks/demo')
})

t.test('explicit SANDBOX_CLOCK / SANDBOX_TIME_SCALE apply to the seed accounts of an existing database, and are logged', async (t) => {
  const db = join(tmp, 'clock.db')
  const first = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'realtime' }, logger: false })
  await first.ready()
  t.equal(first.engine.clock('sandbox').mode, 'realtime')
  await first.close()

  const second = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual', SANDBOX_TIME_SCALE: 60 }, logger: false })
  t.teardown(async () => await second.close())
  await second.ready()
  t.equal(second.engine.clock('sandbox').mode, 'realtime', 'buildApp alone keeps the stored clock')
  const { log, lines } = capture()
  await applyExplicitClock(second, second.config, new Set(), log)
  t.equal(second.engine.clock('sandbox').mode, 'realtime', 'nothing explicit: nothing changes')
  t.same(lines, [])
  await applyExplicitClock(second, second.config, explicitSettings({ SANDBOX_CLOCK: 'manual', SANDBOX_TIME_SCALE: '60', PORT: '' }), log)
  t.match(second.engine.clock('sandbox'), { mode: 'manual', scale: 60 })
  t.match(lines, [{ msg: 'clock settings applied to the seed accounts', accounts: ['sandbox'], mode: 'manual', scale: 60 }])
  t.same([...explicitSettings({ A: 'x', B: '  ', C: undefined })], ['A'], 'blank counts as unset')
})

t.test('--fresh / SANDBOX_FRESH: an empty database, then the seed', async (t) => {
  const db = join(tmp, 'fresh.db')
  const first = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual' }, logger: false })
  await first.ready()
  const tok = await token(first)
  t.equal((await send(first, tok, fixture('seed-example.json'))).statusCode, 200)
  await first.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 5 } })
  await first.close()

  const kept = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual' }, logger: false })
  await kept.ready()
  t.equal((await kept.inject({ method: 'GET', url: '/_sandbox/flows' })).json().total, 1, 'without --fresh the flow is kept')
  await kept.close()

  const { log, lines } = capture('warn')
  const fresh = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual', SANDBOX_FRESH: true }, logger: log })
  t.teardown(async () => await fresh.close())
  await fresh.ready()
  t.equal((await fresh.inject({ method: 'GET', url: '/_sandbox/flows' })).json().total, 0, 'no flows')
  const account = fresh.store.accounts.get('sandbox')
  t.ok(account, 'the seed account is back')
  t.notSame(account?.balance, 5, 'with its seed balance')
  t.same(lines, [], 'no warning about missing seed accounts on a fresh start')

  t.same(emptyDatabase(':memory:'), [], ':memory: is always fresh')
  // a database in use by another sandbox is refused, not emptied
  t.throws(() => emptyDatabase(db), /another sandbox process|locked/)
})

t.test('POST /_sandbox/clock {"now":"wall"}: the way back to wall time, backwards too', async (t) => {
  const time = new FakeTime(Date.UTC(2026, 0, 1))
  const app = await build(t, { time, config: { SANDBOX_CLOCK: 'realtime' } })
  const day = 86_400_000
  await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 86400 } })
  t.equal(Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now), time.now() + day, 'a day ahead')
  const back = await app.inject({ method: 'POST', url: '/_sandbox/clock', payload: { now: new Date(time.now()).toISOString() } })
  t.equal(back.statusCode, 400, 'an ordinary jump backwards is refused')
  const wall = await app.inject({ method: 'POST', url: '/_sandbox/clock', payload: { now: 'wall' } })
  t.equal(wall.statusCode, 200, wall.body)
  t.equal(Date.parse(wall.json().now), time.now(), 'reads the wall clock')
  t.equal(wall.json().mode, 'realtime')
  time.advance(1000)
  t.equal(Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now), time.now(), 'and runs with it')
  const manual = await app.inject({ method: 'POST', url: '/_sandbox/clock', payload: { mode: 'manual', now: 'wall' } })
  t.match(manual.json(), { mode: 'manual' }, 'with a mode change in the same request')
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/clock', payload: { now: 'later' } })).statusCode, 400, 'another word is a 400')
})

t.test('the start-up banner: URLs, database, clock, credentials; callback attempts in the log', async (t) => {
  const app = await buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual' }, logger: false })
  t.teardown(async () => await app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const info = startupInfo(app, app.config)
  const port = (app.server.address() as { port: number }).port
  t.match(info, {
    url: `http://127.0.0.1:${port}`,
    dashboard: `http://127.0.0.1:${port}/`,
    docs: `http://127.0.0.1:${port}/_sandbox/docs`,
    database: ':memory:',
    clock: { account: 'sandbox', mode: 'manual', scale: 1 },
    credentials: { applicationId: 'sandbox-app', applicationSecret: 'sandbox-secret' }
  })
  const text = bannerText(info)
  for (const part of [info.url, info.docs, ':memory:', 'manual', 'sandbox-app / sandbox-secret']) t.match(text, part)
  t.match(helpText(), /dashboard/i, '--help mentions the dashboard')
})

t.test('callback attempts are logged: info with status and latency, debug with the body', async (t) => {
  const { log, lines } = capture('debug')
  const calls: string[] = []
  const app = await build(t, {
    logger: log,
    fetch: async (url, init) => { calls.push(url); return { status: url.includes('fail') ? 500 : 200, body: null } }
  })
  const tok = await token(app)
  const ok = fixture('seed-example.json')
  ok.callback = { strategy: 'OnCompletion', url: 'https://example.com/ok' }
  t.equal((await send(app, tok, ok)).statusCode, 200)
  await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { until: 'idle' } })
  for (let i = 0; i < 20 && !lines.some((l) => l.msg === 'callback delivered'); i++) await new Promise((resolve) => setImmediate(resolve))
  const delivered = lines.find((l) => l.msg === 'callback delivered')
  t.match(delivered, { level: 30, component: 'callbacks', status: 200, latencyMs: Number, attempt: 1 }, 'info: delivered, status, latency')
  t.notOk('body' in (delivered ?? {}), 'no body at info')
  t.match(lines.find((l) => l.msg === 'callback body'), { level: 20, url: 'https://example.com/ok', body: String }, 'debug: the body')

  const bad = fixture('seed-example.json')
  bad.callback = { strategy: 'OnCompletion', url: 'https://example.com/fail' }
  t.equal((await send(app, tok, bad)).statusCode, 200)
  await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 60 } })
  for (let i = 0; i < 20 && !lines.some((l) => l.msg === 'callback failed'); i++) await new Promise((resolve) => setImmediate(resolve))
  t.match(lines.find((l) => l.msg === 'callback failed'), { level: 30, status: 500 }, 'info: failed, with its status')
})
