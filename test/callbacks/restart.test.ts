import t from 'tap'
import { join } from 'node:path'
import Fastify from 'fastify'
import { buildApp } from '../../src/app.js'
import { advance, smsStep, token, send } from '../helper.js'
import { closedPort } from './receiver.js'

const config = (dir: string) => ({ SANDBOX_DB: join(dir, 'sandbox.db'), SANDBOX_CLOCK: 'manual' as const })

t.test('callbacks not yet delivered at shutdown are delivered after a restart', async (t) => {
  const dir = t.testdir()
  const port = await closedPort()
  const url = `http://127.0.0.1:${port}/hook`
  const first = await buildApp({ config: config(dir) })
  await first.ready()
  const tok = await token(first)
  const res = await send(first, tok, { flow: [smsStep()], callback: { strategy: 'OnChange', url } }, { transactional: false })
  const { trackingId } = res.json()
  await advance(first, { seconds: 3 }) // every attempt so far is refused: the receiver is not up
  await first.close()

  const received: any[] = []
  const hook = Fastify()
  hook.post('/hook', async (request) => { received.push(request.body); return {} })
  await hook.listen({ port, host: '127.0.0.1' })
  t.teardown(async () => await hook.close())

  const second = await buildApp({ config: config(dir) })
  t.teardown(async () => await second.close())
  await second.ready()
  await advance(second, { until: 'idle' })
  t.same(received.map((b) => b.messages[0].status.name), ['Queued', 'Sent', 'Delivered', 'Delivered'], 'all four, in order')
  t.equal(received.at(-1).status, 'Succeeded')
  const list = (await second.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${trackingId}` })).json()
  t.ok(list.every((c: any) => c.state === 'delivered'))
  t.equal(list[0].attempts[0].error, 'connection refused', 'the refused attempt before the restart is kept')
})

t.test('an attempt in flight when the process died is recorded as interrupted and sent again', async (t) => {
  const dir = t.testdir()
  const received: any[] = []
  const hook = Fastify()
  hook.post('/hook', async (request) => { received.push(request.body); return {} })
  await hook.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await hook.close())
  const url = `http://127.0.0.1:${(hook.server.address() as { port: number }).port}/hook`

  // the first process's webhook never answers; it "dies" with the attempt in flight (never closed)
  const dying = await buildApp({ config: config(dir), fetch: async () => await new Promise(() => {}) })
  await dying.ready()
  const tok = await token(dying)
  const { trackingId } = (await send(dying, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url } }, { transactional: false })).json()
  void advance(dying, { until: 'idle' }) // hangs on the attempt, like a process killed mid-request
  await new Promise((resolve) => setTimeout(resolve, 100))
  dying.engine.scheduler.stop()
  t.equal(dying.store.callbacks.delivering().length, 1, 'the attempt is in flight')

  const second = await buildApp({ config: config(dir) })
  t.teardown(async () => await second.close())
  await second.ready()
  await advance(second, { until: 'idle' })
  t.equal(received.length, 1, 'delivered after the restart')
  t.equal(received[0].trackingId, trackingId)
  const [cb] = (await second.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${trackingId}` })).json()
  t.equal(cb.state, 'delivered')
  t.match(cb.attempts[0].error, /^interrupted/)
  t.equal(cb.attempts.length, 2)
})
