import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import { MAX_TIME } from '../../src/engine/clock.js'
import { build, control, FakeTime, send, smsStep, token } from '../helper.js'

// Issue 11 point 8: the clock never passes 9999-12-31T23:59:59.999Z, on any path: advance {seconds},
// advance {until: "idle"}, a running realtime clock, and POST /_sandbox/clock.

const BOUND = '9999-12-31T23:59:59.999Z'
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

t.test('advance {until: "idle"} stops at the bound and says how many events are left after it', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  let res = await control(app, 'POST', '/clock', { now: new Date(MAX_TIME - 1_500).toISOString() })
  t.equal(res.statusCode, 200)
  // an SMS: Sent at +1 s falls before the bound; Delivered at +3 s and the ttl expiry fall after it
  res = await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  t.equal(res.statusCode, 200)
  res = await control(app, 'POST', '/clock/advance', { until: 'idle' })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json(), { now: BOUND, eventsRun: 1, eventsLeft: 2 }, 'Sent ran; Delivered and the expiry after the bound are left')
  res = await control(app, 'GET', '/clock')
  t.equal(res.json().now, BOUND)
  t.match(res.json().now, RFC3339)
  res = await control(app, 'POST', '/clock/advance', { until: 'idle' })
  t.same(res.json(), { now: BOUND, eventsRun: 0, eventsLeft: 2 }, 'again: nothing more runs, the clock stays')
  res = await control(app, 'POST', '/clock', { now: BOUND, mode: 'manual' })
  t.equal(res.statusCode, 200, 'the clock can still be set')
  res = await control(app, 'POST', '/clock/advance', { seconds: 0.001 })
  t.equal(res.statusCode, 400)
  t.equal(res.json().developerMessage, `seconds: ${ERRORS.CLOCK_TOO_FAR.message}`)
  res = await control(app, 'POST', '/clock/advance', { seconds: 0 })
  t.equal(res.statusCode, 200)
  t.equal(res.json().now, BOUND)
})

t.test('advance {until: "idle"} with nothing after the bound answers as before (no eventsLeft)', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  const res = await control(app, 'POST', '/clock/advance', { until: 'idle' })
  t.equal(res.statusCode, 200)
  t.same(Object.keys(res.json()).sort(), ['eventsRun', 'now'])
  t.equal(res.json().eventsRun, 2)
})

t.test('advance {seconds} reaches the bound exactly and no further; POST /_sandbox/clock past it is a 400', async (t) => {
  const app = await build(t)
  await control(app, 'POST', '/clock', { now: new Date(MAX_TIME - 10_000).toISOString() })
  let res = await control(app, 'POST', '/clock/advance', { seconds: 10 })
  t.equal(res.statusCode, 200)
  t.equal(res.json().now, BOUND)
  res = await control(app, 'POST', '/clock', { now: MAX_TIME + 1 })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, ERRORS.CLOCK_TOO_FAR.code)
  t.equal((await control(app, 'GET', '/clock')).json().now, BOUND)
})

t.test('a running realtime clock stops at the bound; what is due after it never fires', async (t) => {
  const time = new FakeTime()
  const app = await build(t, { time })
  const tok = await token(app)
  let res = await control(app, 'POST', '/clock', { now: new Date(MAX_TIME - 1_500).toISOString(), mode: 'realtime', scale: 1000 })
  t.equal(res.statusCode, 200)
  res = await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  t.equal(res.statusCode, 200)
  const { trackingId } = res.json()
  await time.advance(60_000) // 60,000 sandbox seconds later, were it not bounded
  res = await control(app, 'GET', '/clock')
  t.equal(res.json().now, BOUND)
  t.equal(res.json().mode, 'realtime')
  const r = (await app.inject({ method: 'GET', url: `/failover/tracking/${trackingId}`, headers: { authorization: `Bearer ${tok}` } })).json()
  t.equal(r.messages[0].status.name, 'Sent', 'Sent (before the bound) ran; Delivered (after it) never comes')
  t.equal(app.store.events.pending('sandbox'), 2, 'Delivered and the expiry are still pending')
  t.ok(time.pending <= 2, `no timer spins on them (${time.pending} pending)`)
  // the clock can still be read and set
  res = await control(app, 'POST', '/clock', { mode: 'manual' })
  t.equal(res.json().now, BOUND)
})
