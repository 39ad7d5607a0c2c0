import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import { OUTCOMES } from '../../src/engine/outcomes.js'
import { FORCEABLE } from '../../src/engine/statuses.js'
import { bearer, control, send, smsStep, timeline, token, viberStep, voiceStep, type Timeline } from '../helper.js'

// sandbox.md "Outcomes": X-Sandbox-Outcome header > PUT /_sandbox/scenarios rules > magic numbers
// +306900000VSC > default (delivered); MANUAL messages move only by POST /_sandbox/messages/{id}/status.

const names = (r: any): string[] => r.messages.map((m: any) => m.status.name)
const story = (tl: Timeline, id: string): string => tl.history(id).map(([s, , at]) => `${s}@${at}`).join(' ')

async function finalOf (tl: Timeline, to: string, outcome?: string): Promise<string> {
  const id = await tl.send({ flow: [viberStep(to)] }, { outcome })
  await tl.idle()
  return (await tl.record(id)).messages[0].status.name
}

t.test('precedence: header > scenario rule > magic number > default', async (t) => {
  const tl = await timeline(t)
  const put = await control(tl.app, 'PUT', '/scenarios', [{ to: '+306900000300', channel: 'Viber', outcome: 'UNDELIVERED' }])
  t.equal(put.statusCode, 200, put.body)
  // +306900000300 is a magic number for Viber FAILED, and a scenario rule says UNDELIVERED
  t.equal(await finalOf(tl, '+306900000300', 'Viber=EXPIRED'), 'EXPIRED', 'the header wins over the rule and the magic number')
  t.equal(await finalOf(tl, '+306900000300'), 'UNDELIVERED', 'the rule wins over the magic number')
  t.equal(await finalOf(tl, '+306900000310'), 'FAILED', 'the magic number applies when no rule matches')
  t.equal(await finalOf(tl, '+306912345678'), 'SEEN', 'default: delivered, then seen')
  t.equal(await finalOf(tl, '+306900000300', 'Sms=Failed'), 'UNDELIVERED', 'a header naming other channels leaves this one to the next layers')
  t.equal(await finalOf(tl, '+306912345678', 'Sms=Failed'), 'SEEN')
})

t.test('the header: per channel, case-insensitive, stored with the flow for every step', async (t) => {
  const tl = await timeline(t)
  const to = '+306912345678'
  const id = await tl.send({ flow: [viberStep(to), smsStep(to, { order: 2 }), voiceStep(to, { order: 3 })] }, { outcome: 'viber=expired;  SMS=FAILED ;Voice=noanswer' })
  await tl.idle()
  const r = await tl.record(id)
  t.same(names(r), ['EXPIRED', 'Failed', 'NoAnswer'])
  t.equal(r.status, 'Failed')
  t.equal(r.statusCode, '2')
})

t.test('a bad X-Sandbox-Outcome header is a 400 naming the bad part, and nothing is sent', async (t) => {
  const tl = await timeline(t)
  const cases: Array<[string, string[]]> = [
    ['Viber=EXPIRD', ['"Viber=EXPIRD"', '"EXPIRD" is not a Viber outcome', OUTCOMES.Viber.join(', ')]],
    ['Fax=Delivered', ['"Fax=Delivered"', 'unknown channel "Fax"']],
    ['Viber', ['"Viber" is not channel=outcome']],
    ['Viber=SEEN; Sms=Delivered; viber=FAILED', ['"viber=FAILED"', 'Viber is given twice']],
    ['Sms=DELIVERED_UNSEEN', ['"DELIVERED_UNSEEN" is not a Sms outcome']],
    ['Voice=Delivered', ['"Delivered" is not a Voice outcome']],
    [' ; ', ['the header is empty']]
  ]
  for (const [header, says] of cases) {
    const res = await send(tl.app, tl.tok, { flow: [viberStep()] }, { transactional: false, outcome: header })
    t.equal(res.statusCode, ERRORS.OUTCOME_HEADER.status, header)
    const body = res.json()
    t.equal(body.code, ERRORS.OUTCOME_HEADER.code)
    t.equal(body.type, ERRORS.OUTCOME_HEADER.type)
    t.match(body.developerMessage, /^X-Sandbox-Outcome: /)
    for (const part of says) t.ok(body.developerMessage.includes(part), `${header}: says ${part}`)
    t.ok(body.properties['X-Sandbox-Outcome'], 'properties name the header')
  }
  const search = await tl.app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(tl.tok), payload: [] })
  t.equal(search.json().totalElements, 0, 'no flow was stored')
  const balance = await tl.app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tl.tok) })
  t.equal(balance.json().balance, 100, 'nothing was charged')
})

