import t from 'tap'
import { duration, explainFlow, type FlowTimeline } from '../../src/engine/explain.js'
import type { FetchLike } from '../../src/engine/callbacks.js'
import { control, fixture, smsStep, timeline, viberStep, voiceStep, type Timeline } from '../helper.js'

// src/engine/explain.ts: the words the dashboard's timeline shows, read from stored state, no HTTP or browser.

const quiet: FetchLike = async () => ({ status: 204 })

/** The seed page example with `to` on both steps and no callback. */
function seed (to: string): Record<string, any> {
  const body = fixture('seed-example.json')
  for (const step of body.flow) step.to = to
  delete body.callback
  return body
}

const explain = (tl: Timeline, id: string): FlowTimeline => explainFlow(tl.app.store, tl.app.store.flows.flow(id)!)
const whys = (x: FlowTimeline): string[] => x.steps.map((s) => s.why)

t.test('duration reads as people write it', async (t) => {
  t.equal(duration(0), '0 s')
  t.equal(duration(500), '0.5 s')
  t.equal(duration(3000), '3 s')
  t.equal(duration(600_000), '10 min')
  t.equal(duration(603_000), '10 min 3 s')
  t.equal(duration(3_900_000), '1 h 5 min')
  t.equal(duration(7_200_000 + 1500), '2 h 1.5 s')
})

t.test('Viber expires at its ttl, SMS takes over and is delivered', async (t) => {
  const tl = await timeline(t, { fetch: quiet })
  const id = await tl.send(seed('+306900000200'), { transactional: true })
  let x = explain(tl, id)
  t.equal(x.why, 'InProgress: step 1 (Viber) is QUEUED')
  t.same(x.steps.map((s) => s.state), ['pending', 'waiting'])
  t.match(x.steps[0].why, /^QUEUED: outcome EXPIRED \(magic number\); EXPIRED at ttl 10 min \(\d{4}-.*Z\)$/)
  t.equal(x.steps[1].why, 'not started: runs if the steps before it fail over')
  await tl.at(600)
  x = explain(tl, id)
  t.same(x.steps.map((s) => s.state), ['ended', 'pending'])
  t.equal(x.steps[0].why, 'EXPIRED at ttl 10 min; EXPIRED is in failoverOnStatuses → next step: Sms')
  await tl.idle()
  x = explain(tl, id)
  t.same(whys(x), ['EXPIRED at ttl 10 min; EXPIRED is in failoverOnStatuses → next step: Sms', 'Delivered → flow Succeeded'])
  t.equal(x.why, 'Succeeded at step 2 (Sms), 10 min 3 s after it was accepted')
  t.same(x.steps[1].changes.map((c) => [c.status, c.offsetMs]), [['Queued', 600_000], ['Sent', 601_000], ['Delivered', 603_000]])
  t.match(x.steps[1].recipient, { sms: { text: 'We could not reach you on Viber.', encoding: 'GSM7', parts: 1 } })
})

t.test('the last step fails over with no step left: statusCode 2', async (t) => {
  const tl = await timeline(t)
  const undelivered = await tl.send(seed('+306900000210'), { transactional: true })
  const expired = await tl.send(seed('+306900000220'), { transactional: true })
  await tl.idle()
  t.equal(explain(tl, undelivered).steps[1].why, 'Undelivered after 3 s; Undelivered is in failoverOnStatuses but no step is left → flow Failed (statusCode 2)')
  t.equal(explain(tl, undelivered).why, 'Failed (statusCode 2: no next step left) at step 2 (Sms), 10 min 3 s after it was accepted')
  t.equal(explain(tl, expired).steps[1].why, 'Undelivered (Expired) at ttl 120 min; Undelivered is in failoverOnStatuses but no step is left → flow Failed (statusCode 2)')
})

t.test('a final status not in failoverOnStatuses ends the flow: statusCode 3, later steps never run', async (t) => {
  const tl = await timeline(t)
  const to = '+306912345678'
  const id = await tl.send({ flow: [viberStep(to, { failoverOnStatuses: ['EXPIRED'] }), smsStep(to, { order: 2 })] }, { outcome: 'Viber=UNDELIVERED' })
  await tl.idle()
  const x = explain(tl, id)
  t.same(whys(x), [
    'UNDELIVERED (Not Viber User) after 2 s; UNDELIVERED is not in failoverOnStatuses (EXPIRED) → flow Failed (statusCode 3)',
    'not run: the flow ended (Failed) before this step'
  ])
  t.same(x.steps.map((s) => s.state), ['ended', 'skipped'])
  t.match(x.steps[0].outcome, { outcome: 'UNDELIVERED', source: 'header' })
  t.equal(x.why, "Failed (statusCode 3: the step's final status is not in its failoverOnStatuses) at step 1 (Viber), 2 s after it was accepted")
})

