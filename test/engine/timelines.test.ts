import t from 'tap'
import { smsStep, threeSteps, timeline, viberStep, voiceStep, type Timeline } from '../helper.js'

// Timelines of the outcome matrix (sandbox.md "Outcomes", provider-api.md §5): every flow is
// Viber (order 1) → Sms (order 2) → Voice (order 3) to a magic number +306900000VSC, sent at t = 0
// on a manual clock. Times are sandbox seconds after the send; the defaults are Viber final +2 s and
// SEEN 5 s later, Sms Sent +1 s and final +3 s, Voice Initiated +1, Ringing +2, InProgress +4 and
// final +10 s, Viber EXPIRED at its ttl (10 min) and Sms Expired at its ttl (1200 min).

/** A message's history as "STATUS@seconds" entries. */
function story (tl: Timeline, messageId: string): string {
  return tl.history(messageId).map(([status, , at]) => `${status}@${at}`).join(' ')
}

interface Row {
  digits: string
  says: string
  /** one story per message started, in run order */
  messages: string[]
  /** detailedStatus of each message's last status */
  detailed: string[]
  status: 'Succeeded' | 'Failed' | 'InProgress'
  statusCode: string | null
  terminationChannel: string
  /** flow.updatedAt, seconds after the send */
  endedAt: number
}

const VIBER_UNDELIVERED = 'QUEUED@0 UNDELIVERED@2'
const SMS_UNDELIVERED = 'Queued@2 Sent@3 Undelivered@5'
const VOICE_ANSWERED_AT_5 = 'Queued@5 Initiated@6 Ringing@7 InProgress@9 Completed@15'