t.test('scenario rules: exact and /regex/ numbers, any number, first match wins', async (t) => {
  const tl = await timeline(t)
  const rules = [
    { to: '+306912345671', channel: 'viber', outcome: 'failed' },
    { to: '/^\\+30691234567[0-4]$/', channel: 'Viber', outcome: 'UNDELIVERED' },
    { to: '/^\\+3069123456/', channel: 'Viber', outcome: 'EXPIRED' },
    { channel: 'Sms', outcome: 'Undelivered' }
  ]
  const put = await control(tl.app, 'PUT', '/scenarios', rules)
  t.equal(put.statusCode, 200, put.body)
  t.same(put.json(), [
    { to: '+306912345671', channel: 'Viber', outcome: 'FAILED' },
    { to: '/^\\+30691234567[0-4]$/', channel: 'Viber', outcome: 'UNDELIVERED' },
    { to: '/^\\+3069123456/', channel: 'Viber', outcome: 'EXPIRED' },
    { channel: 'Sms', outcome: 'Undelivered' }
  ], 'channel and outcome in the provider spelling')
  t.same((await control(tl.app, 'GET', '/scenarios')).json(), put.json(), 'GET returns the rules')

  t.equal(await finalOf(tl, '+306912345671'), 'FAILED', 'exact rule, listed first')
  t.equal(await finalOf(tl, '+306912345672'), 'UNDELIVERED', 'first regex')
  t.equal(await finalOf(tl, '+306912345679'), 'EXPIRED', 'second regex')
  t.equal(await finalOf(tl, '+306911111111'), 'SEEN', 'no rule for this number: default')
  const sms = await tl.send({ flow: [smsStep('+306911111111')] })
  await tl.idle()
  t.same(names(await tl.record(sms)), ['Undelivered'], 'a rule without `to` matches every number of its channel')

  t.same((await control(tl.app, 'PUT', '/scenarios', [])).json(), [], 'an empty list clears the rules')
  t.equal(await finalOf(tl, '+306912345671'), 'SEEN')
})

t.test('scenario afterSeconds moves the final status; the rest of the timing follows', async (t) => {
  const tl = await timeline(t)
  await control(tl.app, 'PUT', '/scenarios', [
    { channel: 'Viber', outcome: 'DELIVERED', afterSeconds: 30 },
    { channel: 'Sms', outcome: 'Failed', afterSeconds: 45 },
    { channel: 'Voice', outcome: 'Busy', afterSeconds: 20 }
  ])
  const viber = await tl.send({ flow: [viberStep()] })
  const sms = await tl.send({ flow: [smsStep()] })
  const voice = await tl.send({ flow: [voiceStep()] })
  await tl.idle()
  t.equal(story(tl, (await tl.record(viber)).messages[0].trackingId), 'QUEUED@0 DELIVERED@30 SEEN@35')
  t.equal(story(tl, (await tl.record(sms)).messages[0].messageId), 'Queued@0 Sent@1 Failed@45')
  t.equal(story(tl, (await tl.record(voice)).messages[0].messageId), 'Queued@0 Initiated@1 Ringing@2 Busy@20')
})

t.test('rules are read when each step starts', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep('+306900000100'), smsStep('+306912345678', { order: 2 })] })
  // the Sms step starts at 2 s: the rule put now applies to it
  await control(tl.app, 'PUT', '/scenarios', [{ channel: 'Sms', outcome: 'Failed' }])
  await tl.idle()
  t.same(names(await tl.record(id)), ['UNDELIVERED', 'Failed'])
})

