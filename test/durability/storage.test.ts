import t, { type Test } from 'tap'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import { pino } from 'pino'
import { buildApp, type App } from '../../src/app.js'
import { ERRORS } from '../../src/errors.js'
import { advance, basic, bearer, SEED_APP, send, smsStep, token } from '../helper.js'

// Issue 11 point 1: a storage error (disk full, database locked or read-only) must not become a
// callback storm. Faults are made deterministic on the app's own connection: PRAGMA query_only makes
// every write fail (SQLITE_READONLY), PRAGMA max_page_count caps the file (SQLITE_FULL); undoing
// either "returns space" without a restart.

interface Hit { id: string, attempt: string, body: any }

/** A real webhook endpoint; `before` runs before each answer (it may break the storage). */
async function receiver (t: Test, answer: (hit: Hit, n: number) => number = () => 200) {
  const hits: Hit[] = []
  const app = Fastify()
  app.post('/hook', async (request, reply) => {
    const hit = { id: String(request.headers['x-sandbox-callback-id']), attempt: String(request.headers['x-sandbox-attempt']), body: request.body }
    hits.push(hit)
    return await reply.code(answer(hit, hits.length)).send({})
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await app.close())
  return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}/hook`, hits }
}

/** The app's log lines, parsed. */
function capture (): { logger: pino.Logger, lines: any[] } {
  const lines: any[] = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done() } })
  return { logger: pino({ level: 'info' }, stream), lines }
}

async function app (t: Test, config: Record<string, unknown> = {}, logger?: pino.Logger): Promise<App> {
  const a = await buildApp({ config: { SANDBOX_DB: join(t.testdir(), 'sandbox.db'), SANDBOX_CLOCK: 'manual', ...config }, logger })
  t.teardown(async () => await a.close())
  await a.ready()
  return a
}

const readOnly = (a: App, on: boolean): void => { a.store.db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`) }

async function until (check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) return false
    await sleep(20)
  }
  return true
}

t.test('sends and token requests on a storage that refuses writes: a provider-shaped 503 at once; reads still answer', async (t) => {
  const a = await app(t)
  const tok = await token(a)
  const ok = await send(a, tok, { flow: [smsStep()] }, { transactional: false })
  t.equal(ok.statusCode, 200)
  readOnly(a, true)
  let started = Date.now()
  const res = await send(a, tok, { flow: [smsStep()] }, { transactional: false })
  t.ok(Date.now() - started < 2000, 'answered in bounded time')
  t.equal(res.statusCode, 503)
  t.same(res.json(), { code: ERRORS.STORAGE_UNAVAILABLE.code, type: 'StorageUnavailable', developerMessage: ERRORS.STORAGE_UNAVAILABLE.message })
  started = Date.now()
  const tokRes = await a.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials&scope=sms' // a new token: a write
  })
  t.ok(Date.now() - started < 2000)
  t.equal(tokRes.statusCode, 503, tokRes.body)
  t.equal(tokRes.json().code, '503000000')
  const tracked = await a.inject({ method: 'GET', url: `/failover/tracking/${ok.json().trackingId}`, headers: bearer(tok) })
  t.equal(tracked.statusCode, 200, 'reads still answer')
  readOnly(a, false)
  t.equal((await send(a, tok, { flow: [smsStep()] }, { transactional: false })).statusCode, 200, 'writable again: no restart needed')
})

t.test('a full disk (max_page_count): sends answer 503 until there is space again', async (t) => {
  const a = await app(t)
  const tok = await token(a)
  const db = a.store.db
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
  let status = 200
  let body: any
  for (let i = 0; i < 200 && status === 200; i++) {
    const res = await send(a, tok, { flow: [smsStep('+306912345678', { message: { body: 'x'.repeat(1000) } })] }, { transactional: false })
    status = res.statusCode
    body = res.json()
  }
  t.equal(status, 503, 'the disk filled up')
  t.equal(body.type, 'StorageUnavailable')
  db.pragma('max_page_count = 1073741823')
  t.equal((await send(a, tok, { flow: [smsStep()] }, { transactional: false })).statusCode, 200, 'space is back')
})