const MATRIX: Row[] = [
  // Viber digit, the rest delivered
  { digits: '000', says: 'Viber delivered (then seen)', messages: ['QUEUED@0 DELIVERED@2 SEEN@7'], detailed: ['Delivered'], status: 'Succeeded', statusCode: null, terminationChannel: 'Viber', endedAt: 2 },
  { digits: '100', says: 'Viber undelivered → Sms delivered', messages: [VIBER_UNDELIVERED, 'Queued@2 Sent@3 Delivered@5'], detailed: ['Not Viber User', 'Delivered'], status: 'Succeeded', statusCode: null, terminationChannel: 'Sms', endedAt: 5 },
  { digits: '200', says: 'Viber expired at its ttl → Sms delivered', messages: ['QUEUED@0 EXPIRED@600', 'Queued@600 Sent@601 Delivered@603'], detailed: ['TTL Expired', 'Delivered'], status: 'Succeeded', statusCode: null, terminationChannel: 'Sms', endedAt: 603 },
  { digits: '300', says: 'Viber failed → Sms delivered', messages: ['QUEUED@0 FAILED@2', 'Queued@2 Sent@3 Delivered@5'], detailed: ['System Failure', 'Delivered'], status: 'Succeeded', statusCode: null, terminationChannel: 'Sms', endedAt: 5 },
  { digits: '400', says: 'Viber seen', messages: ['QUEUED@0 DELIVERED@2 SEEN@7'], detailed: ['Delivered'], status: 'Succeeded', statusCode: null, terminationChannel: 'Viber', endedAt: 2 },
  { digits: '900', says: 'Viber manual: waits, ttl or not', messages: ['QUEUED@0'], detailed: ['Queued'], status: 'InProgress', statusCode: null, terminationChannel: 'Viber', endedAt: 0 },
  // Sms digit, behind an undelivered Viber step
  { digits: '100', says: 'Sms delivered', messages: [VIBER_UNDELIVERED, 'Queued@2 Sent@3 Delivered@5'], detailed: ['Not Viber User', 'Delivered'], status: 'Succeeded', statusCode: null, terminationChannel: 'Sms', endedAt: 5 },
  { digits: '110', says: 'Sms undelivered → Voice completed', messages: [VIBER_UNDELIVERED, SMS_UNDELIVERED, VOICE_ANSWERED_AT_5], detailed: ['Not Viber User', 'Undelivered', 'Completed'], status: 'Succeeded', statusCode: null, terminationChannel: 'Voice', endedAt: 15 },
  { digits: '120', says: 'Sms expired at its ttl → Voice completed', messages: [VIBER_UNDELIVERED, 'Queued@2 Sent@3 Undelivered@72002', 'Queued@72002 Initiated@72003 Ringing@72004 InProgress@72006 Completed@72012'], detailed: ['Not Viber User', 'Expired', 'Completed'], status: 'Succeeded', statusCode: null, terminationChannel: 'Voice', endedAt: 72012 },
  { digits: '130', says: 'Sms failed → Voice completed', messages: [VIBER_UNDELIVERED, 'Queued@2 Sent@3 Failed@5', VOICE_ANSWERED_AT_5], detailed: ['Not Viber User', 'Failed', 'Completed'], status: 'Succeeded', statusCode: null, terminationChannel: 'Voice', endedAt: 15 },
  { digits: '140', says: 'Sms delivered (digit 4)', messages: [VIBER_UNDELIVERED, 'Queued@2 Sent@3 Delivered@5'], detailed: ['Not Viber User', 'Delivered'], status: 'Succeeded', statusCode: null, terminationChannel: 'Sms', endedAt: 5 },
  { digits: '190', says: 'Sms manual: waits', messages: [VIBER_UNDELIVERED, 'Queued@2'], detailed: ['Not Viber User', 'Queued'], status: 'InProgress', statusCode: null, terminationChannel: 'Sms', endedAt: 2 },
  // Voice digit, behind undelivered Viber and Sms steps
  { digits: '110', says: 'Voice completed', messages: [VIBER_UNDELIVERED, SMS_UNDELIVERED, VOICE_ANSWERED_AT_5], detailed: ['Not Viber User', 'Undelivered', 'Completed'], status: 'Succeeded', statusCode: null, terminationChannel: 'Voice', endedAt: 15 },
  { digits: '111', says: 'Voice busy: listed by default, no step left', messages: [VIBER_UNDELIVERED, SMS_UNDELIVERED, 'Queued@5 Initiated@6 Ringing@7 Busy@15'], detailed: ['Not Viber User', 'Undelivered', 'Busy'], status: 'Failed', statusCode: '2', terminationChannel: 'Voice', endedAt: 15 },
  { digits: '112', says: 'Voice no answer: listed by default, no step left', messages: [VIBER_UNDELIVERED, SMS_UNDELIVERED, 'Queued@5 Initiated@6 Ringing@7 NoAnswer@15'], detailed: ['Not Viber User', 'Undelivered', 'NoAnswer'], status: 'Failed', statusCode: '2', terminationChannel: 'Voice', endedAt: 15 },
  { digits: '113', says: 'Voice failed: not listed by default', messages: [VIBER_UNDELIVERED, SMS_UNDELIVERED, 'Queued@5 Initiated@6 Ringing@7 Failed@15'], detailed: ['Not Viber User', 'Undelivered', 'Failed'], status: 'Failed', statusCode: '3', terminationChannel: 'Voice', endedAt: 15 },
  { digits: '114', says: 'Voice completed (digit 4)', messages: [VIBER_UNDELIVERED, SMS_UNDELIVERED, VOICE_ANSWERED_AT_5], detailed: ['Not Viber User', 'Undelivered', 'Completed'], status: 'Succeeded', statusCode: null, terminationChannel: 'Voice', endedAt: 15 },
  { digits: '119', says: 'Voice manual: waits', messages: [VIBER_UNDELIVERED, SMS_UNDELIVERED, 'Queued@5'], detailed: ['Not Viber User', 'Undelivered', 'Queued'], status: 'InProgress', statusCode: null, terminationChannel: 'Voice', endedAt: 5 }
]

const PRICE = { Viber: 0.0093, Sms: 0.036, Voice: 0.05 }

t.test('the outcome matrix: each outcome of each channel, sent at once and run until idle', async (t) => {
  const tl = await timeline(t)
  const sent = []
  for (const row of MATRIX) sent.push({ row, id: await tl.send(threeSteps(`+306900000${row.digits}`)) })
  // the longest story: Sms expiring after its 1200-minute ttl, then a 10-second call
  t.equal(await tl.idle(), 72012, 'until idle stops at the last due event')
  for (const { row, id } of sent) {
    const record = await tl.record(id)
    t.test(`+306900000${row.digits}: ${row.says}`, async (t) => {
      t.same(record.messages.map((m: any) => story(tl, m.messageId ?? m.trackingId)), row.messages, 'statuses and their times')
      t.same(record.messages.map((m: any) => m.status.reason.detailedStatus), row.detailed, 'detailedStatus')
      t.same(record.messages.map((m: any) => m.type), ['Viber', 'Sms', 'Voice'].slice(0, row.messages.length), 'one message per step started')
      t.equal(record.status, row.status)
      t.equal(record.statusCode, row.statusCode)
      t.equal(record.terminationChannel, row.terminationChannel)
      t.equal(tl.sec(record.updatedAt), row.endedAt, 'updatedAt: the last change of the flow')
      const total = record.messages.reduce((sum: number, m: any) => sum + PRICE[m.type as keyof typeof PRICE], 0)
      t.equal(record.totalPrice, Math.round(total * 1e6) / 1e6, 'totalPrice is the sum of the steps started')
    })
  }
})