t.test('bad scenario rules are a 400 naming each problem, and the old rules stay', async (t) => {
  const tl = await timeline(t)
  await control(tl.app, 'PUT', '/scenarios', [{ channel: 'Viber', outcome: 'FAILED' }])
  const res = await control(tl.app, 'PUT', '/scenarios', [
    { channel: 'Fax', outcome: 'Delivered' },
    { channel: 'Sms', outcome: 'SEEN' },
    { to: '/(/', channel: 'Viber', outcome: 'FAILED' }
  ])
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.equal(body.code, ERRORS.VALIDATION.code)
  t.match(body.properties['[0].channel'], 'Viber, Sms, Voice')
  t.match(body.properties['[1].outcome'], OUTCOMES.Sms.join(', '))
  t.equal(body.properties['[2].to'], ERRORS.SCENARIO_REGEX.message)
  const schema = await control(tl.app, 'PUT', '/scenarios', [{ channel: 'Sms', outcome: 'Failed', afterSeconds: -1 }])
  t.equal(schema.statusCode, 400, 'afterSeconds below 0')
  const unknown = await control(tl.app, 'PUT', '/scenarios', [{ channel: 'Sms', outcome: 'Failed', after: 3 }])
  t.equal(unknown.statusCode, 400, 'an unknown rule property')
  t.same((await control(tl.app, 'GET', '/scenarios')).json(), [{ channel: 'Viber', outcome: 'FAILED' }])
})

t.test('MANUAL waits; POST /_sandbox/messages/{id}/status moves it and the flow goes on', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep('+306912345678'), smsStep('+306912345678', { order: 2 })] }, { outcome: 'Viber=MANUAL; Sms=MANUAL' })
  await tl.at(3600)
  let r = await tl.record(id)
  t.same(names(r), ['QUEUED'], 'an hour later, still QUEUED')
  const viberId = r.messages[0].trackingId

  let res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'undelivered', detailedStatus: 'opted out' })
  t.equal(res.statusCode, 200, res.body)
  r = res.json()
  t.same(names(r), ['UNDELIVERED', 'Queued'], 'the answer is the tracking record: the Sms step started at once')
  t.same(r.messages[0].status.reason.detailedStatus, 'Opted Out', 'detailedStatus in the provider spelling')
  t.equal(tl.sec(r.messages[0].status.updatedDate), 3600, 'at the clock time of the call')
  t.same(tl.history(viberId).at(-1), ['UNDELIVERED', 'Opted Out', 3600])

  const smsId = r.messages[1].messageId
  res = await control(tl.app, 'POST', `/messages/${smsId}/status`, { status: 'Sent' })
  t.equal(res.json().messages[1].status.name, 'Sent', 'a status on the way is allowed')
  await tl.at(3700)
  res = await control(tl.app, 'POST', `/messages/${smsId}/status`, { status: 'Delivered' })
  r = res.json()
  t.equal(r.messages[1].status.name, 'Delivered')
  t.equal(r.messages[1].latency, 100000)
  t.equal(r.status, 'Succeeded')
  t.equal(r.terminationChannel, 'Sms')

  res = await control(tl.app, 'POST', `/messages/${smsId}/status`, { status: 'Failed' })
  t.equal(res.statusCode, 409, 'already final')
  t.equal(res.json().code, ERRORS.MESSAGE_NOT_PENDING.code)
  t.equal(res.json().type, ERRORS.MESSAGE_NOT_PENDING.type)
  t.match(res.json().developerMessage, 'already Delivered')
  res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'FAILED' })
  t.equal(res.statusCode, 409)
})

t.test('forced statuses: another channel’s status or an unknown detailedStatus is a 400; unknown ids 404', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep(), smsStep(undefined, { order: 2 }), voiceStep(undefined, { order: 3 })] }, { outcome: 'Viber=MANUAL' })
  const viberId = (await tl.record(id)).messages[0].trackingId
  for (const status of ['Sent', 'Busy', 'Queued', 'Terminated', 'Ringing']) {
    const res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status })
    t.equal(res.statusCode, 400, status)
    t.equal(res.json().code, ERRORS.VALIDATION.code)
    t.ok(res.json().developerMessage.includes(`"${status}" is not a Viber status`), res.json().developerMessage)
    t.ok(res.json().developerMessage.includes(FORCEABLE.Viber.join(', ')))
  }
  let res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'UNDELIVERED', detailedStatus: 'Roaming' })
  t.equal(res.statusCode, 400, 'Roaming is an Sms detailedStatus')
  t.equal(res.json().properties.detailedStatus, 'unknown detailedStatus')
  res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'UNDELIVERED', extra: 1 })
  t.equal(res.statusCode, 400, 'unknown body property')
  res = await control(tl.app, 'POST', '/messages/no-such-message/status', { status: 'DELIVERED' })
  t.equal(res.statusCode, 404)
  t.equal(res.json().developerMessage, ERRORS.MESSAGE_NOT_FOUND.message)
  t.same(names(await tl.record(id)), ['QUEUED'], 'nothing moved')

  // another account's message is not found
  const acc = (await control(tl.app, 'POST', '/accounts', {})).json()
  res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'DELIVERED' }, acc.accountId)
  t.equal(res.statusCode, 404)
})

