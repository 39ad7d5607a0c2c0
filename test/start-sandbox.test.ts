import t from 'tap'
import { ConfigError, startSandbox, VERSION, type Sandbox } from '../src/index.js'
import { smsStep, viberStep } from './helper.js'

async function token (sb: Sandbox): Promise<string> {
  const { applicationId, applicationSecret } = sb.credentials
  const res = await fetch(`${sb.url}/oauth/token`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${applicationId}:${applicationSecret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

async function api (sb: Sandbox, tok: string, method: string, path: string, body?: unknown): Promise<{ status: number, body: any }> {
  const res = await fetch(sb.url + path, {
    method,
    headers: { authorization: `Bearer ${tok}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return { status: res.status, body: await res.json() }
}

t.test('startSandbox: a real server on a free port, the seed credentials, a manual clock', async (t) => {
  const sb = await startSandbox()
  t.teardown(sb.close)
  t.match(sb.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.ok(sb.port > 0, 'port 0 took a free port')
  t.equal(sb.url, `http://127.0.0.1:${sb.port}`)
  t.same(sb.credentials, { applicationId: 'sandbox-app', applicationSecret: 'sandbox-secret' })
  t.equal(sb.accountId, 'sandbox')
  const health = await fetch(`${sb.url}/_sandbox/health`)
  t.same(await health.json(), { status: 'ok', version: VERSION })

  const tok = await token(sb)
  // +306900000100: Viber UNDELIVERED, then the SMS is delivered
  const sent = await api(sb, tok, 'POST', '/failover', { flow: [viberStep('+306900000100'), smsStep('+306900000100', { order: 2 })] })
  t.equal(sent.status, 200)
  const id = sent.body.trackingId

  const before = sb.clock.now()
  const stillAfterWait = await new Promise<number>((resolve) => setTimeout(() => resolve(sb.clock.now()), 20))
  t.equal(stillAfterWait, before, 'a manual clock stands still')
  t.equal((await api(sb, tok, 'GET', `/failover/tracking/${id}`)).body.status, 'InProgress')

  const advanced = await sb.clock.advance(10_000)
  t.equal(advanced.now, before + 10_000, 'advance(ms) moves the clock by exactly ms')
  t.ok(advanced.eventsRun > 0, 'and runs the events that fell due')
  t.equal(sb.clock.now(), before + 10_000)
  const record = (await api(sb, tok, 'GET', `/failover/tracking/${id}`)).body
  t.equal(record.status, 'Succeeded', 'effects are stored when advance resolves')
  t.same(record.messages.map((m: any) => [m.type, m.status.name]), [['Viber', 'UNDELIVERED'], ['Sms', 'Delivered']])
  const control = await fetch(`${sb.url}/_sandbox/clock`)
  t.equal(Date.parse(((await control.json()) as { now: string }).now), before + 10_000, 'the same clock as GET /_sandbox/clock')

  const messages = await sb.messages({ to: '+306900000100' })
  t.same(messages.map((m) => m.channel), ['Sms', 'Viber'], 'newest first')
  t.equal(messages[0].sms?.text, 'Hello from the sandbox')
  t.equal(messages[0].status, 'Delivered')
  t.same((await sb.messages({ channel: 'Viber' })).map((m) => m.trackingId), [id])
  t.same(await sb.messages({ to: '+306999999999' }), [])

  const idle = await sb.clock.advance('idle')
  t.equal(idle.eventsRun, 0, 'nothing left to run')
  await t.rejects(sb.clock.advance(-1), RangeError)
  await t.rejects(sb.clock.advance(Number.NaN), RangeError)

  const later = sb.clock.now() + 3_600_000
  const view = await sb.clock.set({ now: new Date(later) })
  t.equal(view.now, later)
  t.equal(view.mode, 'manual')
  await t.rejects(sb.clock.set({ now: later - 1 }), { message: /only moves forward/ })

  await sb.reset()
  t.same(await sb.messages(), [], 'reset clears the messages')
  t.equal((await api(sb, tok, 'GET', `/failover/tracking/${id}`)).status, 404, 'and the flows')

  await sb.close()
  await sb.close()
  await t.rejects(fetch(`${sb.url}/_sandbox/health`), 'nothing listens after close')
})

t.test('one sandbox per test file: two at once are independent', async (t) => {
  const [a, b] = await Promise.all([startSandbox(), startSandbox()])
  t.teardown(a.close)
  t.teardown(b.close)
  t.not(a.port, b.port)
  const tok = await token(a)
  t.equal((await api(a, tok, 'POST', '/failover', { flow: [smsStep()] })).status, 200)
  t.equal((await a.messages()).length, 1)
  t.equal((await b.messages()).length, 0)
  t.equal((await api(b, tok, 'GET', '/accounts/me/balance')).status, 401, "a's token means nothing to b")
})

t.test('options: strict, the seed as data, bad values', async (t) => {
  const seed = {
    accounts: [{
      id: 'team-a',
      name: 'Team A',
      balance: 5,
      currency: { code: 'EUR', name: 'Euro', sign: '€' },
      prices: { sms: 0.036, viberTransactional: 0.0093, viberPromotional: 0.035, voice: 0.05 },
      applications: [{ id: 'team-a-app', secret: 'team-a-secret', scopes: ['sms', 'failover', 'account'], tokenLifetime: 3600 }],
      senders: [],
      templates: []
    }]
  } as const
  const sb = await startSandbox({ seed: structuredClone(seed) as any, strict: true })
  t.teardown(sb.close)
  t.same(sb.credentials, { applicationId: 'team-a-app', applicationSecret: 'team-a-secret' })
  t.equal(sb.accountId, 'team-a')
  const tok = await token(sb)
  t.equal((await api(sb, tok, 'GET', '/accounts/me/balance')).body.balance, 5)
  const unknown = await api(sb, tok, 'POST', '/failover', { flow: [smsStep()], colour: 'red' })
  t.equal(unknown.status, 400, 'strict: an unknown property is refused')
  t.equal(sb.app.config.SANDBOX_STRICT, true)
  t.equal(sb.app.config.SANDBOX_DB, ':memory:')

  await t.rejects(startSandbox({ timeScale: 0 }), ConfigError)
  await t.rejects(startSandbox({ seed: '/nonexistent/seed.json' }), ConfigError)
  await t.rejects(startSandbox({ account: 'nobody' }), { message: /no account nobody/ })
  await t.rejects(startSandbox({ port: sb.port }), { code: 'EADDRINUSE' }, 'a taken port fails, and the app it built is closed')
})

t.test('startSandbox() beyond loopback without an admin token warns (sandbox.md: the guard), with one it does not', async (t) => {
  const warnings: Error[] = []
  const onWarning = (w: Error): void => { warnings.push(w) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  const open = await startSandbox({ host: '0.0.0.0' })
  await open.close()
  await new Promise((resolve) => setImmediate(resolve))
  t.match(warnings.map((w) => w.message).join('\n'), /listening on 0\.0\.0\.0 without SANDBOX_ADMIN_TOKEN/)
  warnings.length = 0
  const local = await startSandbox()
  await local.close()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(warnings.filter((w) => /SANDBOX_ADMIN_TOKEN/.test(w.message)), [], 'loopback: no warning')
})
