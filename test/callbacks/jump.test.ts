import Fastify from 'fastify'
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

t.test('a batch whose COMMIT fails leaves the clock as stored, not as the rolled-back batch set it', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const start = Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now)
  // 250 flows delivered at +3 s, 50 at +8 s: the second batch (100 events) ends at +8 s
  const rule = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ to: '+306912345679', channel: 'Sms', outcome: 'Delivered', afterSeconds: 8 }] })
  t.equal(rule.statusCode, 200)
  for (let i = 0; i < 300; i++) await send(app, tok, { flow: [smsStep(i < 250 ? '+306912345678' : '+306912345679')] }, { transactional: false })
  const store = app.store
  const transaction = store.transaction.bind(store)
  const setClock = store.accounts.setClock.bind(store.accounts)
  let late = false
  store.accounts.setClock = (id, clock) => {
    if (clock.baseSandbox - start === 8000) late = true
    setClock(id, clock)
  }
  // the outer transaction fails once its work is done: what a COMMIT refused (disk full) does
  store.transaction = <T>(fn: () => T): T => store.db.inTransaction
    ? transaction(fn)
    : transaction(() => {
      const result = fn()
      if (late) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
      return result
    })
  const res = await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 10 } })
  t.equal(res.statusCode, 503)
  store.transaction = transaction
  const shown = Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now)
  const stored = store.accounts.get('sandbox')!.clock.baseSandbox
  t.equal(stored, start + 3000, 'the first batch\'s clock is stored')
  t.equal(shown, stored, 'and shown: the rolled-back +8 s is forgotten')
})

t.test('a jump on a realtime account answers while traffic keeps events falling due after it', async (t) => {
  // a receiver that takes 50 ms: each wait for deliveries lets more events fall due
  const slow = Fastify()
  slow.post('/*', async () => { await new Promise((resolve) => setTimeout(resolve, 50)); return { ok: true } })
  await slow.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await slow.close())
  const hook = { url: `http://127.0.0.1:${(slow.server.address() as { port: number }).port}/hook` }
  const app = await build(t, { config: { SANDBOX_CLOCK: 'realtime' } })
  const tok = await token(app)
  let sending = true
  const traffic = (async () => {
    while (sending) {
      await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnChange', url: hook.url } }, { transactional: false })
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })()
  t.teardown(async () => { sending = false; await traffic })
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const now = Date.parse((await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now)
  const started = Date.now()
  const jump = await Promise.race([
    app.inject({ method: 'POST', url: '/_sandbox/clock', payload: { now: now + 1000 } }),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5000))
  ])
  t.ok(jump !== undefined && jump.statusCode === 200, `the jump answered (in ${Date.now() - started} ms), not held by what falls due after it`)
  sending = false
  await traffic
})

t.test('an account deleted while its sends wait for their commit: 401, never a 500', async (t) => {
  const app = await build(t)
  const created = (await app.inject({ method: 'POST', url: '/_sandbox/accounts' })).json()
  const tok = await token(app, { id: created.applicationId, secret: created.applicationSecret })
  // the account goes between the send's checks and its write (what a DELETE racing the send does)
  const grouped = app.store.grouped.bind(app.store)
  app.store.grouped = async (fn) => {
    app.engine.deleteAccount(created.accountId)
    return await grouped(fn)
  }
  const res = await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  t.equal(res.statusCode, 401, 'the token went with its account')
  t.match(res.json(), { error: 'invalid_token', error_description: /account was deleted/ })
})

t.test('an account deleted while an advance for it waits for its callbacks: the advance answers 404, never a 500', async (t) => {
  const app = await build(t)
  const created = (await app.inject({ method: 'POST', url: '/_sandbox/accounts' })).json()
  const tok = await token(app, { id: created.applicationId, secret: created.applicationSecret })
  // a receiver that deletes the account when the first callback arrives, then answers
  const slow = Fastify()
  slow.post('/*', async () => {
    app.engine.deleteAccount(created.accountId)
    return { ok: true }
  })
  await slow.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await slow.close())
  const url = `http://127.0.0.1:${(slow.server.address() as { port: number }).port}/hook`
  for (let i = 0; i < 3; i++) t.equal((await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url } }, { transactional: false })).statusCode, 200)
  const res = await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', headers: { 'x-sandbox-account': created.accountId }, payload: { until: 'idle' } })
  t.equal(res.statusCode, 404, 'the advance ends with the account')
  t.match(res.json(), { code: '404000000', type: 'NotFound' })
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/health' })).statusCode, 200, 'the sandbox carries on')
})