t.test('forcing a message that was on its way cancels what was scheduled for it', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [smsStep('+306900000000')] })
  await tl.at(1)
  const smsId = (await tl.record(id)).messages[0].messageId
  const res = await control(tl.app, 'POST', `/messages/${smsId}/status`, { status: 'Failed', detailedStatus: 'Carrier Violation' })
  t.equal(res.statusCode, 200)
  await tl.idle()
  const r = await tl.record(id)
  t.equal(story(tl, smsId), 'Queued@0 Sent@1 Failed@1', 'the scheduled Delivered never comes')
  t.equal(r.messages[0].status.reason.detailedStatus, 'Carrier Violation')
  t.equal(r.status, 'Failed')
  t.equal(r.statusCode, '2', 'Failed is listed by default; no step left')
})

t.test('a MANUAL call moves through its states by hand; a forced DELIVERED Viber is not seen by itself', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [voiceStep(), viberStep(undefined, { order: 2 })] }, { outcome: 'Voice=MANUAL; Viber=MANUAL' })
  const callId = (await tl.record(id)).messages[0].messageId
  for (const [at, status] of [[1, 'Initiated'], [2, 'Ringing'], [4, 'InProgress'], [64, 'Busy']] as const) {
    await tl.at(at)
    const res = await control(tl.app, 'POST', `/messages/${callId}/status`, { status })
    t.equal(res.statusCode, 200, res.body)
  }
  let r = await tl.record(id)
  t.equal(story(tl, callId), 'Queued@0 Initiated@1 Ringing@2 InProgress@4 Busy@64')
  t.equal(r.messages[0].duration, 60)
  t.equal(r.messages[1].type, 'Viber', 'Busy is listed by default: the Viber step started')
  const viberId = r.messages[1].trackingId
  await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'DELIVERED' })
  await tl.at(3600)
  r = await tl.record(id)
  t.same(names(r), ['Busy', 'DELIVERED'])
  t.equal(r.status, 'Succeeded')
  // SEEN may still follow a final DELIVERED, once
  let res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'SEEN' })
  t.equal(res.statusCode, 200)
  t.same(names(res.json()), ['Busy', 'SEEN'])
  res = await control(tl.app, 'POST', `/messages/${viberId}/status`, { status: 'SEEN' })
  t.equal(res.statusCode, 409)
})

t.test('X-Sandbox-Outcome works the same on the transactional endpoint', async (t) => {
  const tl = await timeline(t)
  const tok = await token(tl.app)
  const body = {
    flow: [{
      type: 'Viber',
      senderInfoTrackingId: 'your-sender-info-tracking-id',
      to: '+306912345678',
      templateId: 'c2cdc028-a48b-4187-bbaf-3aaa137b6e23',
      templateLang: 'en',
      templateParams: { pin: '4321' },
      order: 1,
      failoverOnStatuses: ['FAILED']
    }]
  }
  const res = await send(tl.app, tok, body, { outcome: 'Viber=FAILED' })
  t.equal(res.statusCode, 200, res.body)
  await tl.idle()
  const r = await tl.record(res.json().trackingId)
  t.same(names(r), ['FAILED'])
  t.equal(r.statusCode, '2')
})

t.test('magic digits 5 to 8 mean nothing: the default applies; afterSeconds does not move an expiry', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep('+306900000567'), smsStep('+306900000567', { order: 2 }), voiceStep('+306900000567', { order: 3 })] })
  await control(tl.app, 'PUT', '/scenarios', [{ channel: 'Viber', outcome: 'EXPIRED', afterSeconds: 5 }, { channel: 'Sms', outcome: 'Expired', afterSeconds: 5 }])
  const expiring = await tl.send({ flow: [viberStep(undefined, { ttl: 1 }), smsStep(undefined, { order: 2, ttl: 2 })] })
  await tl.idle()
  t.same(names(await tl.record(id)), ['SEEN'], 'delivered, as with any other number')
  const r = await tl.record(expiring)
  t.equal(story(tl, r.messages[0].trackingId), 'QUEUED@0 EXPIRED@60', 'EXPIRED comes at the ttl')
  t.equal(story(tl, r.messages[1].messageId), 'Queued@60 Sent@61 Undelivered@180', 'Sms Expired too')
})
