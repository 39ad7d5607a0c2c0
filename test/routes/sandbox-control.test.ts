import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import type { FetchLike } from '../../src/engine/callbacks.js'
import { advance, checkControlPlaneContract, bearer, FakeTime, build, control, fixture, send, settle, smsStep, timeline, token, tracking, viberStep, voiceStep } from '../helper.js'

// every /_sandbox answer here must match the committed OpenAPI document
checkControlPlaneContract()

// sandbox.md "Seeing what happened" and "Accounts are namespaces": GET/DELETE /_sandbox/messages,
// GET /_sandbox/flows/{id}/wait, POST/DELETE /_sandbox/accounts, POST /_sandbox/reset.

// the seed example asks for a callback: answer it here instead of on the network
const quiet: FetchLike = async () => ({ status: 200 })
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

t.test('GET /_sandbox/messages: what each recipient would have seen or heard, newest first', async (t) => {
  const tl = await timeline(t, { fetch: quiet })
  const seed = await tl.send(fixture('seed-example.json'), { transactional: true, outcome: 'Viber=UNDELIVERED' })
  await tl.at(1)
  const otp = await tl.send({
    flow: [{
      type: 'Viber',
      senderInfoTrackingId: 'your-sender-info-tracking-id',
      to: '+306912345001',
      templateId: 'c2cdc028-a48b-4187-bbaf-3aaa137b6e23',
      templateLang: 'en',
      templateParams: { pin: 4321 },
      order: 1,
      failoverOnStatuses: ['FAILED']
    }]
  }, { transactional: true })
  await tl.at(1.5)
  const rich = await tl.send({ flow: [viberStep('+306912345002', { senderInfoTrackingId: '0094d198-4dd2-4fb5-b451-d46aca191b27', message: { text: 'Sale!', imageUrl: 'https://example.com/a.png', action: { caption: 'Shop', targetUrl: 'https://example.com/shop' } } })] })
  await tl.at(2.5)
  const call = await tl.send({
    flow: [voiceStep('+306912345003', {
      dialPlan: {
        verbs: [
          { type: 'SAY', message: { text: 'Hello', language: 'en-GB', gender: 'male' } },
          { type: 'PLAY', fileURL: 'https://example.com/tone.mp3' },
          { type: 'SAY', message: { text: 'Γεια σας', language: 'el-GR' } }
        ]
      }
    })]
  })
  await tl.at(3)
  const unicode = await tl.send({ flow: [smsStep('+306912345004', { message: { body: 'Καλημέρα '.repeat(10), flash: true } })] })

  const res = await control(tl.app, 'GET', '/messages')
  t.equal(res.statusCode, 200)
  const list = res.json()
  t.same(list.map((m: any) => m.trackingId), [unicode, call, seed, rich, otp, seed], 'newest first (the seed flow’s SMS started at 2 s)')

  const [sms, voice, seedSms, viber, otpViber, seedViber] = list
  t.match(seedViber, {
    messageId: String,
    trackingId: seed,
    flowKind: 'transactional',
    channel: 'Viber',
    to: '+306912345678',
    status: 'UNDELIVERED',
    createdAt: ISO,
    updatedAt: ISO,
    from: 'YourBrand',
    viber: { text: 'Hello Alex, your order is on its way.', templateId: '0aac888f-2ee2-4112-9659-1755a951966a', templateLang: 'en' }
  })
  t.equal(otpViber.viber.text, 'Your verification code is 4321. Do not share it.', 'number parameters are rendered too')
  t.match(seedSms, { channel: 'Sms', from: 'YourBrand', sms: { text: 'We could not reach you on Viber.', encoding: 'GSM7', parts: 1, flash: false } })
  t.equal(viber.from, 'Routee', 'the sender’s display name')
  t.same(viber.viber, { text: 'Sale!', imageUrl: 'https://example.com/a.png', button: { caption: 'Shop', targetUrl: 'https://example.com/shop' }, video: null, file: null })
  t.same(voice.voice, {
    say: [{ text: 'Hello', language: 'en-GB', gender: 'male' }, { text: 'Γεια σας', language: 'el-GR', gender: null }],
    play: ['https://example.com/tone.mp3']
  })
  t.equal(voice.from, 'Sandbox')
  t.same(sms.sms, { text: 'Καλημέρα '.repeat(10), encoding: 'UCS2', parts: 2, flash: true }, '90 UCS-2 characters: 2 parts')

  // the ids are the ones /_sandbox/messages/{id}/status takes
  const record = await tl.record(seed)
  t.equal(seedViber.messageId, record.messages[0].trackingId)
  t.equal(seedSms.messageId, record.messages[1].messageId)

  // filters
  const ids = async (query: string): Promise<string[]> => (await control(tl.app, 'GET', `/messages${query}`)).json().map((m: any) => m.messageId)
  t.same(await ids(`?trackingId=${seed}`), [seedSms.messageId, seedViber.messageId])
  t.same(await ids('?channel=viber'), [viber.messageId, otpViber.messageId, seedViber.messageId], 'channel, any case')
  t.same(await ids(`?to=${encodeURIComponent('+306912345003')}`), [voice.messageId])
  t.same(await ids('?status=undelivered'), [seedViber.messageId], 'status, any case')
  t.same(await ids('?limit=2'), [sms.messageId, voice.messageId])
  t.equal((await control(tl.app, 'GET', '/messages?limit=0')).statusCode, 400)
})

