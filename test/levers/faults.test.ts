import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import { bearer, build, control, send, smsStep, token } from '../helper.js'

const SMS = { flow: [smsStep('+306900000200')] }
// fault answers are not in the provider's OpenAPI document: the contract check is off here
const opts = { contract: false }

t.test('a rule answers a status with a provider-shaped body; a faulted send stores nothing and costs nothing', async (t) => {
  const app = await build(t, opts)
  const tok = await token(app)
  const balance = async (): Promise<number> => (await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).json().balance
  const before = await balance()
  const put = await control(app, 'PUT', '/faults', [{ route: 'POST /failover', status: 503, retryAfter: 7, times: 2 }])
  t.equal(put.statusCode, 200)
  t.same(put.json(), [{ route: 'POST /failover', status: 503, retryAfter: 7, times: 2, remaining: 2 }])
  const res = await send(app, tok, SMS, { transactional: false })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '7')
  t.same(res.json(), { code: ERRORS.FAULT_503.code, developerMessage: ERRORS.FAULT_503.message, type: ERRORS.FAULT_503.type })
  t.same((await control(app, 'GET', '/faults')).json()[0], { route: 'POST /failover', status: 503, retryAfter: 7, times: 1, remaining: 1 }, 'what is left of times, as times')
  t.equal(await balance(), before, 'nothing charged')
  t.same((await control(app, 'GET', '/messages')).json(), [], 'nothing stored')
  t.equal((await send(app, tok, SMS, { transactional: false })).statusCode, 503)
  t.equal((await send(app, tok, SMS, { transactional: false })).statusCode, 200, 'the rule is spent after times')
  t.same((await control(app, 'GET', '/faults')).json()[0], { route: 'POST /failover', status: 503, retryAfter: 7, times: 0, remaining: 0 }, 'a spent rule stays listed with times 0')
  const journal = (await control(app, 'GET', '/requests?path=/failover')).json()
  t.same(journal.map((e: any) => [e.status, e.fault?.source, e.fault?.status]), [[200, undefined, undefined], [503, 'rule', 503], [503, 'rule', 503]])
  t.equal(journal[1].errorCode, ERRORS.FAULT_503.code)
})

t.test('first match wins; routes with a {param}; "*"; other accounts are untouched', async (t) => {
  const app = await build(t, opts)
  const tok = await token(app)
  await control(app, 'PUT', '/faults', [
    { route: 'GET /failover/tracking/{trackingId}', status: 504 },
    { route: '*', status: 500 }
  ])
  t.equal((await app.inject({ method: 'GET', url: '/failover/tracking/abc', headers: bearer(tok) })).statusCode, 504)
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).statusCode, 500)
  t.equal((await app.inject({ method: 'GET', url: '/failover/tracking/abc/more', headers: bearer(tok) })).statusCode, 500)
  const other = (await control(app, 'POST', '/accounts', {})).json()
  const otherTok = await token(app, { id: other.applicationId, secret: other.applicationSecret })
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(otherTok) })).statusCode, 200)
  t.equal((await control(app, 'GET', '/clock')).statusCode, 200, 'the control plane is never faulted')
  t.same((await control(app, 'DELETE', '/faults')).json(), [])
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).statusCode, 200)
})

t.test('the token endpoint can fail too; 429 carries Retry-After', async (t) => {
  const app = await build(t, opts)
  await control(app, 'PUT', '/faults', [{ route: 'POST /oauth/token', status: 429, retryAfter: 2, times: 1 }])
  const res = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '2')
  t.equal(res.json().type, 'TooManyRequests')
  t.ok(await token(app), 'the next one works')
})

t.test('afterCommit: the send is stored and runs, the client gets the fault', async (t) => {
  const app = await build(t, opts)
  const tok = await token(app)
  const res = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, { 'x-sandbox-fault': 'afterCommit;502' }), payload: SMS })
  t.equal(res.statusCode, 502)
  t.notMatch(res.body, 'trackingId')
  const messages = (await control(app, 'GET', '/messages')).json()
  t.equal(messages.length, 1, 'the flow was stored')
  const [entry] = (await control(app, 'GET', '/requests?path=/failover')).json()
  t.equal(entry.status, 502)
  t.same(entry.fault, { source: 'header', status: 502, afterCommit: true })
  t.equal(entry.trackingId, messages[0].trackingId, 'the journal knows the trackingId the client never learnt')
})

