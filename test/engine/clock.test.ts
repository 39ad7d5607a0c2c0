import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import type { FetchLike } from '../../src/engine/callbacks.js'
import { build, checkControlPlaneContract, control, FakeTime, fixture, send, smsStep, timeline, token, tracking, viberStep } from '../helper.js'

// every /_sandbox answer here must match the committed OpenAPI document
checkControlPlaneContract()

// sandbox.md "Time": GET /_sandbox/clock → {now, mode, scale}; POST /_sandbox/clock {mode?, scale?, now?}
// switches mode or jumps forward (never back); POST /_sandbox/clock/advance {seconds} | {until: "idle"}
// runs every event that falls due, in order, before it answers.

const names = (r: any): string[] => r.messages.map((m: any) => m.status.name)

// the seed example asks for a callback: answer it here instead of on the network
function receiver (): { fetch: FetchLike, bodies: any[] } {
  const bodies: any[] = []
  return { bodies, fetch: async (_url, init) => { bodies.push(JSON.parse(init.body)); return { status: 200 } } }
}

t.test('GET /_sandbox/clock: a manual clock stands still', async (t) => {
  const time = new FakeTime()
  const app = await build(t, { time })
  const a = await control(app, 'GET', '/clock')
  t.equal(a.statusCode, 200)
  t.equal(a.json().mode, 'manual')
  t.equal(a.json().scale, 1)
  t.match(a.json().now, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  await time.advance(30_000)
  t.equal((await control(app, 'GET', '/clock')).json().now, a.json().now, 'no time passes on a manual clock')
})

t.test('advance {seconds}: the clock moves by exactly that, running what falls due', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep()] })
  const before = Date.parse((await control(tl.app, 'GET', '/clock')).json().now)
  let res = await control(tl.app, 'POST', '/clock/advance', { seconds: 1.5 })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { now: new Date(before + 1500).toISOString(), eventsRun: 0 })
  res = await control(tl.app, 'POST', '/clock/advance', { seconds: 10 })
  t.same(res.json(), { now: new Date(before + 11500).toISOString(), eventsRun: 2 }, 'DELIVERED at 2 s and SEEN at 7 s')
  t.same(names(await tl.record(id)), ['SEEN'], 'the effects are stored when advance answers')
  t.equal((await control(tl.app, 'GET', '/clock')).json().now, res.json().now)
  res = await control(tl.app, 'POST', '/clock/advance', { seconds: 0 })
  t.same(res.json(), { now: new Date(before + 11500).toISOString(), eventsRun: 0 }, '0 seconds is allowed')
})

t.test('advance {until: "idle"} jumps to the last due event; with nothing due it stays put', async (t) => {
  const tl = await timeline(t)
  let res = await control(tl.app, 'POST', '/clock/advance', { until: 'idle' })
  t.same(res.json(), { now: new Date(tl.start).toISOString(), eventsRun: 0 })
  const id = await tl.send({ flow: [viberStep('+306900000200'), smsStep('+306900000200', { order: 2 })] })
  res = await control(tl.app, 'POST', '/clock/advance', { until: 'idle' })
  // EXPIRED at 600 s, then the Sms: Sent at 601 s, Delivered at 603 s
  t.same(res.json(), { now: new Date(tl.start + 603_000).toISOString(), eventsRun: 3 })
  t.equal((await tl.record(id)).status, 'Succeeded')
})

t.test('bad advance bodies are a 400', async (t) => {
  const app = await build(t)
  for (const body of [{}, { seconds: -1 }, { seconds: '5' }, { until: 'later' }, { seconds: 5, until: 'idle' }, { seconds: 11 * 365 * 86400 }, []]) {
    const res = await control(app, 'POST', '/clock/advance', body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.equal(res.json().code, ERRORS.VALIDATION.code)
  }
})

t.test('POST /_sandbox/clock {now}: a jump forward runs what fell due before it answers', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep(undefined, { ttl: 10 }), smsStep(undefined, { order: 2 })] }, { outcome: 'Viber=EXPIRED' })
  const target = new Date(tl.start + 600_000).toISOString()
  const res = await control(tl.app, 'POST', '/clock', { now: target })
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json(), { now: target, mode: 'manual', scale: 1 })
  const r = await tl.record(id)
  t.same(names(r), ['EXPIRED', 'Queued'], 'EXPIRED at the ttl and the Sms step started')
  t.equal(tl.sec(r.messages[1].createdAt), 600, 'at the time the event was due, not some other time')
  // epoch ms work too
  const ms = await control(tl.app, 'POST', '/clock', { now: tl.start + 700_000 })
  t.equal(ms.json().now, new Date(tl.start + 700_000).toISOString())
  t.same(names(await tl.record(id)), ['EXPIRED', 'Delivered'])
  // jumping to the time it already reads is fine
  t.equal((await control(tl.app, 'POST', '/clock', { now: tl.start + 700_000 })).statusCode, 200)
})