t.test('DELETE /_sandbox/messages clears the list, not the flows', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [smsStep()] })
  const del = await control(tl.app, 'DELETE', '/messages')
  t.equal(del.statusCode, 204)
  t.equal(del.body, '')
  t.same((await control(tl.app, 'GET', '/messages')).json(), [])
  t.equal((await tl.record(id)).messages.length, 1, 'tracking still has the message')
  await tl.idle()
  t.same((await control(tl.app, 'GET', '/messages')).json(), [], 'a cleared message stays cleared when its status changes')
  const next = await tl.send({ flow: [smsStep('+306912345679')] })
  t.same((await control(tl.app, 'GET', '/messages')).json().map((m: any) => m.trackingId), [next], 'new messages are listed again')
})

t.test('GET /_sandbox/flows/{id}/wait returns once the flow gets there', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep('+306900000100'), smsStep('+306900000100', { order: 2 })] })
  const waiting = control(tl.app, 'GET', `/flows/${id}/wait?timeoutMs=5000`)
  await settle()
  await tl.at(1)
  await tl.at(5)
  const res = await waiting
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().trackingId, id)
  t.equal(res.json().status, 'Succeeded', 'the tracking record once Succeeded')
  t.same(res.json(), await tl.record(id))

  const now = await control(tl.app, 'GET', `/flows/${id}/wait?timeoutMs=0`)
  t.equal(now.statusCode, 200, 'already there: at once, even with no time to wait')
  const inProgress = await tl.send({ flow: [viberStep()] }, { outcome: 'Viber=MANUAL' })
  const custom = await control(tl.app, 'GET', `/flows/${inProgress}/wait?status=inprogress&timeoutMs=1000`)
  t.equal(custom.statusCode, 200, 'any flow status, in any case')
  t.equal(custom.json().status, 'InProgress')
})

t.test('wait: 408 when the flow does not get there in time; 404 for unknown and other accounts’ flows', async (t) => {
  const time = new FakeTime()
  const tl = await timeline(t, { time })
  const id = await tl.send({ flow: [viberStep()] }, { outcome: 'Viber=MANUAL' })
  let answered = false
  const waiting = control(tl.app, 'GET', `/flows/${id}/wait?timeoutMs=150`).then((r) => { answered = true; return r })
  await time.advance(149)
  t.notOk(answered, 'still waiting 1 ms before the timeout')
  await time.advance(1)
  t.ok(answered, 'answered at the timeout')
  let res = await waiting
  t.equal(res.statusCode, ERRORS.WAIT_TIMEOUT.status)
  t.equal(res.json().code, ERRORS.WAIT_TIMEOUT.code)
  t.equal(res.json().type, ERRORS.WAIT_TIMEOUT.type)
  t.match(res.json().developerMessage, 'within 150 ms')
  res = await control(tl.app, 'GET', '/flows/00000000-0000-4000-8000-000000000000/wait?timeoutMs=100')
  t.equal(res.statusCode, 404)
  t.equal(res.json().developerMessage, ERRORS.TRACKING_NOT_FOUND.message)
  const other = (await control(tl.app, 'POST', '/accounts', {})).json()
  res = await control(tl.app, 'GET', `/flows/${id}/wait?timeoutMs=100`, undefined, other.accountId)
  t.equal(res.statusCode, 404)
  res = await control(tl.app, 'GET', `/flows/${id}/wait?timeoutMs=-1`)
  t.equal(res.statusCode, 400)
  res = await control(tl.app, 'GET', `/flows/${id}/wait?status=Succeeded,Done&timeoutMs=100`)
  t.equal(res.statusCode, 400, 'a status a flow never has')
  t.match(res.json().properties.status, '"Done" is not a flow status')
  const late = control(tl.app, 'GET', `/flows/${id}/wait?status=succeeded&timeoutMs=10`)
  await time.advance(10)
  res = await late
  t.match(res.json().developerMessage, 'did not reach Succeeded within 10 ms', 'statuses named in the provider spelling')
})

