import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import { bearer, control, send, smsStep, timeline, viberStep, voiceStep, type Timeline } from '../helper.js'

// Issue 10 point 3, sandbox.md "Outcomes" 1: header values "are that channel's final statuses"; every
// final status of provider-api.md §5 is an outcome (header, scenario rule, forced status). Unsent is
// the balance failing: the message costs nothing and a flow that ends on it has statusCode "1".

async function balance (tl: Timeline): Promise<number> {
  return (await tl.app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tl.tok) })).json().balance
}

t.test('X-Sandbox-Outcome: Sms=Unsent, Viber=UNSENT, Voice=Unsent (any case): Unsent at the send, free, statusCode "1"', async (t) => {
  const tl = await timeline(t)
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['Sms=Unsent', smsStep(), 'Unsent'],
    ['viber=unsent', viberStep(), 'UNSENT'],
    ['Voice=UNSENT', voiceStep(), 'Unsent']
  ]
  for (const [header, step, name] of cases) {
    const before = await balance(tl)
    const id = await tl.send({ flow: [step] }, { outcome: header })
    const r = await tl.record(id)
    t.equal(r.messages[0].status.name, name, header)
    t.equal(r.messages[0].status.reason.detailedStatus, 'Unsent')
    t.equal(r.messages[0].price, 0, 'an Unsent message costs nothing')
    t.equal(r.totalPrice, 0)
    t.equal(r.status, 'Failed')
    t.equal(r.statusCode, '1', 'the balance code, as when the balance really cannot pay')
    t.equal(await balance(tl), before, 'nothing charged')
    t.same(tl.history(r.messages[0].messageId ?? r.messages[0].trackingId).map(([s]) => s), [name], 'Unsent at the send, nothing scheduled after it')
  }
})

t.test('an Unsent step listed in failoverOnStatuses goes on to the next step; every final status is a header value', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [voiceStep('+306912345678', { failoverOnStatuses: ['Unsent'] }), smsStep('+306912345678', { order: 2 })] }, { outcome: 'Voice=Unsent' })
  await tl.idle()
  const r = await tl.record(id)
  t.same(r.messages.map((m: any) => m.status.name), ['Unsent', 'Delivered'])
  t.equal(r.status, 'Succeeded')
  t.equal(r.totalPrice, 0.036)

  for (const header of ['Viber=DELIVERED', 'Viber=SEEN', 'Viber=UNDELIVERED', 'Viber=EXPIRED', 'Viber=FAILED', 'Viber=UNSENT',
    'Sms=Delivered', 'Sms=Undelivered', 'Sms=Failed', 'Sms=Unsent',
    'Voice=Completed', 'Voice=Busy', 'Voice=NoAnswer', 'Voice=Failed', 'Voice=Unsent', 'Voice=Terminated']) {
    const res = await send(tl.app, tl.tok, { flow: [smsStep()] }, { transactional: false, outcome: header })
    t.equal(res.statusCode, 200, header)
  }
  const bad = await send(tl.app, tl.tok, { flow: [smsStep()] }, { transactional: false, outcome: 'Sms=Unsend' })
  t.equal(bad.statusCode, 400, 'a misspelt status is still refused')
  t.match(bad.json().developerMessage, 'use one of Delivered, Undelivered, Expired, Failed, Unsent, MANUAL')
})

t.test('scenario rules take Unsent too (afterSeconds does not delay it)', async (t) => {
  const tl = await timeline(t)
  let res = await control(tl.app, 'PUT', '/scenarios', [{ to: '+306912345678', channel: 'sms', outcome: 'unsent', afterSeconds: 30 }, { channel: 'Viber', outcome: 'UNSENT' }])
  t.equal(res.statusCode, 200, res.body)
  t.same(res.json().map((r: any) => r.outcome), ['Unsent', 'UNSENT'], 'stored in the provider spelling')
  const sms = await tl.record(await tl.send({ flow: [smsStep('+306912345678')] }))
  t.equal(sms.messages[0].status.name, 'Unsent')
  t.equal(sms.statusCode, '1')
  const viber = await tl.record(await tl.send({ flow: [viberStep()] }))
  t.equal(viber.messages[0].status.name, 'UNSENT')
  res = await control(tl.app, 'PUT', '/scenarios', [{ channel: 'Sms', outcome: 'Unsend' }])
  t.equal(res.statusCode, 400)
  t.match(res.json().developerMessage, 'Unsent')
})

t.test('a forced Unsent: the charge goes back, the price is 0, statusCode "1"; Terminated fails with "1" too', async (t) => {
  const tl = await timeline(t)
  const start = await balance(tl)
  const id = await tl.send({ flow: [smsStep()] }, { outcome: 'Sms=MANUAL' })
  t.equal(Math.round((start - await balance(tl)) * 1e6) / 1e6, 0.036, 'charged at the send')
  const messageId = (await tl.record(id)).messages[0].messageId
  const res = await control(tl.app, 'POST', `/messages/${messageId}/status`, { status: 'unsent' })
  t.equal(res.statusCode, 200, res.body)
  const r = res.json()
  t.equal(r.messages[0].status.name, 'Unsent')
  t.equal(r.messages[0].price, 0)
  t.equal(r.totalPrice, 0)
  t.equal(r.status, 'Failed')
  t.equal(r.statusCode, '1')
  t.equal(await balance(tl), start, 'the charge went back')

  const viber = await tl.send({ flow: [viberStep()] }, { outcome: 'Viber=MANUAL' })
  const viberId = (await tl.record(viber)).messages[0].trackingId
  const forced = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'UNSENT' })
  t.equal(forced.statusCode, 200)
  t.equal(forced.json().messages[0].status.name, 'UNSENT')
  const again = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'DELIVERED' })
  t.equal(again.statusCode, 409)
  t.equal(again.json().code, ERRORS.MESSAGE_NOT_PENDING.code)

  const voice = await tl.send({ flow: [voiceStep()] }, { outcome: 'Voice=MANUAL' })
  const voiceId = (await tl.record(voice)).messages[0].messageId
  const cut = (await control(tl.app, 'POST', `/messages/${voiceId}/status`, { status: 'Terminated' })).json()
  t.equal(cut.statusCode, '1')
  t.equal(cut.messages[0].price, 0.05, 'a call cut off was placed: it is charged')
})