t.test('X-Sandbox-Fault: each form, and a delay alone', async (t) => {
  const app = await build(t, opts)
  const tok = await token(app)
  const with_ = async (fault: string) => await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok, { 'x-sandbox-fault': fault }) })
  t.equal((await with_('503')).statusCode, 503)
  const limited = await with_('429;retryAfter=2')
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '2')
  const started = performance.now()
  const late = await with_('delay=120')
  t.equal(late.statusCode, 200)
  t.ok(performance.now() - started >= 100, 'answered late')
  const [entry] = (await control(app, 'GET', '/requests?limit=1')).json()
  t.same(entry.fault, { source: 'header', delayMs: 120 })
  t.ok(entry.durationMs >= 100)
})

t.test('bad rules and header values are a 400 saying what to fix', async (t) => {
  const app = await build(t, opts)
  const tok = await token(app)
  const bad = async (rules: unknown, field: string, text: string): Promise<void> => {
    const res = await control(app, 'PUT', '/faults', rules)
    t.equal(res.statusCode, 400, JSON.stringify(rules))
    t.match(res.json().developerMessage, field)
    t.match(res.json().developerMessage, text)
  }
  await bad([{ route: 'POST /nowhere', status: 500 }], '[0].route', 'POST /failover/transactional')
  await bad([{ route: 'FETCH /failover', status: 500 }], '[0].route', 'method')
  await bad([{ route: '*', status: 418 }], '[0].status', '500, 502, 503, 504, 429')
  await bad([{ route: '*', status: 500, retryAfter: 3 }], '[0].retryAfter', '429 and 503')
  await bad([{ route: '*', drop: 'explode' }], '[0].drop', '"reset" or "hang"')
  await bad([{ route: '*', drop: 'reset', status: 500 }], '[0].drop', 'not both')
  await bad([{ route: '*' }], '[0].status', 'at least one')
  await bad([{ route: '*', status: 500, times: 0 }], '[0].times', 'at least 1')
  await bad([{ route: '*', status: 500, probability: 2 }], '[0].probability', 'from 0 to 1')
  await bad([{ route: '*', delayMs: 999999 }], '[0].delayMs', '120000')
  await bad([{ route: '*', afterCommit: true, delayMs: 5 }], '[0].afterCommit', 'status or a drop')
  await bad([{ route: '*', status: 500, colour: 'red' }], '[0].colour', 'remove it')
  t.same((await control(app, 'GET', '/faults')).json(), [], 'a refused PUT changes nothing')

  for (const [value, text] of [['418', '500, 502, 503, 504, 429'], ['teapot', 'not understood'], ['delay=soon', 'whole number'], ['', 'empty'], ['500;retryAfter=1', '429 and 503']]) {
    const res = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok, { 'x-sandbox-fault': value }) })
    t.equal(res.statusCode, 400, `X-Sandbox-Fault: ${value}`)
    t.match(res.json().developerMessage, 'X-Sandbox-Fault')
    t.match(res.json().developerMessage, text)
  }
  const journal = (await control(app, 'GET', '/requests/count?status=400')).json()
  t.same(journal, { count: 5 }, 'refused header values are journaled')
})

t.test('probability draws from a seeded generator: the same rules give the same run', async (t) => {
  const run = async (): Promise<number[]> => {
    const app = await build(t, opts)
    const tok = await token(app)
    await control(app, 'PUT', '/faults', [{ route: 'GET /accounts/me/balance', status: 500, probability: 0.5 }])
    const out: number[] = []
    for (let i = 0; i < 20; i++) out.push((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).statusCode)
    return out
  }
  const a = await run()
  const b = await run()
  t.same(a, b)
  t.ok(a.includes(500) && a.includes(200), `a mix: ${a.join(',')}`)
})