t.test('wait: a flow removed while it is awaited is a 404, not a crash', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [viberStep()] }, { outcome: 'Viber=MANUAL' })
  const messageId = (await tl.record(id)).messages[0].trackingId
  const waiting = control(tl.app, 'GET', `/flows/${id}/wait?timeoutMs=3000`)
  await settle()
  // the change is told to listeners after its transaction; the flow is gone by then
  tl.app.engine.forceStatus('sandbox', messageId, 'DELIVERED')
  tl.app.store.resetAccount('sandbox', tl.app.store.accounts.get('sandbox')!.seed, tl.app.engine.now('sandbox'))
  const res = await waiting
  t.equal(res.statusCode, 404)
  t.equal(res.json().developerMessage, ERRORS.TRACKING_NOT_FOUND.message)
})

t.test('accounts are namespaces: flows, clocks, balances and rules do not cross', async (t) => {
  const app = await build(t)
  const created = await control(app, 'POST', '/accounts', { name: 'ci-job-1', balance: 5 })
  t.equal(created.statusCode, 200, created.body)
  const acc = created.json()
  t.match(acc, { accountId: String, applicationId: String, applicationSecret: String })
  t.not(acc.applicationId, 'sandbox-app')
  const mine = await token(app, { id: acc.applicationId, secret: acc.applicationSecret })
  const seedTok = await token(app)

  // seed senders, templates and the given balance were copied in
  const res = await send(app, mine, fixture('seed-example.json'))
  t.equal(res.statusCode, 200, res.body)
  const id = res.json().trackingId
  const record = await tracking(app, mine, id)
  t.equal(record.applicationId, acc.applicationId)
  t.equal(record.messages[0].seq, 1, 'its own seq counter')
  const balance = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(mine) })
  t.equal(balance.json().balance, 4.9907)
  const seedBalance = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(seedTok) })
  t.equal(seedBalance.json().balance, 100)

  // clocks: advancing one account leaves the other where it was
  const seedBefore = (await control(app, 'GET', '/clock')).json().now
  const accBefore = (await control(app, 'GET', '/clock', undefined, acc.accountId)).json().now
  await advance(app, { seconds: 600 }, acc.accountId)
  t.equal((await control(app, 'GET', '/clock')).json().now, seedBefore, 'the seed account’s clock did not move')
  t.equal(Date.parse((await control(app, 'GET', '/clock', undefined, acc.accountId)).json().now) - Date.parse(accBefore), 600_000)
  t.equal((await tracking(app, mine, id)).messages[0].status.name, 'SEEN')

  // control routes pick the account: X-Sandbox-Account, else the bearer token's, else sandbox
  const byToken = await app.inject({ method: 'GET', url: '/_sandbox/clock', headers: bearer(mine) })
  t.equal(byToken.json().now, (await control(app, 'GET', '/clock', undefined, acc.accountId)).json().now, 'the bearer token names the account')
  const headerWins = await app.inject({ method: 'GET', url: '/_sandbox/clock', headers: { ...bearer(mine), 'x-sandbox-account': 'sandbox' } })
  t.equal(headerWins.json().now, seedBefore, 'X-Sandbox-Account wins over the token')

  // scenario rules and messages are per account
  await control(app, 'PUT', '/scenarios', [{ channel: 'Sms', outcome: 'Failed' }], acc.accountId)
  t.same((await control(app, 'GET', '/scenarios')).json(), [])
  t.equal((await control(app, 'GET', '/messages')).json().length, 0, 'the seed account sent nothing')
  t.equal((await control(app, 'GET', '/messages', undefined, acc.accountId)).json().length, 1)
  const search = await app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(seedTok), payload: [] })
  t.equal(search.json().totalElements, 0)

  // a clock option for the new account
  const realtime = (await control(app, 'POST', '/accounts', { clock: 'realtime', scale: 60 })).json()
  const view = (await control(app, 'GET', '/clock', undefined, realtime.accountId)).json()
  t.same([view.mode, view.scale], ['realtime', 60])
  t.equal((await control(app, 'GET', '/clock')).json().mode, 'manual', 'the others keep theirs')

  t.equal((await control(app, 'POST', '/accounts', { clock: 'fast' })).statusCode, 400)
  t.equal((await control(app, 'POST', '/accounts', { balance: -1 })).statusCode, 400)
})

