import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ROOT } from '../../src/paths.js'
import { basic, freePort, SEED_APP, smsStep, viberStep } from '../helper.js'

// sandbox.md "Time": due events live in SQLite, so a restart resumes them. The real server runs as a
// child process and is killed with SIGKILL (no graceful close), then started again on the same file.

function withoutClockSettings (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SANDBOX_CLOCK: _clock, SANDBOX_TIME_SCALE: _scale, ...rest } = env
  return rest
}

interface Server { child: ChildProcess, url: string, stderr: () => string }

async function start (t: Test, db: string): Promise<Server> {
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server.ts')], {
    cwd: ROOT,
    // no SANDBOX_CLOCK: set explicitly, it would be applied to the seed account at every start (README, "The clock")
    env: { ...withoutClockSettings(process.env), SANDBOX_DB: db, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  let err = ''
  child.stderr!.on('data', (d: Buffer) => { err += d.toString() })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${err}`)
    try {
      const res = await fetch(`${url}/_sandbox/health`)
      if (res.status === 200) break
    } catch {}
    if (Date.now() > deadline) throw new Error(`the server did not answer in 30 s: ${err}`)
    await sleep(100)
  }
  return { child, url, stderr: () => err }
}

async function json (url: string, init: { method?: string, headers?: Record<string, string>, body?: unknown } = {}): Promise<{ status: number, body: any }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body)
  })
  const text = await res.text()
  return { status: res.status, body: text === '' ? null : JSON.parse(text) }
}

async function accessToken (url: string): Promise<string> {
  const res = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  return (await res.json() as { access_token: string }).access_token
}

t.test('a flow survives SIGKILL: started again on the same database, it runs to the end', async (t) => {
  const db = join(t.testdir(), 's.db')
  const first = await start(t, db)
  let res = await json(`${first.url}/_sandbox/clock`, { method: 'POST', body: { mode: 'manual' } })
  t.equal(res.status, 200)
  t.equal(res.body.mode, 'manual')
  const frozen = res.body.now

  let tok = await accessToken(first.url)
  const to = '+306900000200'
  res = await json(`${first.url}/failover`, { method: 'POST', headers: { authorization: `Bearer ${tok}` }, body: { flow: [viberStep(to), smsStep(to, { order: 2 })] } })
  t.equal(res.status, 200, JSON.stringify(res.body))
  const id = res.body.trackingId
  // half way: the Viber step expires at 10 minutes and the Sms step starts
  res = await json(`${first.url}/_sandbox/clock/advance`, { method: 'POST', body: { seconds: 600 } })
  t.equal(res.status, 200)
  res = await json(`${first.url}/failover/tracking/${id}`, { headers: { authorization: `Bearer ${tok}` } })
  t.same(res.body.messages.map((m: any) => m.status.name), ['EXPIRED', 'Queued'])

  first.child.kill('SIGKILL')
  await new Promise((resolve) => first.child.once('exit', resolve))
  t.equal(first.child.signalCode, 'SIGKILL', 'killed, not closed')

  const second = await start(t, db)
  res = await json(`${second.url}/_sandbox/clock`)
  t.equal(res.body.mode, 'manual', 'the clock mode survived')
  t.equal(Date.parse(res.body.now) - Date.parse(frozen), 600_000, 'and its time')
  tok = await accessToken(second.url)
  res = await json(`${second.url}/failover/tracking/${id}`, { headers: { authorization: `Bearer ${tok}` } })
  t.equal(res.status, 200)
  t.equal(res.body.status, 'InProgress', 'nothing ran by itself on the manual clock')
  t.same(res.body.messages.map((m: any) => m.status.name), ['EXPIRED', 'Queued'])

  res = await json(`${second.url}/_sandbox/clock/advance`, { method: 'POST', body: { until: 'idle' } })
  t.equal(res.status, 200)
  t.equal(res.body.eventsRun, 2, 'the stored Sent and Delivered events ran')
  res = await json(`${second.url}/failover/tracking/${id}`, { headers: { authorization: `Bearer ${tok}` } })
  t.equal(res.body.status, 'Succeeded')
  t.equal(res.body.terminationChannel, 'Sms')
  t.same(res.body.messages.map((m: any) => m.status.name), ['EXPIRED', 'Delivered'])
  t.equal(Date.parse(res.body.updatedAt) - Date.parse(frozen), 603_000, 'at the times they were due')

  second.child.kill('SIGTERM')
  const code = await new Promise((resolve) => second.child.once('exit', (c) => resolve(c)))
  t.equal(code, 0, 'a SIGTERM closes gracefully')
  t.equal(second.stderr(), '', 'nothing on stderr')
})

t.test('on a realtime clock, events that fell due while the server was down run at start, in order, at their due times', async (t) => {
  const db = join(t.testdir(), 's.db')
  const first = await start(t, db)
  let tok = await accessToken(first.url)
  const to = '+306900000110'
  // Viber UNDELIVERED at 2 s → Sms Sent 3 s, Undelivered 5 s → another Sms Sent 6 s, Undelivered 8 s
  const res = await json(`${first.url}/failover`, { method: 'POST', headers: { authorization: `Bearer ${tok}` }, body: { flow: [viberStep(to), smsStep(to, { order: 2 }), smsStep(to, { order: 3 })] } })
  t.equal(res.status, 200, JSON.stringify(res.body))
  const id = res.body.trackingId
  const sentAt = Date.now()
  first.child.kill('SIGKILL')
  await new Promise((resolve) => first.child.once('exit', resolve))
  // everything falls due while nothing runs
  await sleep(Math.max(0, sentAt + 6000 - Date.now()))

  const second = await start(t, db)
  tok = await accessToken(second.url)
  let record: any
  for (let i = 0; i < 50; i++) {
    record = (await json(`${second.url}/failover/tracking/${id}`, { headers: { authorization: `Bearer ${tok}` } })).body
    if (record.status !== 'InProgress') break
    await sleep(100)
  }
  t.equal(record.status, 'Failed')
  t.equal(record.statusCode, '2')
  const created = Date.parse(record.createdAt)
  const times = record.messages.map((m: any) => [m.status.name, (Date.parse(m.createdAt) - created) / 1000, (Date.parse(m.status.updatedDate) - created) / 1000])
  t.same(times, [['UNDELIVERED', 0, 2], ['Undelivered', 2, 5], ['Undelivered', 5, 8]], 'each change at its due time, not at the restart')
  second.child.kill('SIGTERM')
  await new Promise((resolve) => second.child.once('exit', resolve))
})
