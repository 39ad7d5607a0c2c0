import t from 'tap'
import { advance, build, openEventStream, smsStep, token, send, viberStep } from '../helper.js'
import { receiver } from './receiver.js'

const listen = openEventStream

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

t.test('GET /_sandbox/events streams status changes, completions and callback attempts', async (t) => {
  const hook = await receiver(t, [500])
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const stream = await listen(`${base}/_sandbox/events`)
  const other = await listen(`${base}/_sandbox/events?accountId=someone-else`)
  t.equal(stream.status, 200)
  t.match(stream.type, /^text\/event-stream/)
  const tok = await token(app)
  const { trackingId } = (await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })).json()
  await advance(app, { until: 'idle' })
  await until(() => stream.events.filter((e) => e.event === 'callback').length >= 2)
  const statuses = stream.events.filter((e) => e.event === 'status').map((e) => e.data.message.status.name)
  t.same(statuses, ['Queued', 'Sent', 'Delivered'])
  const flow = stream.events.find((e) => e.event === 'flow')
  t.match(flow?.data, { trackingId, status: 'Succeeded', terminationChannel: 'Sms', accountId: 'sandbox' })
  const attempts = stream.events.filter((e) => e.event === 'callback').map((e) => e.data)
  t.match(attempts, [{ trackingId, attempt: 1, status: 500, state: 'pending' }, { trackingId, attempt: 2, status: 200, state: 'delivered' }])
  t.same(other.events, [], 'a stream for another account hears nothing')
  stream.close()
  other.close()
})

t.test('a SEEN after the flow completed is streamed live and calls back after the completion callback', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const stream = await listen(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/_sandbox/events`)
  const tok = await token(app)
  await send(app, tok, { flow: [viberStep()], callback: { strategy: 'OnChange', url: hook.url } }, { transactional: false })
  await advance(app, { until: 'idle' })
  await until(() => stream.events.filter((e) => e.event === 'status').length >= 3)
  t.same(stream.events.filter((e) => e.event === 'status').map((e) => e.data.message.status.name), ['QUEUED', 'DELIVERED', 'SEEN'])
  // bodies are the record after each whole change: the delivery completes the flow in the same change
  t.same(hook.received.map((r) => `${r.body.status}:${r.body.messages[0].status.name}`), ['InProgress:QUEUED', 'Succeeded:DELIVERED', 'Succeeded:DELIVERED', 'Succeeded:SEEN'])
  stream.close()
})