t.test('DELETE /_sandbox/accounts/{id} removes the account and everything in it', async (t) => {
  const app = await build(t)
  const acc = (await control(app, 'POST', '/accounts')).json()
  const mine = await token(app, { id: acc.applicationId, secret: acc.applicationSecret })
  const sent = await send(app, mine, { flow: [viberStep()] }, { transactional: false })
  t.equal(sent.statusCode, 200)
  let res = await control(app, 'DELETE', `/accounts/${acc.accountId}`)
  t.equal(res.statusCode, 204)
  res = await control(app, 'GET', '/clock', undefined, acc.accountId)
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, ERRORS.ACCOUNT_NOT_FOUND.code)
  t.match(res.json().developerMessage, `Account ${acc.accountId} not found`)
  res = await app.inject({ method: 'GET', url: `/failover/tracking/${sent.json().trackingId}`, headers: bearer(mine) })
  t.equal(res.statusCode, 401, 'its tokens are gone')
  res = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: 'Basic ' + Buffer.from(`${acc.applicationId}:${acc.applicationSecret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
  t.equal(res.statusCode, 401, 'and its application')
  res = await control(app, 'DELETE', `/accounts/${acc.accountId}`)
  t.equal(res.statusCode, 404, 'deleting twice')
  t.equal(res.json().developerMessage, ERRORS.ACCOUNT_NOT_FOUND.message)
  t.equal(app.store.events.pending(acc.accountId), 0, 'no due events left behind')
  // the seed account still works, and its clock runs as before
  const adv = await advance(app, { until: 'idle' })
  t.equal(adv.eventsRun, 0)
})

t.test('POST /_sandbox/reset: flows, messages and pending events gone; seed balance and templates back', async (t) => {
  const tl = await timeline(t)
  const pending = await tl.send({ flow: [viberStep(undefined, { ttl: 1 }), smsStep(undefined, { order: 2 })] }, { outcome: 'Viber=EXPIRED' })
  await control(tl.app, 'PUT', '/balance', { balance: 3 })
  await control(tl.app, 'PUT', '/scenarios', [{ channel: 'Sms', outcome: 'Failed' }])
  const created = await tl.app.inject({
    method: 'POST',
    url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id',
    headers: bearer(tl.tok),
    payload: { name: 'extra', languages: { en: 'Hi {{name}}' } }
  })
  t.equal(created.statusCode, 200, created.body)
  const approve = await control(tl.app, 'POST', '/templates/5b0f3c1e-7a57-4c0e-9d43-3f4f8a1c2d10/approve')
  t.equal(approve.statusCode, 200)
  await tl.at(10)
  const clockBefore = (await control(tl.app, 'GET', '/clock')).json()

  // another account is not touched
  const other = (await control(tl.app, 'POST', '/accounts')).json()
  const otherTok = await token(tl.app, { id: other.applicationId, secret: other.applicationSecret })
  const otherFlow = (await send(tl.app, otherTok, { flow: [smsStep()] }, { transactional: false })).json().trackingId

  const res = await control(tl.app, 'POST', '/reset')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { accountId: 'sandbox', reset: true })

  const r = await tl.app.inject({ method: 'GET', url: `/failover/tracking/${pending}`, headers: bearer(tl.tok) })
  t.equal(r.statusCode, 404, 'flows are gone')
  t.same((await control(tl.app, 'GET', '/messages')).json(), [], 'messages are gone')
  t.equal((await tl.app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tl.tok) })).json().balance, 100, 'seed balance')
  const list = (await tl.app.inject({ method: 'GET', url: '/viber/transactional/templates', headers: bearer(tl.tok) })).json()
  t.same(list.map((x: any) => x.name).sort(), ['delivery_window', 'flash_sale', 'login_code', 'order_update'], 'seed templates, no others')
  t.equal(list.find((x: any) => x.name === 'delivery_window').status, 'PENDING', 'review undone')
  t.equal((await tl.idle()), 10, 'no due events left: the expiry at 60 s is gone')
  // sandbox choice: the clock and the scenario rules stay as they were
  t.same((await control(tl.app, 'GET', '/clock')).json(), clockBefore)
  t.same((await control(tl.app, 'GET', '/scenarios')).json(), [{ channel: 'Sms', outcome: 'Failed' }])
  t.equal((await tracking(tl.app, otherTok, otherFlow)).trackingId, otherFlow, 'the other account keeps its flow')
  // the account works after a reset
  const again = await tl.send({ flow: [smsStep()] })
  await tl.idle()
  const fresh = await tl.record(again)
  t.equal(fresh.messages[0].status.name, 'Failed', 'the rules still apply')
  t.equal(fresh.messages[0].createdAt, clockBefore.now)
})

t.test('control routes on an account that does not exist are 404', async (t) => {
  const app = await build(t)
  for (const [method, url, body] of [['GET', '/clock'], ['POST', '/clock/advance', { seconds: 1 }], ['GET', '/messages'], ['PUT', '/scenarios', []], ['POST', '/reset'], ['PUT', '/balance', { balance: 1 }]] as const) {
    const res = await control(app, method, url, body, 'no-such-account')
    t.equal(res.statusCode, 404, `${method} ${url}`)
    t.equal(res.json().code, ERRORS.ACCOUNT_NOT_FOUND.code)
  }
})