t.test('the clock never moves back: 400 naming now', async (t) => {
  const tl = await timeline(t)
  await tl.at(60)
  const res = await control(tl.app, 'POST', '/clock', { now: new Date(tl.start + 59_999).toISOString() })
  t.equal(res.statusCode, ERRORS.CLOCK_BACKWARDS.status)
  t.equal(res.json().code, ERRORS.CLOCK_BACKWARDS.code)
  t.equal(res.json().type, ERRORS.CLOCK_BACKWARDS.type)
  t.match(res.json().developerMessage, /^now: the clock only moves forward; it reads /)
  t.ok(res.json().properties.now)
  t.equal((await control(tl.app, 'GET', '/clock')).json().now, new Date(tl.start + 60_000).toISOString(), 'unchanged')
  for (const body of [{ mode: 'fast' }, { now: 'yesterday' }, { scale: 0 }, { scale: -2 }, { tick: 1 }, { now: -5 }]) {
    const bad = await control(tl.app, 'POST', '/clock', body)
    t.equal(bad.statusCode, 400, JSON.stringify(body))
  }
})

t.test('mode switch: realtime runs by itself, manual freezes it, and back', async (t) => {
  const time = new FakeTime()
  const tl = await timeline(t, { time })
  const id = await tl.send({ flow: [viberStep(undefined, { ttl: 0.5 })] }, { outcome: 'Viber=EXPIRED' })
  let res = await control(tl.app, 'POST', '/clock', { mode: 'realtime', scale: 100 })
  t.same({ mode: res.json().mode, scale: res.json().scale }, { mode: 'realtime', scale: 100 })
  const switched = Date.parse(res.json().now) - tl.start
  t.ok(switched >= 0 && switched < 5000, `switching continues from the time the clock read (+${switched} ms at ×100)`)
  await time.advance(80)
  const ticking = Date.parse((await control(tl.app, 'GET', '/clock')).json().now)
  t.ok(ticking > tl.start, 'a realtime clock moves')
  res = await control(tl.app, 'POST', '/clock', { mode: 'manual' })
  t.equal(res.json().mode, 'manual')
  const frozen = res.json().now
  t.ok(Date.parse(frozen) - tl.start < 30_000, 'frozen before the ttl')
  await time.advance(400)
  t.equal((await control(tl.app, 'GET', '/clock')).json().now, frozen, 'frozen')
  t.same(names(await tl.record(id)), ['QUEUED'], 'nothing ran while frozen: 400 ms × 100 would have passed the 30 s ttl')
  // realtime again: the expiry 30 s of sandbox time away comes in about 0.3 s
  await control(tl.app, 'POST', '/clock', { mode: 'realtime' })
  const waiting = control(tl.app, 'GET', `/flows/${id}/wait?timeoutMs=5000`)
  await time.advance(400)
  const wait = await waiting
  t.equal(wait.statusCode, 200, wait.body)
  t.same(names(wait.json()), ['EXPIRED'])
  t.equal(tl.sec(wait.json().messages[0].status.updatedDate), 30, 'at its due time on the sandbox clock')
})

