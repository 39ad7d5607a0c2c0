import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import { basic, bearer, build, control, SEED_APP, send, smsStep, token } from '../helper.js'

const SMS = { flow: [smsStep('+306900000200')] }

t.test('every request to the emulated API is journaled, newest first, whatever its answer', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const ok = await send(app, tok, SMS, { transactional: false })
  t.equal(ok.statusCode, 200)
  const trackingId = ok.json().trackingId
  const refused = await send(app, tok, { flow: [smsStep('12')] }, { transactional: false })
  t.equal(refused.statusCode, 400)
  const noToken = await app.inject({ method: 'POST', url: '/failover', payload: SMS })
  t.equal(noToken.statusCode, 401)
  const tracked = await app.inject({ method: 'GET', url: `/failover/tracking/${trackingId}`, headers: bearer(tok) })
  t.equal(tracked.statusCode, 200)
  const missing = await app.inject({ method: 'GET', url: '/failover/nowhere', headers: bearer(tok) })
  t.equal(missing.statusCode, 404)
  // a control request is not journaled
  await control(app, 'GET', '/clock')

  const res = await control(app, 'GET', '/requests')
  t.equal(res.statusCode, 200)
  const list = res.json()
  t.same(list.map((e: any) => [e.method, e.path, e.status]), [
    ['GET', '/failover/nowhere', 404],
    ['GET', `/failover/tracking/${trackingId}`, 200],
    ['POST', '/failover', 401],
    ['POST', '/failover', 400],
    ['POST', '/failover', 200],
    ['POST', '/oauth/token', 200]
  ])
  t.ok(list[0].id > list[1].id, 'ids grow')
  t.equal(list[1].trackingId, trackingId, 'a tracking read carries its trackingId')
  t.equal(list[4].trackingId, trackingId, 'an accepted send carries its trackingId')
  t.equal(list[3].errorCode, ERRORS.PHONE_FORMAT.code)
  t.match(JSON.parse(list[3].response.body).developerMessage, 'flow[0].to', 'a refused send keeps the error message the client got')
  t.match(list[3].request.body, '"to":"12"', 'the body as sent')
  t.equal(list[3].request.json.flow[0].to, '12', 'and parsed, for a test to read')
  t.equal(list[3].response.json.code, '400000000', 'the answer parsed too')
  t.equal(list[2].errorCode, 'invalid_token')
  t.equal(list[0].errorCode, ERRORS.ROUTE_NOT_FOUND.code)
  t.ok(Date.parse(list[0].at) > 0 && Date.parse(list[0].realAt) > 0)
  t.type(list[0].durationMs, 'number')

  const count = await control(app, 'GET', '/requests/count?method=post&path=/failover')
  t.same(count.json(), { count: 3 })
  t.same((await control(app, 'GET', '/requests/count?status=4xx')).json(), { count: 3 })
  t.same((await control(app, 'GET', '/requests/count?status=200')).json(), { count: 3 })
  t.same((await control(app, 'GET', `/requests/count?trackingId=${trackingId}`)).json(), { count: 2 })
  t.same((await control(app, 'GET', '/requests/count?path=/failover*')).json(), { count: 5 })
  // the 401 was answered before its body was parsed: the body is read for the journal all the same
  t.same((await control(app, 'GET', '/requests/count?body=%2B306900000200')).json(), { count: 2 })
  t.same(list[2].request.json, SMS, 'what the refused client sent')
  t.equal((await control(app, 'GET', '/requests?limit=2')).json().length, 2)
  const future = new Date(app.engine.now('sandbox') + 1000).toISOString()
  t.same((await control(app, 'GET', `/requests/count?since=${future}`)).json(), { count: 0 })

  t.same((await control(app, 'DELETE', '/requests')).json(), { deleted: 6 })
  t.same((await control(app, 'GET', '/requests/count')).json(), { count: 0 })
})

