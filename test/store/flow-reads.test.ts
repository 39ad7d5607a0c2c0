import t from 'tap'
import { build, send, smsStep, token } from '../helper.js'

// issue 15: a flow's request is cached as parsed (it never changes); a message's end cancels its events in one statement

t.test('the request cache: filled at the send, read back when evicted, emptied by a reset', async (t) => {
  const app = await build(t, { config: { SANDBOX_TRACKING_CACHE: 1 } })
  const tok = await token(app)
  const first = (await send(app, tok, { flow: [smsStep('+306912345601')] }, { transactional: false })).json().trackingId
  t.equal(app.store.flows.requests.get(first)?.flow[0].to, '+306912345601', 'cached at the send')
  const second = (await send(app, tok, { flow: [smsStep('+306912345602')] }, { transactional: false })).json().trackingId
  t.equal(app.store.flows.requests.get(first), undefined, 'a bound of 1 pushed the first out')
  t.equal(app.store.flows.flow(first)?.request.flow[0].to, '+306912345601', 'read from flow_requests when not cached')
  t.equal(app.store.flows.flow(second)?.request.flow[0].to, '+306912345602')
  t.equal(app.store.flows.flow('no-such-flow'), undefined)
  const page = app.store.flows.search('sandbox', { filters: [], page: 0, size: 10 })
  t.same(page.flows.map((f) => f.request.flow[0].to).sort(), ['+306912345601', '+306912345602'], 'a search page carries each request, cached or not')
  const reset = await app.inject({ method: 'POST', url: '/_sandbox/reset' })
  t.equal(reset.statusCode, 200)
  t.equal(app.store.flows.requests.size, 0, 'a reset empties it')
  t.equal(app.store.flows.flow(first), undefined)
})

t.test('cancelMessageEvents: the message\'s status changes and expiry go, nothing else', async (t) => {
  const app = await build(t)
  const events = app.store.events
  const base = { accountId: 'sandbox', dueAt: 1, flowId: 'f', payload: {} }
  events.add({ ...base, kind: 'message.status', messageId: 'm1' })
  events.add({ ...base, kind: 'message.expire', messageId: 'm1' })
  events.add({ ...base, kind: 'callback.attempt', messageId: 'm1' })
  events.add({ ...base, kind: 'message.status', messageId: 'm2' })
  const before = events.pending('sandbox')
  events.cancelMessageEvents('m1')
  t.equal(events.pending('sandbox'), before - 2)
  const left = app.store.db.prepare("SELECT kind, message_id AS m FROM due_events WHERE flow_id = 'f' ORDER BY id").all()
  t.same(left, [{ kind: 'callback.attempt', m: 'm1' }, { kind: 'message.status', m: 'm2' }])
})