t.test('a step the balance cannot pay is Unsent: statusCode 1', async (t) => {
  const tl = await timeline(t)
  // the Viber step (0.0093) is paid; 0.01 is left for an SMS of 0.036
  await control(tl.app, 'PUT', '/balance', { balance: 0.0193 })
  const id = await tl.send(seed('+306900000200'), { transactional: true })
  await tl.idle()
  const x = explain(tl, id)
  t.equal(x.steps[1].status, 'Unsent')
  t.equal(x.steps[1].why, 'Unsent: the balance cannot pay 0.036 EUR (balance now 0.01 EUR) → flow Failed (statusCode 1)')
  t.equal(x.status, 'Failed')
  t.equal(x.statusCode, '1')
})

t.test('MANUAL waits for a forced status, and the forced status says so', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send(seed('+306900000900'), { transactional: true })
  await tl.at(30)
  let x = explain(tl, id)
  const messageId = x.steps[0].messageId!
  t.equal(x.steps[0].why, `QUEUED: MANUAL outcome (magic number); waits for POST /_sandbox/messages/${messageId}/status`)
  const forced = await control(tl.app, 'POST', `/messages/${messageId}/status`, { status: 'failed' })
  t.equal(forced.statusCode, 200)
  x = explain(tl, id)
  t.equal(x.steps[0].why, 'FAILED (System Failure) after 30 s, forced by POST /_sandbox/messages/{messageId}/status; FAILED is in failoverOnStatuses → next step: Sms')
  t.equal(x.steps[0].changes[1].note, 'forced by POST /_sandbox/messages/{messageId}/status')
})

t.test('a Viber message seen after the flow ended: the step ended at DELIVERED', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep(), smsStep('+306912345678', { order: 2 })] })
  await tl.idle()
  const x = explain(tl, id)
  t.equal(x.steps[0].status, 'SEEN', 'the message shows SEEN')
  t.same(x.steps[0].changes.map((c) => [c.status, c.offsetMs]), [['QUEUED', 0], ['DELIVERED', 2000], ['SEEN', 7000]])
  t.equal(x.steps[0].why, 'DELIVERED → flow Succeeded')
  t.equal(x.steps[1].why, 'not run: the flow ended (Succeeded) before this step')
})

t.test('expireOnDelivery: delivered but never seen expires at the ttl', async (t) => {
  const tl = await timeline(t)
  const to = '+306912345678'
  const id = await tl.send({ flow: [viberStep(to, { expireOnDelivery: true, ttl: 1 }), smsStep(to, { order: 2 })] }, { outcome: 'Viber=DELIVERED_UNSEEN' })
  await tl.at(2)
  let x = explain(tl, id)
  t.equal(x.steps[0].state, 'pending', 'DELIVERED does not end the step yet')
  t.match(x.steps[0].why, /^DELIVERED: outcome DELIVERED_UNSEEN \(X-Sandbox-Outcome header\); expireOnDelivery: waits for SEEN; EXPIRED at ttl 1 min \(/)
  await tl.at(60)
  x = explain(tl, id)
  t.equal(x.steps[0].why, 'EXPIRED at ttl 1 min: delivered but not seen (expireOnDelivery); EXPIRED is in failoverOnStatuses → next step: Sms')
})

t.test('Voice: busy on the last step, with the default failoverOnStatuses', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [voiceStep('+306900000001')] })
  await tl.idle()
  const x = explain(tl, id)
  t.equal(x.steps[0].ttl, null)
  t.same(x.steps[0].failoverOnStatuses, ['Busy', 'NoAnswer'])
  t.equal(x.steps[0].why, 'Busy after 10 s; Busy is in failoverOnStatuses but no step is left → flow Failed (statusCode 2)')
  t.match(x.steps[0].recipient, { voice: { say: [{ text: 'Your code is 1 2 3 4', language: 'en-US' }] } })
})
