import t from 'tap'
import { join } from 'node:path'
import { existsSync, statSync } from 'node:fs'
import Fastify from 'fastify'
import { buildApp, type App } from '../../src/app.js'
import { advance, smsStep, token, send } from '../helper.js'
import { closedPort } from './receiver.js'

const config = (dir: string) => ({ SANDBOX_DB: join(dir, 'sandbox.db'), SANDBOX_CLOCK: 'manual' as const })

/** Waits (at most 1 s) until one POST has left. */
async function onTheWire (posts: () => number): Promise<void> {
  for (let i = 0; i < 100 && posts() < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

/** The process "dies": its timer stops and its database closes (releasing the file's lock) with nothing settled. */
function crash (app: App): void {
  app.engine.halt()
  app.store.close()
}

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
  for (let i = 0; i < 200 && dying.store.callbacks.delivering().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(dying.store.callbacks.delivering().length, 1, 'the attempt is in flight')
  crash(dying)

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

t.test('concurrency 1: only the attempt on the wire is delivering; after a crash only it gets an interrupted attempt', async (t) => {
  const dir = t.testdir()
  const received: Array<{ id: string, attempt: string }> = []
  const hook = Fastify()
  hook.post('/hook', async (request) => { received.push({ id: String(request.headers['x-sandbox-callback-id']), attempt: String(request.headers['x-sandbox-attempt']) }); return {} })
  await hook.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await hook.close())
  const url = `http://127.0.0.1:${(hook.server.address() as { port: number }).port}/hook`

  // one slot, and a webhook that never answers: the first attempt holds the slot, the others queue
  let posts = 0
  const dying = await buildApp({ config: { ...config(dir), SANDBOX_CALLBACK_CONCURRENCY: 1 }, fetch: async () => { posts++; return await new Promise(() => {}) } })
  await dying.ready()
  const tok = await token(dying)
  for (let i = 0; i < 4; i++) {
    await send(dying, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url } }, { transactional: false })
  }
  void advance(dying, { until: 'idle' })
  await onTheWire(() => posts)
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(posts, 1, 'one POST on the wire')
  const listed = (await dying.inject({ method: 'GET', url: '/_sandbox/callbacks' })).json()
  t.same(listed.map((c: any) => c.state).sort(), ['delivering', 'pending', 'pending', 'pending'], '/_sandbox/callbacks: one delivering, three queued still pending')
  t.equal(dying.store.callbacks.delivering().length, 1)
  crash(dying)

  const second = await buildApp({ config: config(dir) })
  t.teardown(async () => await second.close())
  await second.ready()
  await advance(second, { until: 'idle' })
  const list = (await second.inject({ method: 'GET', url: '/_sandbox/callbacks' })).json()
  t.equal(list.length, 4)
  t.ok(list.every((c: any) => c.state === 'delivered'), 'all delivered after the restart')
  const interrupted = list.filter((c: any) => c.attempts.some((a: any) => /^interrupted/.test(a.error ?? '')))
  t.equal(interrupted.length, 1, 'only the one on the wire has an interrupted attempt')
  t.same(interrupted[0].attempts.map((a: any) => a.attempt), [1, 2])
  for (const c of list.filter((c: any) => c !== interrupted[0])) {
    t.same(c.attempts.map((a: any) => [a.attempt, a.status]), [[1, 200]], 'a queued one used no retry: its first attempt is attempt 1')
  }
  t.equal(received.length, 4, 'four POSTs reached the receiver after the restart')
  t.same(received.map((r) => r.attempt).sort(), ['1', '1', '1', '2'])
  t.same(new Set(received.map((r) => r.id)).size, 4)
})

t.test('close (SIGTERM) waits only for the attempt on the wire, bounded by the acknowledgement window, and leaves no WAL', async (t) => {
  const dir = t.testdir()
  const port = await closedPort()
  // AbortSignal.timeout's timer does not hold the process open (a listening server would)
  const keepAlive = setInterval(() => {}, 1000)
  t.teardown(() => clearInterval(keepAlive))
  let posts = 0
  const app = await buildApp({
    config: { ...config(dir), SANDBOX_CALLBACK_CONCURRENCY: 1, SANDBOX_WEBHOOK_TIMEOUT_MS: 300 },
    // never answers: only the abort after the acknowledgement window ends it
    fetch: async (_url, init) => {
      posts++
      return await new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' }))))
    }
  })
  await app.ready()
  const tok = await token(app)
  for (let i = 0; i < 5; i++) {
    await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: `http://127.0.0.1:${port}/hook` } }, { transactional: false })
  }
  void advance(app, { until: 'idle' }).catch(() => {})
  await onTheWire(() => posts)
  const started = Date.now()
  await app.close()
  const took = Date.now() - started
  t.ok(took < 1500, `closed in ${took} ms: the queued four were not waited for`)
  t.equal(posts, 1, 'the queued attempts never left')
  const wal = join(dir, 'sandbox.db-wal')
  t.ok(!existsSync(wal) || statSync(wal).size === 0, 'the WAL was checkpointed')

  const again = await buildApp({ config: config(dir), fetch: async () => ({ status: 200 }) })
  t.teardown(async () => await again.close())
  await again.ready()
  const list = (await again.inject({ method: 'GET', url: '/_sandbox/callbacks' })).json()
  t.equal(list.filter((c: any) => c.attempts.length === 0 && c.state === 'pending').length, 4, 'the four queued are pending with no attempt')
  const timedOut = list.find((c: any) => c.attempts.length > 0)
  t.match(timedOut.attempts[0].error, /timeout/, 'the one on the wire ended at the acknowledgement window and was recorded')
  await advance(again, { until: 'idle' })
  const after = (await again.inject({ method: 'GET', url: '/_sandbox/callbacks' })).json()
  t.ok(after.every((c: any) => c.state === 'delivered'), 'the next start delivers them')
})
