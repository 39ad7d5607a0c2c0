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
  const tok = await token(app)
  const ids: string[] = []
  for (const to of ['+306912345611', '+306912345612']) ids.push((await send(app, tok, { flow: [smsStep(to)] }, { transactional: false })).json().trackingId)
  const [m1, m2] = ids.map((id) => app.store.flows.messagesOf(id)[0].id)
  const events = app.store.events
  events.add({ accountId: 'sandbox', dueAt: 1, flowId: ids[0], messageId: m1, kind: 'callback.attempt', payload: {} })
  // the events are stored with their flow's and message's integer keys, and read back with their ids (migration 010)
  // (kinds as stored: 0 message.status, 1 message.expire, 2 callback.attempt)
  const ofMessage = (): Array<{ kind: number, m: string, f: string }> => app.store.db.prepare(`SELECT e.kind, m.id AS m, f.id AS f FROM due_events e
    JOIN messages m ON m.mid = e.mid JOIN flows f ON f.fid = e.fid ORDER BY e.id`).all() as Array<{ kind: number, m: string, f: string }>
  const before = ofMessage()
  t.ok(before.some((e) => e.m === m1 && e.kind === 0), 'the send scheduled the first message\'s status changes')
  t.ok(before.every((e) => e.f === (e.m === m1 ? ids[0] : ids[1])), 'each event points at its own message\'s flow')
  events.cancelMessageEvents(m1)
  const left = ofMessage()
  t.same(left.filter((e) => e.m === m1), [{ kind: 2, m: m1, f: ids[0] }], 'only the callback attempt of m1 is left')
  t.same(left.filter((e) => e.m === m2), before.filter((e) => e.m === m2), 'the other message\'s events are untouched')
})