t.test('the timer path: no POST before the commit, backoff instead of a storm, one log line, the same ids, resumed without restart', async (t) => {
  const { logger, lines } = capture()
  const hook = await receiver(t)
  const a = await app(t, { SANDBOX_CLOCK: 'realtime' }, logger)
  const tok = await token(a)
  const { trackingId } = (await send(a, tok, { flow: [smsStep()], callback: { strategy: 'OnChange', url: hook.url } }, { transactional: false })).json()
  t.ok(await until(() => hook.hits.length === 1), 'the Queued callback left (its change had committed)')
  readOnly(a, true)
  // Sent at +1 s and Delivered at +3 s fall due while nothing can be written
  await sleep(4000)
  t.equal(hook.hits.length, 1, 'no POST for changes that could not commit')
  const failed = lines.filter((l) => l.where === 'scheduler' && l.level === 50)
  t.equal(failed.length, 1, 'one log line for the failing kind, not one per try')
  t.match(failed[0], { err: { code: 'SQLITE_READONLY' }, retryInMs: Number })
  t.ok(a.store.events.pending('sandbox') >= 2, 'the events are still stored')

  readOnly(a, false)
  t.ok(await until(() => hook.hits.length === 4, 10_000), 'everything resumed without a restart')
  await sleep(200)
  t.equal(hook.hits.length, 4, 'no duplicate')
  t.same(hook.hits.map((h) => h.body.messages[0].status.name), ['Queued', 'Sent', 'Delivered', 'Delivered'])
  t.same(hook.hits.map((h) => h.attempt), ['1', '1', '1', '1'])
  const list = (await a.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${trackingId}` })).json()
  t.same(list.map((c: any) => c.id), hook.hits.map((h) => h.id), 'the ids POSTed are the ids stored')
  t.ok(list.every((c: any) => c.state === 'delivered'))
  t.ok(lines.some((l) => l.where === 'scheduler' && /writes succeed again/.test(l.msg)), 'the recovery is logged')
})

t.test('a retry keeps its id across a failed commit; an attempt whose record cannot be written is recorded later, not resent', async (t) => {
  const hook = await receiver(t, (_hit, n) => {
    if (n === 2) readOnly(a, true) // the storage breaks while the second attempt is on the wire
    return n === 1 ? 500 : 200
  })
  const a = await app(t)
  const tok = await token(a)
  const { trackingId } = (await send(a, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })).json()
  await advance(a, { seconds: 3 })
  t.equal(hook.hits.length, 1)
  readOnly(a, true)
  const res = await a.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 60 } })
  t.equal(res.statusCode, 503, 'the retry is due but its batch cannot commit')
  t.equal(res.json().type, 'StorageUnavailable')
  t.equal(hook.hits.length, 1, 'so it did not leave')
  readOnly(a, false)
  // the receiver breaks the storage while answering: this advance's own last write fails too (503)
  await a.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 60 } })
  t.equal(hook.hits.length, 2, 'the retry left once the commit succeeded')
  t.equal(hook.hits[1].id, hook.hits[0].id, 'with the same callback id')
  t.equal(hook.hits[1].attempt, '2')
  let [cb] = (await a.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${trackingId}` })).json()
  t.equal(cb.state, 'delivering', 'its result could not be stored yet')
  readOnly(a, false)
  t.ok(await until(() => a.store.callbacks.get(cb.id)?.state === 'delivered', 5000), 'stored once writes succeed')
  ;[cb] = (await a.inject({ method: 'GET', url: `/_sandbox/callbacks?trackingId=${trackingId}` })).json()
  t.same(cb.attempts.map((x: any) => x.status), [500, 200])
  await advance(a, { until: 'idle' })
  t.equal(hook.hits.length, 2, 'not sent again')
})

t.test('a batch that fails after an attempt was handled: the attempt never leaves, the batch runs again whole, one POST with one id', async (t) => {
  const hook = await receiver(t)
  const a = await app(t)
  const tok = await token(a)
  // flow A: Sent at +1 s makes a callback whose attempt is due at +1 s; flow B (sent 0.5 s later): Sent at +1.5 s
  const flowA = (await send(a, tok, { flow: [smsStep()], callback: { strategy: 'OnChange', url: hook.url } }, { transactional: false })).json().trackingId
  await advance(a, { seconds: 0.5 })
  const flowB = (await send(a, tok, { flow: [smsStep()] }, { transactional: false })).json().trackingId
  t.equal(hook.hits.length, 1, "A's Queued callback")
  const bMessage = (await a.inject({ method: 'GET', url: `/failover/tracking/${flowB}`, headers: bearer(tok) })).json().messages[0].messageId
  // the storage fails on B's change, after A's Sent and A's callback attempt were handled in the same batch
  const flows = a.store.flows
  const update = flows.updateMessage.bind(flows)
  let full = true
  flows.updateMessage = (m) => {
    if (full && m.id === bMessage) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' })
    update(m)
  }
  // a jump runs what falls due in batches without waiting for deliveries (as the timer does): A's Sent,
  // A's attempt and B's Sent share one batch
  const now = Date.parse((await a.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now)
  const res = await a.inject({ method: 'POST', url: '/_sandbox/clock', payload: { now: now + 1500 } })
  t.equal(res.statusCode, 503)
  await sleep(100)
  t.equal(hook.hits.length, 1, "A's Sent callback did not leave: its batch was rolled back")
  t.equal(a.store.callbacks.ofFlow(flowA).length, 1, 'and it was not stored')
  t.ok(a.store.events.pending('sandbox') >= 4, 'every event of the batch is still stored, B\'s too')
  full = false
  await advance(a, { seconds: 0 })
  t.equal(hook.hits.length, 2, 'one POST for Sent once the batch committed')
  t.equal(hook.hits[1].body.messages[0].status.name, 'Sent')
  t.same(a.store.callbacks.ofFlow(flowA).map((c) => c.id), hook.hits.map((h) => h.id), 'the ids POSTed are the ids stored')
  const b = (await a.inject({ method: 'GET', url: `/failover/tracking/${flowB}`, headers: bearer(tok) })).json()
  t.equal(b.messages[0].status.name, 'Sent', "B's change ran too, not dropped")
})