t.test('+306900000120 step by step: Viber undelivered, SMS expired, voice completed', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send(threeSteps('+306900000120'))
  let r = await tl.record(id)
  t.equal(r.status, 'InProgress', 'the first step is sent at the instant the flow is accepted')
  t.same(r.messages.map((m: any) => m.status.name), ['QUEUED'])

  await tl.at(1.999)
  r = await tl.record(id)
  t.same(r.messages.map((m: any) => m.status.name), ['QUEUED'], 'nothing before 2 s')

  await tl.at(2)
  r = await tl.record(id)
  t.same(r.messages.map((m: any) => m.status.name), ['UNDELIVERED', 'Queued'], 'Viber undelivered and the Sms step started at the same instant')
  t.equal(tl.sec(r.messages[1].createdAt), 2)
  t.equal(r.terminationChannel, 'Sms')

  await tl.at(3)
  t.equal((await tl.record(id)).messages[1].status.name, 'Sent')

  await tl.at(72001.999)
  r = await tl.record(id)
  t.equal(r.messages[1].status.name, 'Sent', 'still Sent a moment before the Sms ttl')
  t.equal(r.messages.length, 2)

  await tl.at(72002)
  r = await tl.record(id)
  t.same(r.messages[1].status, { name: 'Undelivered', reason: { detailedStatus: 'Expired', description: r.messages[1].status.reason.description }, updatedDate: r.messages[1].status.updatedDate })
  t.equal(tl.sec(r.messages[1].status.updatedDate), 72002)
  t.equal(r.messages[2].type, 'Voice')
  t.equal(r.messages[2].status.name, 'Queued')
  t.equal(r.terminationChannel, 'Voice')

  await tl.at(72006)
  t.equal((await tl.record(id)).messages[2].status.name, 'InProgress', 'answered 4 s after the call starts')
  await tl.at(72012)
  r = await tl.record(id)
  t.equal(r.messages[2].status.name, 'Completed')
  t.equal(r.messages[2].duration, 6, 'duration: from answer to hang-up')
  t.equal(r.status, 'Succeeded')
  t.equal(r.statusCode, null)
})

t.test('a SEEN after the flow succeeded updates the message only', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep('+306912345678'), smsStep('+306912345678', { order: 2 })] })
  await tl.at(2)
  let r = await tl.record(id)
  t.equal(r.status, 'Succeeded', 'a delivered Viber step ends the flow')
  t.equal(r.messages[0].status.name, 'DELIVERED')
  await tl.at(7)
  r = await tl.record(id)
  t.equal(r.messages[0].status.name, 'SEEN', 'seen 5 s after delivery')
  t.equal(tl.sec(r.messages[0].status.updatedDate), 7)
  t.equal(r.status, 'Succeeded')
  t.equal(tl.sec(r.updatedAt), 2, 'the flow itself does not change again')
  t.equal(r.messages.length, 1, 'no next step')
})

