import t from 'tap'
import { advance, build, openEventStream, send, smsStep, token } from '../helper.js'
import { receiver } from './receiver.js'

/*
 * A jump of the clock (POST /_sandbox/clock {now}) answers once the callback attempts it causes are
 * stored, as an advance does; the live stream's status events carry the flow as the whole change left it.
 */

t.test('a jump answers after its callback attempts, retries included, are stored', async (t) => {
  const hook = await receiver(t, Array(20).fill(500))
  const app = await build(t)
  const tok = await token(app)
  const { trackingId } = (await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })).json()
  const now = Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now)
  const jump = await app.inject({ method: 'POST', url: '/_sandbox/clock', payload: { now: now + 2 * 86_400_000 } })
  t.equal(jump.statusCode, 200)
  const [callback] = (await app.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${trackingId as string}` })).json()
  t.equal(callback.attempts.length, 13, 'every attempt of the schedule ran before the answer')
  t.equal(callback.state, 'failed', 'and the callback is final')
  t.equal(hook.received.length, 13, 'each was POSTed once')
})

t.test('the live stream\'s status event for the delivery that completes a flow says Succeeded', async (t) => {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const stream = await openEventStream(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/_sandbox/events`)
  const tok = await token(app)
  await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  await advance(app, { until: 'idle' })
  for (let i = 0; i < 200 && stream.events.filter((e) => e.event === 'status').length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(stream.events.filter((e) => e.event === 'status').map((e) => `${e.data.flowStatus as string}:${e.data.message.status.name as string}`),
    ['InProgress:Queued', 'InProgress:Sent', 'Succeeded:Delivered'])
  stream.close()
})

t.test('an advance stores the clock with each batch of events: one that fails midway leaves it where the committed events are', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const start = Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now)
  // 300 flows: 300 Sent at +1 s and 300 Delivered at +3 s, run 500 to a transaction
  const ids: string[] = []
  for (let i = 0; i < 300; i++) ids.push((await send(app, tok, { flow: [smsStep()] }, { transactional: false })).json().trackingId)
  const lastMessage = app.store.flows.messagesOf(ids[299])[0].id
  const flows = app.store.flows
  const update = flows.updateMessage.bind(flows)
  flows.updateMessage = (m) => {
    if (m.id === lastMessage && m.status === 'Delivered') throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    update(m)
  }
  const res = await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 10 } })
  t.equal(res.statusCode, 503, 'the second batch failed')
  const first = (await app.inject({ method: 'GET', url: `/failover/tracking/${ids[0]}`, headers: { authorization: `Bearer ${tok}` } })).json()
  t.equal(first.status, 'Succeeded', 'the first batch committed (a flow Delivered at +3 s)')
  const clock = Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now)
  t.equal(clock, start + 3000, 'the stored clock is at the last committed event, not left at the start')
  t.ok(clock >= Date.parse(first.updatedAt), 'never behind a time a committed change stamped')
})
