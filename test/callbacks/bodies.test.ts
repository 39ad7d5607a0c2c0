import t from 'tap'
import { advance, build, control, send, smsStep, token, tracking, viberStep, voiceStep } from '../helper.js'
import { receiver } from './receiver.js'

// provider-api.md §6: OnChange/OnStep call back "on every message status change, and at completion",
// and the body is "the same record as GET /failover/tracking/{id}". Issue 10, points 1 and 2.

const SUCCESS = new Set(['DELIVERED', 'SEEN', 'Delivered', 'Completed'])

/**
 * Whether a record is one GET could return: a flow still running has no statusCode and none of its
 * messages final with a success, and its last message is the step in progress; an ended flow has every
 * message final.
 */
function coherent (record: any): string | undefined {
  const last = record.messages.at(-1)
  if (record.status === 'InProgress') {
    if (record.statusCode !== null) return 'InProgress with a statusCode'
    if (record.messages.some((m: any) => SUCCESS.has(m.status.name))) return 'InProgress with a delivered message'
    if (['UNDELIVERED', 'EXPIRED', 'FAILED', 'Undelivered', 'Failed', 'Busy', 'NoAnswer'].includes(last.status.name)) return 'InProgress on a failed last step'
  } else if (['Queued', 'QUEUED', 'Sent', 'Initiated', 'Ringing', 'InProgress'].includes(last.status.name)) {
    return `${record.status} with its last message ${last.status.name}`
  }
  return undefined
}

t.test('a SEEN after completion calls back, after the completion callback; every body is a record GET could return', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [viberStep('+306900000000')], callback: { strategy: 'OnChange', url: hook.url } }, { transactional: false })
  const { trackingId } = res.json()
  await advance(app, { seconds: 2 }) // DELIVERED: the flow Succeeded in the same change
  t.same(hook.received.map((r) => `${r.body.status}:${r.body.messages[0].status.name}`), ['InProgress:QUEUED', 'Succeeded:DELIVERED', 'Succeeded:DELIVERED'],
    'the change callback of the delivery shows the flow Succeeded, as GET does')
  t.same(hook.received[1].body, await tracking(app, tok, trackingId), 'the delivery callback is the record GET returns now')
  await advance(app, { seconds: 5 }) // SEEN, after completion
  t.equal(hook.received.length, 4, 'the late SEEN calls back')
  const seen = hook.received[3]
  t.equal(seen.body.messages[0].status.name, 'SEEN')
  t.equal(seen.body.status, 'Succeeded')
  t.same(seen.body, await tracking(app, tok, trackingId), 'its body is the record GET returns after it')
  const list = (await control(app, 'GET', `/callbacks?trackingId=${trackingId}`)).json()
  t.same(list.map((c: any) => c.kind), ['change', 'change', 'completion', 'change'], 'in order: the completion, then the late SEEN')
  t.ok(list.every((c: any) => c.state === 'delivered'))
  t.same(hook.received.map((r) => r.headers['x-sandbox-callback-id']), list.map((c: any) => c.id))
  for (const r of hook.received) t.equal(coherent(r.body), undefined, `${r.body.status}:${r.body.messages.map((m: any) => m.status.name).join('>')}`)
})

t.test('OnCompletion: a late SEEN makes no callback (only OnChange/OnStep call back on changes)', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  await send(app, tok, { flow: [viberStep('+306900000000')], callback: { strategy: 'OnCompletion', url: hook.url } }, { transactional: false })
  await advance(app, { until: 'idle' })
  t.same(hook.received.map((r) => `${r.body.status}:${r.body.messages[0].status.name}`), ['Succeeded:DELIVERED'])
})

t.test('OnStep through failover and every outcome: no callback body is a combination GET never returns', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const flows = ['+306900000000', '+306900000100', '+306900000110', '+306900000111', '+306900000113', '+306900000200', '+306900000120']
  const ids: string[] = []
  for (const to of flows) {
    const res = await send(app, tok, {
      flow: [viberStep(to), smsStep(to, { order: 2 }), voiceStep(to, { order: 3 })],
      callback: { strategy: 'OnStep', url: hook.url }
    }, { transactional: false })
    t.equal(res.statusCode, 200)
    ids.push(res.json().trackingId)
  }
  await advance(app, { until: 'idle' })
  t.ok(hook.received.length > 30)
  const bad = hook.received.map((r) => coherent(r.body)).filter((p) => p !== undefined)
  t.same(bad, [], 'every body is coherent')
  for (const id of ids) {
    const mine = hook.received.filter((r) => r.body.trackingId === id)
    t.same(mine.at(-1)!.body, await tracking(app, tok, id), 'the last callback of each flow is its final record')
    const seqs = mine.map((r) => Date.parse(r.body.updatedAt))
    t.same(seqs, [...seqs].sort((a, b) => a - b), 'in order')
  }
})

t.test('a forced status that completes the flow: its change callback shows the completed record', async (t) => {
  const hook = await receiver(t)
  const app = await build(t)
  const tok = await token(app)
  const { trackingId } = (await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnChange', url: hook.url } }, { transactional: false, outcome: 'Sms=MANUAL' })).json()
  await advance(app, { seconds: 0 })
  const messageId = (await tracking(app, tok, trackingId)).messages[0].messageId
  const res = await control(app, 'POST', `/messages/${messageId}/status`, { status: 'Delivered' })
  t.equal(res.statusCode, 200)
  await advance(app, { seconds: 0 })
  t.same(hook.received.map((r) => `${r.body.status}:${r.body.messages[0].status.name}`), ['InProgress:Queued', 'Succeeded:Delivered', 'Succeeded:Delivered'])
  t.same(hook.received.at(-2)!.body, res.json(), 'the change callback equals the record the control call answered')
})