t.test('steps run by ascending order; ties keep array order', async (t) => {
  const tl = await timeline(t)
  const to = '+306900000111'
  // array: Sms(2), Voice(2), Viber(1) → Viber, Sms, Voice
  const a = await tl.send({ flow: [smsStep(to, { order: 2 }), voiceStep(to, { order: 2 }), viberStep(to, { order: 1 })] })
  // array: Voice(2), Sms(2), Viber(1) → Viber, Voice, Sms
  const b = await tl.send({ flow: [voiceStep(to, { order: 2 }), smsStep(to, { order: 2 }), viberStep(to, { order: 1 })] })
  // orders need not be consecutive: Sms(7), Viber(3)
  const c = await tl.send({ flow: [smsStep(to, { order: 7 }), viberStep(to, { order: 3 })] })
  await tl.idle()
  const ra = await tl.record(a)
  t.same(ra.messages.map((m: any) => m.type), ['Viber', 'Sms', 'Voice'], 'messages listed in the order they ran')
  t.same(ra.messages.map((m: any) => m.order), [1, 2, 2])
  t.same(ra.messages.map((m: any) => tl.sec(m.createdAt)), [0, 2, 5])
  t.equal(ra.terminationChannel, 'Voice')
  const rb = await tl.record(b)
  t.same(rb.messages.map((m: any) => m.type), ['Viber', 'Voice', 'Sms'])
  t.same(rb.messages.map((m: any) => tl.sec(m.createdAt)), [0, 2, 12], 'the call (Busy at +10 s) runs before the Sms')
  t.equal(rb.terminationChannel, 'Sms')
  t.equal(rb.statusCode, '2', 'the Sms, last to run, was undelivered with no step left')
  const rc = await tl.record(c)
  t.same(rc.messages.map((m: any) => [m.type, m.order]), [['Viber', 3], ['Sms', 7]])
})

t.test('failoverOnStatuses decides: a listed final status goes on, another ends the flow with "3"', async (t) => {
  const tl = await timeline(t)
  // Viber FAILED is not listed: the flow fails at once with statusCode "3", the Sms never starts
  const notListed = await tl.send({ flow: [viberStep('+306900000300', { failoverOnStatuses: ['EXPIRED', 'UNDELIVERED'] }), smsStep('+306900000300', { order: 2 })] })
  // values match case-insensitively
  const lower = await tl.send({ flow: [viberStep('+306900000300', { failoverOnStatuses: ['failed'] }), smsStep('+306900000300', { order: 2 })] })
  // Voice Completed may be listed: a completed call then goes on to the next step
  const completedListed = await tl.send({ flow: [voiceStep('+306900000000', { failoverOnStatuses: ['Completed'] }), smsStep('+306900000000', { order: 2 })] })
  // the last step ends in a listed status: "2", no step left
  const lastListed = await tl.send({ flow: [smsStep('+306900000030', { failoverOnStatuses: ['Failed'] })] })
  // the last step ends in a status that is not listed: "3"
  const lastNotListed = await tl.send({ flow: [smsStep('+306900000030', { failoverOnStatuses: ['Undelivered'] })] })
  await tl.idle()

  let r = await tl.record(notListed)
  t.equal(r.status, 'Failed')
  t.equal(r.statusCode, '3')
  t.equal(r.messages.length, 1)
  t.equal(r.terminationChannel, 'Viber')
  t.equal(tl.sec(r.updatedAt), 2)

  r = await tl.record(lower)
  t.same(r.messages.map((m: any) => m.status.name), ['FAILED', 'Delivered'])
  t.equal(r.status, 'Succeeded')

  r = await tl.record(completedListed)
  t.same(r.messages.map((m: any) => m.status.name), ['Completed', 'Delivered'])
  t.equal(r.terminationChannel, 'Sms')

  r = await tl.record(lastListed)
  t.equal(r.status, 'Failed')
  t.equal(r.statusCode, '2')
  r = await tl.record(lastNotListed)
  t.equal(r.status, 'Failed')
  t.equal(r.statusCode, '3')
})

t.test('a single Voice step: the call states and its duration', async (t) => {
  const tl = await timeline(t)
  const answered = await tl.send({ flow: [voiceStep('+306900000000')] })
  const busy = await tl.send({ flow: [voiceStep('+306900000001')] })
  const cut = await tl.send({ flow: [voiceStep('+306912345678')] }, { outcome: 'Voice=Terminated' })
  await tl.idle()
  const a = (await tl.record(answered)).messages[0]
  t.equal(story(tl, a.messageId), 'Queued@0 Initiated@1 Ringing@2 InProgress@4 Completed@10')
  t.equal(a.duration, 6)
  const b = (await tl.record(busy)).messages[0]
  t.equal(story(tl, b.messageId), 'Queued@0 Initiated@1 Ringing@2 Busy@10')
  t.equal(b.duration, 0, 'never answered')
  const c = await tl.record(cut)
  t.equal(story(tl, c.messages[0].messageId), 'Queued@0 Initiated@1 Ringing@2 InProgress@4 Terminated@10')
  t.equal(c.messages[0].duration, 6)
  t.equal(c.status, 'Failed')
  t.equal(c.statusCode, '1', 'Terminated (the balance ran out during the call) is not listed by default: the balance code')
})
