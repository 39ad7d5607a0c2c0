import t from 'tap'
import { advance, bearer, build, fixture, send, smsStep, token, tracking, viberStep } from '../helper.js'
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from '../../src/engine/callbacks.js'
import { VERSION } from '../../src/version.js'
import { closedPort, receiver } from './receiver.js'

const callbacksOf = async (app: any, trackingId: string): Promise<any[]> =>
  (await app.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${trackingId}` })).json()

t.test('OnCompletion: exactly one callback, the tracking record with flowKind', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const body = fixture('seed-example.json')
  body.callback.url = hook.url
  body.flow[0].to = body.flow[1].to = '+306900000200' // Viber expires, SMS delivered
  const res = await send(app, tok, body)
  t.equal(res.statusCode, 200)
  const { trackingId } = res.json()
  await advance(app, { until: 'idle' })
  t.equal(hook.received.length, 1, 'one callback')
  const record = await tracking(app, tok, trackingId)
  t.same(hook.received[0].body, record, 'the body is the tracking record')
  t.equal(hook.received[0].body.flowKind, 'transactional')
  t.equal(hook.received[0].body.status, 'Succeeded')
  t.equal(hook.received[0].body.terminationChannel, 'Sms')
  t.equal(hook.received[0].headers['user-agent'], `failover-sandbox/${VERSION}`)
  t.equal(hook.received[0].headers['x-sandbox-attempt'], '1')
  t.equal(hook.received[0].headers['x-sandbox-tracking-id'], trackingId)
  t.equal(hook.received[0].headers['content-type'], 'application/json')
})

t.test('OnChange: one callback per status change, in order, the completion last; flowKind standard', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, {
    flow: [viberStep('+306900000100', { order: 1 }), smsStep('+306900000100', { order: 2 })],
    callback: { strategy: 'OnChange', url: hook.url }
  }, { transactional: false })
  t.equal(res.statusCode, 200)
  await advance(app, { until: 'idle' })
  const seen = hook.received.map((r) => `${r.body.status}:${r.body.messages.map((m: any) => m.status.name).join('>')}`)
  // each body is the record after the whole change: UNDELIVERED starts the Sms step in the same change,
  // Delivered completes the flow in the same change
  t.same(seen, [
    'InProgress:QUEUED',
    'InProgress:UNDELIVERED>Queued',
    'InProgress:UNDELIVERED>Queued',
    'InProgress:UNDELIVERED>Sent',
    'Succeeded:UNDELIVERED>Delivered',
    'Succeeded:UNDELIVERED>Delivered'
  ])
  t.ok(hook.received.every((r) => r.body.flowKind === 'standard'))
  const list = await callbacksOf(app, res.json().trackingId)
  t.same(list.map((c) => c.kind), ['change', 'change', 'change', 'change', 'change', 'completion'])
  t.ok(list.every((c) => c.state === 'delivered' && c.attempts.length === 1))
})

t.test('OnStep is accepted as "every change" too, and echoed as sent', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'onstep', url: hook.url } }, { transactional: false })
  t.equal(res.json().callback.strategy, 'onstep')
  await advance(app, { until: 'idle' })
  t.equal(hook.received.length, 4, 'Queued, Sent, Delivered, completion')
})

t.test('a receiver answering 500 twice then 200: three attempts at the scheduled sandbox times', async (t) => {
  const hook = await receiver(t, [500, 500, 200])
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })
  const { trackingId } = res.json()
  await advance(app, { seconds: 3 }) // the SMS is delivered at +3 s: first attempt
  let [cb] = await callbacksOf(app, trackingId)
  t.equal(cb.attempts.length, 1)
  t.equal(cb.attempts[0].status, 500)
  t.equal(cb.attempts[0].error, 'HTTP 500')
  t.equal(cb.state, 'pending')
  const first = Date.parse(cb.attempts[0].at)
  t.equal(Date.parse(cb.nextAttemptAt), first + RETRY_DELAYS_MS[0])
  await advance(app, { seconds: 59.9 })
  t.equal(hook.received.length, 1, 'not before one minute')
  await advance(app, { until: 'idle' })
  ;[cb] = await callbacksOf(app, trackingId)
  t.equal(cb.state, 'delivered')
  t.same(cb.attempts.map((a: any) => a.status), [500, 500, 200])
  t.same(cb.attempts.map((a: any) => Date.parse(a.at) - first), [0, RETRY_DELAYS_MS[0], RETRY_DELAYS_MS[0] + RETRY_DELAYS_MS[1]])
  t.same(hook.received.map((r) => r.headers['x-sandbox-attempt']), ['1', '2', '3'])
})

t.test('a receiver that never answers: timeouts recorded, give-up after the last retry', async (t) => {
  const hook = await receiver(t, Array(MAX_ATTEMPTS).fill('hang'))
  const app = await build(t, { config: { SANDBOX_WEBHOOK_TIMEOUT_MS: 50 } })
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })
  await advance(app, { until: 'idle' })
  const [cb] = await callbacksOf(app, res.json().trackingId)
  t.equal(cb.state, 'failed')
  t.equal(cb.attempts.length, MAX_ATTEMPTS, '1 attempt + 12 retries')
  t.ok(cb.attempts.every((a: any) => a.status === null && /^timeout/.test(a.error)))
  const span = Date.parse(cb.attempts.at(-1).at) - Date.parse(cb.attempts[0].at)
  t.equal(span, 24 * 3600_000, 'the retries span 24 hours of sandbox time')
  t.equal(cb.nextAttemptAt, null)
})

t.test('a refused connection is recorded and retried', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const port = await closedPort()
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: `http://127.0.0.1:${port}/x` } }, { transactional: false })
  await advance(app, { seconds: 3 })
  const [cb] = await callbacksOf(app, res.json().trackingId)
  t.equal(cb.attempts[0].error, 'connection refused')
  t.equal(cb.state, 'pending')
})