t.test('secrets never appear: Authorization, client secrets and tokens', async (t) => {
  const app = await build(t)
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${SEED_APP.id}&client_secret=${SEED_APP.secret}`
  })
  const tok = res.json().access_token as string
  await app.inject({ method: 'GET', url: '/failover/tracking/nope', headers: bearer(tok) })
  // a made-up token comes back in the 401's description: redacted too
  await app.inject({ method: 'GET', url: '/failover/tracking/nope', headers: bearer('made-up-token-123456') })
  const text = JSON.stringify((await control(app, 'GET', '/requests')).json())
  t.notMatch(text, SEED_APP.secret)
  t.notMatch(text, tok)
  t.notMatch(text, 'made-up-token-123456')
  t.notMatch(text, Buffer.from(`${SEED_APP.id}:${SEED_APP.secret}`).toString('base64'))
  t.match(text, 'Basic [redacted]')
  t.match(text, 'Bearer [redacted]')
})

t.test('a request is journaled in its account: the token\'s, else X-Sandbox-Account, else sandbox', async (t) => {
  const app = await build(t)
  const other = (await control(app, 'POST', '/accounts', {})).json()
  const tok = await token(app, { id: other.applicationId, secret: other.applicationSecret })
  await send(app, tok, SMS, { transactional: false })
  await app.inject({ method: 'POST', url: '/failover', headers: { 'x-sandbox-account': other.accountId }, payload: SMS })
  await app.inject({ method: 'POST', url: '/failover', payload: SMS })
  const mine = (await control(app, 'GET', '/requests', undefined, other.accountId)).json()
  t.same(mine.map((e: any) => e.status), [401, 200, 200], 'the token, the send and the unattributed 401 naming the account')
  const seed = (await control(app, 'GET', '/requests')).json()
  t.same(seed.map((e: any) => e.status), [401], 'an unattributed request without a header goes to sandbox')
})

t.test('bodies over the limit are stored cut, with a marker; 413s are journaled', async (t) => {
  const app = await build(t, { config: { SANDBOX_JOURNAL_MAX_BODY_BYTES: 1024 } })
  const tok = await token(app)
  const long = { flow: [smsStep('+306900000200', { message: { body: 'x'.repeat(5000) } })] }
  t.equal((await send(app, tok, long, { transactional: false })).statusCode, 200)
  const big = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, { 'content-type': 'application/json' }), payload: '{"a":"' + 'y'.repeat(1024 * 1024 + 10) + '"}' })
  t.equal(big.statusCode, 413)
  const [tooLarge, cut] = (await control(app, 'GET', '/requests')).json()
  t.equal(tooLarge.status, 413)
  t.equal(tooLarge.errorCode, ERRORS.BODY_TOO_LARGE.code)
  t.ok(cut.request.body.length < 1200)
  t.match(cut.request.body, /…\[truncated by the sandbox: \d+ bytes in all\]$/)
})

t.test('a faulted send and a refused one show the body the client sent', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const body = JSON.stringify(SMS)
  const faulted = await app.inject({ method: 'POST', url: '/failover', headers: { ...bearer(tok), 'content-type': 'application/json', 'x-sandbox-fault': '503' }, payload: body })
  t.equal(faulted.statusCode, 503)
  await control(app, 'PUT', '/faults', [{ route: 'POST /failover', status: 429, retryAfter: 1, times: 1 }])
  t.equal((await app.inject({ method: 'POST', url: '/failover', headers: { ...bearer(tok), 'content-type': 'application/json' }, payload: body })).statusCode, 429)
  t.equal((await app.inject({ method: 'POST', url: '/failover', headers: { authorization: 'Bearer expired-or-unknown', 'content-type': 'application/json' }, payload: body })).statusCode, 401)
  const retry = await app.inject({ method: 'POST', url: '/failover', headers: { ...bearer(tok), 'content-type': 'application/json' }, payload: body })
  t.equal(retry.statusCode, 200)
  const list = (await control(app, 'GET', '/requests?path=/failover')).json()
  t.same(list.map((e: any) => [e.status, e.fault?.source ?? null, e.request.body]), [[200, null, body], [401, null, body], [429, 'rule', body], [503, 'header', body]])
  t.equal(list[3].request.json.flow[0].to, '+306900000200')
  // a body without a token: still a 401 first (the token is checked before the body is parsed), body kept as text
  const bad = await app.inject({ method: 'POST', url: '/failover', headers: { 'content-type': 'application/json' }, payload: '{not json' })
  t.equal(bad.statusCode, 401)
  const [entry] = (await control(app, 'GET', '/requests?limit=1')).json()
  t.equal(entry.request.body, '{not json')
  t.equal(entry.request.json, undefined)
})

t.test('bad filters are a 400 saying what to fix', async (t) => {
  const app = await build(t)
  t.equal((await control(app, 'GET', '/requests?status=abc')).statusCode, 400)
  const since = await control(app, 'GET', '/requests?since=yesterday')
  t.equal(since.statusCode, 400)
  t.match(since.json().developerMessage, 'since')
  t.equal((await control(app, 'GET', '/requests?limit=0')).statusCode, 400)
  t.equal((await control(app, 'GET', '/requests', undefined, 'nobody')).statusCode, 404)
})

t.test('the journal is pruned by count', async (t) => {
  const app = await build(t, { config: { SANDBOX_JOURNAL_MAX_ROWS: 3 } })
  for (let i = 0; i < 5; i++) await app.inject({ method: 'GET', url: '/failover/tracking/x' })
  app.journal.flush()
  t.equal(app.journal.prune(), 2)
  t.same((await control(app, 'GET', '/requests/count')).json(), { count: 3 })
})
