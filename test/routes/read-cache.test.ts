import t from 'tap'
import { Lru } from '../../src/lru.js'
import { bearer, build, control, send, smsStep, token, tracking } from '../helper.js'

// issue 15, "cached reads": tracking records and tokens are cached, and no change is ever hidden by the cache

t.test('Lru: bounded, least recently used forgotten first, 0 keeps nothing', async (t) => {
  const lru = new Lru<string, number>(2)
  lru.set('a', 1)
  lru.set('b', 2)
  t.equal(lru.get('a'), 1, 'a read makes a recent')
  lru.set('c', 3)
  t.equal(lru.size, 2)
  t.equal(lru.get('b'), undefined, 'b, the least recently used, went')
  t.equal(lru.get('a'), 1)
  t.equal(lru.get('c'), 3)
  lru.delete('a')
  t.equal(lru.get('a'), undefined)
  lru.clear()
  t.equal(lru.size, 0)
  // a large cache moves a hit only once it is out of the newest half, and still keeps what is read often
  const big = new Lru<number, number>(10)
  for (let i = 0; i < 10; i++) big.set(i, i)
  for (let i = 10; i < 100; i++) {
    t.equal(big.get(0), 0, `0 is read every write: kept (${i})`)
    big.set(i, i)
  }
  t.equal(big.size, 10)
  t.equal(big.get(1), undefined, 'what was not read went, oldest first')
  t.equal(big.get(99), 99)
  const none = new Lru<string, number>(0)
  none.set('a', 1)
  t.equal(none.get('a'), undefined)
  t.equal(none.size, 0)
})

const manualSms = { flow: [smsStep('+306912345678')] }

for (const size of [10_000, 1, 0]) {
  t.test(`SANDBOX_TRACKING_CACHE=${size}: every change shows at the next read`, async (t) => {
    const app = await build(t, { config: { SANDBOX_TRACKING_CACHE: size, SANDBOX_TOKEN_CACHE: size } })
    const tok = await token(app)
    const sent = await send(app, tok, manualSms, { transactional: false, outcome: 'Sms=MANUAL' })
    t.equal(sent.statusCode, 200, sent.body)
    const id = sent.json().trackingId
    const other = await send(app, tok, manualSms, { transactional: false, outcome: 'Sms=MANUAL' })
    const otherId = other.json().trackingId

    const first = await tracking(app, tok, id)
    t.same(await tracking(app, tok, id), first, 'a second read answers the same record')
    // another flow read in between (with a bound of 1, it pushes the first out)
    await tracking(app, tok, otherId)
    t.same(await tracking(app, tok, id), first)
    t.ok(app.store.flows.records.size <= Math.max(size, 0), `at most ${size} records held`)

    const messageId = first.messages[0].messageId
    const forced = await control(app, 'POST', `/messages/${messageId}/status`, { status: 'Delivered' })
    t.equal(forced.statusCode, 200, forced.body)
    const after = await tracking(app, tok, id)
    t.equal(after.messages[0].status.name, 'Delivered', 'the forced status shows at once')
    t.equal(after.status, 'Succeeded', 'and the completion')
    t.same(await tracking(app, tok, otherId), (await tracking(app, tok, otherId)), 'the other flow is unchanged')

    const raw = await app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(tok) })
    t.match(raw.headers['content-type'], /^application\/json/, 'sent as JSON')

    // reset: the flows are gone, cached or not
    const reset = await control(app, 'POST', '/reset')
    t.equal(reset.statusCode, 200, reset.body)
    const gone = await app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(tok) })
    t.equal(gone.statusCode, 404, 'a reset flow is not found')
  })
}

t.test('a cached record is still only its own account\'s', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const id = (await send(app, tok, manualSms, { transactional: false, outcome: 'Sms=MANUAL' })).json().trackingId
  await tracking(app, tok, id)
  const created = await control(app, 'POST', '/accounts', {})
  t.equal(created.statusCode, 200, created.body)
  const { applicationId, applicationSecret } = created.json()
  const otherTok = await token(app, { id: applicationId, secret: applicationSecret })
  const res = await app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(otherTok) })
  t.equal(res.statusCode, 404, 'another account reads 404 even while the record is cached')
})

t.test('a deleted account\'s cached token and records stop working at once', async (t) => {
  const app = await build(t)
  const created = (await control(app, 'POST', '/accounts', {})).json()
  const tok = await token(app, { id: created.applicationId, secret: created.applicationSecret })
  const id = (await send(app, tok, manualSms, { transactional: false, outcome: 'Sms=MANUAL' })).json().trackingId
  await tracking(app, tok, id)
  await tracking(app, tok, id)
  t.ok(app.store.auth.tokens.size > 0, 'the token is cached')
  const deleted = await control(app, 'DELETE', `/accounts/${created.accountId as string}`)
  t.equal(deleted.statusCode, 204, deleted.body)
  const res = await app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(tok) })
  t.equal(res.statusCode, 401, 'the token went with its account')
  t.equal(app.store.flows.records.size, 0, 'no record of it is held')
})

t.test('advancing the clock changes the record the next read sees', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const id = (await send(app, tok, { flow: [smsStep('+306912345678')] }, { transactional: false })).json().trackingId
  const before = await tracking(app, tok, id)
  t.equal(before.status, 'InProgress')
  const res = await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { until: 'idle' } })
  t.equal(res.statusCode, 200, res.body)
  const after = await tracking(app, tok, id)
  t.not(after.updatedAt, before.updatedAt, 'updatedAt moved')
  t.equal(after.status, 'Succeeded')
})