t.test('an unresolvable host is a DNS failure, retried', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: 'http://no-such-host.invalid/x' } }, { transactional: false })
  await advance(app, { seconds: 3 })
  const [cb] = await callbacksOf(app, res.json().trackingId)
  t.equal(cb.attempts[0].error, 'DNS lookup failed')
})

t.test("one flow's callbacks wait for each other; a failing one holds the next until it gives up or succeeds", async (t) => {
  const hook = await receiver(t, [503])
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnChange', url: hook.url } }, { transactional: false })
  await advance(app, { seconds: 3 })
  const list = await callbacksOf(app, res.json().trackingId)
  t.same(list.map((c) => c.state), ['pending', 'waiting', 'waiting', 'waiting'], 'the first failed; the rest wait behind it')
  await advance(app, { until: 'idle' })
  t.same(hook.received.map((r) => r.body.messages[0].status.name), ['Queued', 'Queued', 'Sent', 'Delivered', 'Delivered'])
})

t.test('redeliver sends once more, now', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })
  await advance(app, { until: 'idle' })
  const [cb] = await callbacksOf(app, res.json().trackingId)
  const again = await app.inject({ method: 'POST', url: `/_sandbox/callbacks/${cb.id}/redeliver` })
  t.equal(again.statusCode, 200)
  t.equal(again.json().attempts.length, 2)
  t.equal(again.json().state, 'delivered')
  t.equal(hook.received.length, 2)
  t.same(hook.received[1].body, hook.received[0].body)
  const missing = await app.inject({ method: 'POST', url: '/_sandbox/callbacks/nope/redeliver' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, '404000000')
})

t.test('a callback of another account is not visible', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })
  await advance(app, { until: 'idle' })
  const other = (await app.inject({ method: 'POST', url: '/_sandbox/accounts', payload: {} })).json()
  const list = await app.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${res.json().trackingId}`, headers: { 'x-sandbox-account': other.accountId } })
  t.same(list.json(), [])
})

t.test('inbound reply: the recipient answers a Viber message, POSTed to inboundUrl', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [viberStep('+306912345678', { inboundUrl: hook.url })] }, { transactional: false })
  const record = await tracking(app, tok, res.json().trackingId)
  const messageId = record.messages[0].trackingId
  const reply = await app.inject({ method: 'POST', url: `/_sandbox/messages/${messageId}/reply`, payload: { text: 'STOP' } })
  t.equal(reply.statusCode, 200, reply.body)
  t.equal(reply.json().kind, 'inbound')
  t.equal(reply.json().state, 'delivered')
  t.equal(hook.received.length, 1)
  t.match(hook.received[0].body, { inReplyTo: messageId, trackingId: res.json().trackingId, channel: 'Viber', from: '+306912345678', to: 'your-sender-info-tracking-id', text: 'STOP' })
  const sms = await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  const smsRecord = await tracking(app, tok, sms.json().trackingId)
  const bad = await app.inject({ method: 'POST', url: `/_sandbox/messages/${smsRecord.messages[0].messageId}/reply`, payload: { text: 'hi' } })
  t.equal(bad.statusCode, 400)
  const empty = await app.inject({ method: 'POST', url: `/_sandbox/messages/${messageId}/reply`, payload: {} })
  t.equal(empty.statusCode, 400)
})

t.test('old callbacks are pruned by age and by count', async (t) => {
  const hook = await receiver(t)
  const app = await build(t, { config: { SANDBOX_CALLBACK_RETENTION_HOURS: 1, SANDBOX_CALLBACK_MAX_ROWS: 2 } })
  const tok = await token(app)
  const ids: string[] = []
  for (let i = 0; i < 3; i++) {
    ids.push((await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })).json().trackingId)
    await advance(app, { until: 'idle' })
  }
  t.equal(app.engine.pruneCallbacks(), 1, 'count: the oldest of three goes')
  t.same((await callbacksOf(app, ids[0])), [])
  t.equal((await callbacksOf(app, ids[2])).length, 1)
  await advance(app, { seconds: 3601 })
  t.equal(app.engine.pruneCallbacks(), 2, 'age: the rest are older than an hour')
  t.equal(hook.received.length, 3)
  void bearer
})