t.test('the issue’s "done when", through HTTP on a manual clock: the seed example to +306900000200', async (t) => {
  const callbacks = receiver()
  const app = await build(t, { config: { SANDBOX_CLOCK: 'manual' }, fetch: callbacks.fetch })
  const tok = await token(app)
  const body = fixture('seed-example.json')
  body.flow[0].to = '+306900000200'
  body.flow[1].to = '+306900000200'
  const res = await send(app, tok, body)
  t.equal(res.statusCode, 200, res.body)
  const id = res.json().trackingId
  let r = await tracking(app, tok, id)
  t.equal(r.status, 'InProgress')
  t.same(names(r), ['QUEUED'])

  let adv = await control(app, 'POST', '/clock/advance', { seconds: 600 })
  t.equal(adv.statusCode, 200)
  r = await tracking(app, tok, id)
  t.same(names(r), ['EXPIRED', 'Queued'], 'after 10 minutes: Viber EXPIRED and the SMS step started')
  t.equal(r.messages[0].status.reason.detailedStatus, 'TTL Expired')
  t.equal(r.messages[1].type, 'Sms')
  t.equal(r.terminationChannel, 'Sms')
  t.equal(r.status, 'InProgress')

  adv = await control(app, 'POST', '/clock/advance', { until: 'idle' })
  t.ok(adv.json().eventsRun >= 2, 'Sent and Delivered (and the callback)')
  r = await tracking(app, tok, id)
  t.equal(r.status, 'Succeeded')
  t.equal(r.statusCode, null)
  t.equal(r.terminationChannel, 'Sms')
  t.same(names(r), ['EXPIRED', 'Delivered'])
  t.equal(r.totalPrice, 0.0453, 'template Viber 0.0093 + one SMS part 0.036')
  t.same(callbacks.bodies.map((b) => b.status), ['Succeeded'], 'OnCompletion: one callback with the final record')
})

t.test('realtime: SANDBOX_TIME_SCALE 600 finishes the same flow by itself in about a second', async (t) => {
  const time = new FakeTime()
  const app = await build(t, { config: { SANDBOX_CLOCK: 'realtime', SANDBOX_TIME_SCALE: 600 }, fetch: receiver().fetch, time })
  const clock = (await control(app, 'GET', '/clock')).json()
  t.same({ mode: clock.mode, scale: clock.scale }, { mode: 'realtime', scale: 600 })
  const tok = await token(app)
  const body = fixture('seed-example.json')
  body.flow[0].to = '+306900000200'
  body.flow[1].to = '+306900000200'
  const res = await send(app, tok, body)
  t.equal(res.statusCode, 200, res.body)
  let answered = false
  const waiting = control(app, 'GET', `/flows/${res.json().trackingId}/wait?status=Succeeded,Failed&timeoutMs=10000`).then((r) => { answered = true; return r })
  await time.advance(999)
  t.notOk(answered, 'not before the 10-minute ttl has passed at ×600 (1 s)')
  await time.advance(1000)
  t.ok(answered, 'about a second')
  const wait = await waiting
  t.equal(wait.statusCode, 200, wait.body)
  const r = wait.json()
  t.equal(r.status, 'Succeeded')
  t.equal(r.terminationChannel, 'Sms')
  t.same(names(r), ['EXPIRED', 'Delivered'])
  const expiredAt = Date.parse(r.messages[0].status.updatedDate) - Date.parse(r.createdAt)
  t.equal(expiredAt, 600_000, 'EXPIRED exactly at the ttl on the sandbox clock')
})

t.test('advance on a realtime clock never sets it back, however long the effects took', async (t) => {
  // a real-time source the test moves by hand; the callback receiver takes a (fake) minute to answer
  const time = new FakeTime()
  let during = 0
  const slow: FetchLike = async () => {
    time.skip(60_000)
    during = app.engine.now('sandbox')
    return { status: 200 }
  }
  const app = await build(t, { config: { SANDBOX_CLOCK: 'realtime' }, time, fetch: slow })
  const tok = await token(app)
  const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnChange', url: 'https://receiver.test/cb' } }, { transactional: false })
  t.equal(res.statusCode, 200, res.body)
  const start = app.engine.now('sandbox')
  const adv = await control(app, 'POST', '/clock/advance', { seconds: 5 })
  t.equal(adv.statusCode, 200, adv.body)
  t.ok(during > start + 60_000, 'the clock ran on while the receiver took its time')
  const after = Date.parse(adv.json().now)
  t.ok(after >= during, `the clock reads ${after - start} ms after the start, not less than ${during - start} ms it already read`)
  t.ok(app.engine.now('sandbox') >= during)
})
