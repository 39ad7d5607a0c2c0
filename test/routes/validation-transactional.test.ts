import t, { type Test } from 'tap'
import { accepted, bearer, build, fixture, send, smsStep, templateViberStep, token, voiceStep, refused } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import type { App } from '../../src/app.js'
import type { Config } from '../../src/config.js'

// provider-api.md §3 and transactional-failover.seed.txt: POST /failover/transactional

type Res = Awaited<ReturnType<typeof send>>
type Step = Record<string, unknown>

const SENDER = 'your-sender-info-tracking-id'
const OTHER_SENDER = '0094d198-4dd2-4fb5-b451-d46aca191b27'
const TEMPLATE = '0aac888f-2ee2-4112-9659-1755a951966a' // APPROVED, en, {{customer_name}}
const OTP = 'c2cdc028-a48b-4187-bbaf-3aaa137b6e23' // APPROVED OTP, en, {{pin}}
const PENDING = '5b0f3c1e-7a57-4c0e-9d43-3f4f8a1c2d10' // {{from_time}} {{to_time}}
const REJECTED = '9e8d7c6b-5a49-4f3e-8d2c-1b0a9f8e7d6c' // {{customer_name}} {{discount}}

interface Ctx { app: App, tok: string, post: (body: unknown) => Promise<Res> }

async function setup (t: Test, config: Partial<Config> = {}): Promise<Ctx> {
  const app = await build(t, { config })
  const tok = await token(app)
  return { app, tok, post: async (body) => await send(app, tok, body) }
}

/** A template Viber step of the seed template, as the seed page writes it. */
const tv = (extra: Step = {}): Step => templateViberStep('+306912345678', extra)
const flow = (...steps: Step[]): { flow: Step[] } => ({ flow: steps })

t.test('the seed page example returns 200 as written, echoed with flowKind, seq and defaults', async (t) => {
  const { app, tok, post } = await setup(t)
  const example = fixture('seed-example.json')
  const res = await post(example)
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['callback', 'createdAt', 'flow', 'flowKind', 'trackingId'])
  t.equal(body.flowKind, 'transactional')
  t.same(body.flow[0], { ...example.flow[0], seq: 1, expireOnDelivery: false }, 'the Viber step echoed with seq and its one missing default')
  t.same(body.flow[1], { ...example.flow[1], message: { ...example.flow[1].message, flash: false } }, 'the Sms step echoed with flash filled in')
  t.same(body.callback, example.callback)
  const record = await app.inject({ method: 'GET', url: `/failover/tracking/${String(body.trackingId)}`, headers: bearer(tok) })
  t.equal(record.json().flowKind, 'transactional')
  t.match(record.json().messages[0], { templateId: TEMPLATE, templateLang: 'en', templateParams: { customer_name: 'Alex' }, deliveryScope: 'PRIMARY_DEVICE', seq: 1 })
})

t.test('each mistake of the seed page\'s table answers its own message', async (t) => {
  const { app, tok, post } = await setup(t)
  const messages = new Map<string, string>()
  const keep = (name: string, res: Res): void => { messages.set(name, res.json().developerMessage) }

  const viberMessage = await post(flow(tv({ message: { text: 'Hello' } })))
  refused(t, viberMessage, 'flow[0].message', ERRORS.VIBER_MESSAGE_ON_TRANSACTIONAL.message, 'Viber message on /failover/transactional')
  t.match(ERRORS.VIBER_MESSAGE_ON_TRANSACTIONAL.message, 'use template fields')
  keep('viber message', viberMessage)

  const templateOnStandard = await send(app, tok, fixture('seed-example.json'), { transactional: false })
  refused(t, templateOnStandard, 'flow[0].templateId', ERRORS.TEMPLATE_ON_STANDARD.message, 'templateId on /failover')
  t.match(ERRORS.TEMPLATE_ON_STANDARD.message, 'use /failover/transactional')
  keep('template on standard', templateOnStandard)

  const unknown = await post(flow(tv({ templateId: '00000000-0000-4000-8000-000000000000' })))
  refused(t, unknown, 'flow[0].templateId', ERRORS.TEMPLATE_UNKNOWN.message, 'unknown template')
  keep('unknown template', unknown)

  const pending = await post(flow(tv({ templateId: PENDING, templateParams: { from_time: '9:00', to_time: '11:00' } })))
  refused(t, pending, 'flow[0].templateId', 'the template is PENDING, not APPROVED: wait for approval or use an approved template.', 'PENDING template')
  t.equal(pending.json().properties['flow[0].templateId'].slice(-60), ERRORS.TEMPLATE_NOT_APPROVED.message.slice(-60), 'the catalog advice')
  keep('pending template', pending)

  const rejected = await post(flow(tv({ templateId: REJECTED, templateParams: { customer_name: 'A', discount: 10 } })))
  refused(t, rejected, 'flow[0].templateId', 'the template is REJECTED, not APPROVED: wait for approval or use an approved template.', 'REJECTED template')
  keep('rejected template', rejected)

  await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 0 } })
  const broke = await post(flow(tv()))
  t.equal(broke.statusCode, 400)
  t.equal(broke.json().code, '400001009')
  t.equal(broke.json().type, 'InsufficientBalance')
  t.match(broke.json().developerMessage, /^Insufficient balance: the first step \(Viber\) costs 0\.0093 EUR and the balance is 0 EUR; top up the account/)
  keep('insufficient balance', broke)

  t.equal(new Set(messages.values()).size, messages.size, 'no two mistakes share a message')
})

t.test('Viber message or label on this endpoint → 400 telling the client to use template fields', async (t) => {
  const { post } = await setup(t)
  for (const message of [{ text: 'Hi' }, { imageUrl: 'https://cdn.example.com/i.png' }, {}, 'Hi']) {
    refused(t, await post(flow(tv({ message }))), 'flow[0].message', ERRORS.VIBER_MESSAGE_ON_TRANSACTIONAL.message, `message ${JSON.stringify(message)}`)
  }
  refused(t, await post(flow(tv({ label: 'campaign' }))), 'flow[0].label', ERRORS.LABEL_ON_TRANSACTIONAL.message, 'label')
  const both = await post(flow(tv({ message: { text: 'Hi' }, label: 'x' })))
  t.same(Object.keys(both.json().properties).sort(), ['flow[0].label', 'flow[0].message'])
  // a step with a message but no template is refused for the missing template fields as well
  const legacy = await post(flow({ type: 'Viber', senderInfoTrackingId: SENDER, to: '+306912345678', message: { text: 'Hi' }, order: 1, failoverOnStatuses: ['EXPIRED'] }))
  t.equal(legacy.statusCode, 400)
  t.match(legacy.json().properties, { 'flow[0].message': ERRORS.VIBER_MESSAGE_ON_TRANSACTIONAL.message, 'flow[0].templateId': ERRORS.FIELD_REQUIRED.message, 'flow[0].templateLang': ERRORS.FIELD_REQUIRED.message })
})

t.test('template steps need templateId, templateLang, failoverOnStatuses, order, sender and to', async (t) => {
  const { post } = await setup(t)
  for (const field of ['templateId', 'templateLang', 'failoverOnStatuses', 'order', 'senderInfoTrackingId', 'to']) {
    refused(t, await post(flow(tv({ [field]: undefined }))), `flow[0].${field}`, ERRORS.FIELD_REQUIRED.message, `no ${field}`)
  }
  refused(t, await post(flow(tv({ templateId: '' }))), 'flow[0].templateId', 'must not be empty.', 'empty templateId')
  refused(t, await post(flow(tv({ templateLang: '' }))), 'flow[0].templateLang', 'must not be empty.', 'empty templateLang')
})

t.test('templates: unknown, another sender\'s, not APPROVED, language not offered', async (t) => {
  const { post } = await setup(t)
  refused(t, await post(flow(tv({ templateId: 'not-a-uuid' }))), 'flow[0].templateId', ERRORS.TEMPLATE_UNKNOWN.message, 'not a UUID')
  refused(t, await post(flow(tv({ senderInfoTrackingId: OTHER_SENDER }))), 'flow[0].templateId', ERRORS.TEMPLATE_UNKNOWN.message, 'a template of another sender')
  refused(t, await post(flow(tv({ senderInfoTrackingId: 'no-such-sender' }))), 'flow[0].senderInfoTrackingId', ERRORS.SENDER_UNKNOWN.message, 'unknown sender')
  refused(t, await post(flow(tv({ senderInfoTrackingId: 'inactive-sender' }))), 'flow[0].senderInfoTrackingId', ERRORS.SENDER_INACTIVE.message, 'inactive sender')
  refused(t, await post(flow(tv({ templateLang: 'de' }))), 'flow[0].templateLang', 'the template has no "de" text: use one of en.', 'language de')
  refused(t, await post(flow(tv({ templateLang: 'EN' }))), 'flow[0].templateLang', 'the template has no "EN" text: use one of en.', 'language codes are case-sensitive')
  t.match(ERRORS.TEMPLATE_LANGUAGE.message, 'use one of its languages')
  const pending = await post(flow(tv({ templateId: PENDING, templateParams: { from_time: '9:00', to_time: '11:00' } })))
  t.same(Object.keys(pending.json().properties), ['flow[0].templateId'], 'a PENDING template with good parameters: only its status is wrong')
})

t.test('templateParams: every placeholder given, no extra, values ≤ 50 chars without links, integers only', async (t) => {
  const { post } = await setup(t)
  const params = (templateParams: unknown): { flow: Step[] } => flow(tv({ templateParams }))
  const path = 'flow[0].templateParams.customer_name'
  t.same(accepted(t, await post(params({ customer_name: 'x'.repeat(50) })), '50 characters')?.templateParams, { customer_name: 'x'.repeat(50) })
  t.same(accepted(t, await post(params({ customer_name: 42 })), 'an integer')?.templateParams, { customer_name: 42 })
  accepted(t, await post(params({ customer_name: -7 })), 'a negative integer')
  accepted(t, await post(params({ customer_name: 'Mr. Smith' })), 'a dot is not a link')
  accepted(t, await post(params({ customer_name: 'example.com' })), 'a bare domain is not a link (sandbox choice)')
  refused(t, await post(params({})), path, ERRORS.TEMPLATE_PARAM_MISSING.message, 'missing placeholder')
  refused(t, await post(flow(tv({ templateParams: undefined }))), path, ERRORS.TEMPLATE_PARAM_MISSING.message, 'templateParams left out (default {})')
  refused(t, await post(params({ customer_name: 'A', coupon: 'X1' })), 'flow[0].templateParams.coupon', ERRORS.TEMPLATE_PARAM_UNKNOWN.message, 'an extra parameter')
  refused(t, await post(params({ customer_name: 'x'.repeat(51) })), path, ERRORS.TEMPLATE_PARAM_TOO_LONG.message, '51 characters')
  for (const link of ['see https://example.com', 'http://a.b', 'HTTPS://EXAMPLE.COM', 'www.example.com', 'ftp://files']) {
    refused(t, await post(params({ customer_name: link })), path, ERRORS.TEMPLATE_PARAM_LINK.message, `link "${link}"`)
  }
  refused(t, await post(params({ customer_name: 1.5 })), path, 'number values must be integers.', 'a fraction')
  for (const value of [true, null, { first: 'A' }, ['A']]) {
    refused(t, await post(params({ customer_name: value })), path, ERRORS.TEMPLATE_PARAM_TYPE.message, `value ${JSON.stringify(value)}`)
  }
  refused(t, await post(params('customer_name=Alex')), 'flow[0].templateParams', 'must be an object.', 'templateParams as a string')
})

t.test('OTP templates need pin', async (t) => {
  const { post } = await setup(t)
  const otp = (templateParams?: unknown): { flow: Step[] } => flow(tv({ templateId: OTP, templateParams }))
  t.same(accepted(t, await post(otp({ pin: '123456' })), 'pin as text')?.templateParams, { pin: '123456' })
  accepted(t, await post(otp({ pin: 4321 })), 'pin as an integer')
  refused(t, await post(otp({})), 'flow[0].templateParams.pin', ERRORS.OTP_PIN_MISSING.message, 'no pin')
  refused(t, await post(otp()), 'flow[0].templateParams.pin', ERRORS.OTP_PIN_MISSING.message, 'no templateParams')
  refused(t, await post(otp({ code: '1234' })), 'flow[0].templateParams.pin', ERRORS.OTP_PIN_MISSING.message, 'code instead of pin')
})

t.test('deliveryScope PRIMARY_DEVICE by default, or ALL_DEVICES', async (t) => {
  const { post } = await setup(t)
  t.equal(accepted(t, await post(flow(tv())), 'default')?.deliveryScope, 'PRIMARY_DEVICE')
  t.equal(accepted(t, await post(flow(tv({ deliveryScope: 'ALL_DEVICES' }))), 'ALL_DEVICES')?.deliveryScope, 'ALL_DEVICES')
  refused(t, await post(flow(tv({ deliveryScope: 'all_devices' }))), 'flow[0].deliveryScope', 'must be one of PRIMARY_DEVICE, ALL_DEVICES.', 'lower case')
})

t.test('seq: assigned increasing per account when absent, echoed as given', async (t) => {
  const { app, post } = await setup(t)
  const seqs = async (body: unknown): Promise<unknown[]> => (await post(body)).json().flow.map((s: any) => s.seq)
  t.same(await seqs(flow(tv())), [1], 'the first')
  t.same(await seqs(flow(tv())), [2], 'the next')
  t.same(await seqs(flow(tv({ seq: 42 }))), [42], 'given: echoed')
  t.same(await seqs(flow(tv())), [3], 'a given seq does not move the counter (sandbox choice)')
  t.same(await seqs(flow(tv(), tv({ order: 2 }), smsStep('+306912345678', { order: 3 }))), [4, 5, undefined], 'one per template step, in array order; none on Sms')
  t.same(await seqs(flow(tv({ seq: 0 }))), [0], 'seq 0')
  refused(t, await post(flow(tv({ seq: -1 }))), 'flow[0].seq', 'must be >= 0.', 'negative')
  refused(t, await post(flow(tv({ seq: 1.5 }))), 'flow[0].seq', 'must be an integer.', 'fraction')
  refused(t, await post(flow(tv({ seq: '7' }))), 'flow[0].seq', 'must be an integer.', 'a string is not coerced')
  t.same(await seqs(flow(tv())), [6], 'refused flows consume nothing')

  const created = (await app.inject({ method: 'POST', url: '/_sandbox/accounts', payload: {} })).json()
  const other = await token(app, { id: created.applicationId, secret: created.applicationSecret })
  t.same((await send(app, other, flow(tv()))).json().flow[0].seq, 1, 'another account counts from 1')
  t.same(await seqs(flow(tv())), [7], 'and this one goes on')
})

t.test('template Viber ttl: as §2, default 10 (the seed page marks it required but gives the default)', async (t) => {
  const { post } = await setup(t)
  t.equal(accepted(t, await post(flow(tv({ ttl: undefined }))), 'no ttl')?.ttl, 10)
  for (const ttl of [0.5, 2.5, 1440]) t.equal(accepted(t, await post(flow(tv({ ttl }))), `ttl ${ttl}`)?.ttl, ttl)
  refused(t, await post(flow(tv({ ttl: 0.4 }))), 'flow[0].ttl', 'must be >= 0.5.', 'ttl 0.4')
  refused(t, await post(flow(tv({ ttl: 1441 }))), 'flow[0].ttl', 'must be <= 1440.', 'ttl 1441')
  refused(t, await post(flow(tv({ ttl: 2.55 }))), 'flow[0].ttl', ERRORS.VIBER_TTL_PRECISION.message, 'ttl 2.55')
  refused(t, await post(flow(tv({ ttl: '10' }))), 'flow[0].ttl', 'must be a number.', 'ttl "10"')
  t.equal(accepted(t, await post(flow(tv({ expireOnDelivery: true, inboundUrl: 'https://example.com/in' }))), 'expireOnDelivery and inboundUrl')?.expireOnDelivery, true)
})

t.test('template Viber failoverOnStatuses: required, case-insensitive, Viber statuses only', async (t) => {
  const { post } = await setup(t)
  t.same(accepted(t, await post(flow(tv({ failoverOnStatuses: ['expired', 'Failed'] }))), 'mixed case')?.failoverOnStatuses, ['expired', 'Failed'])
  t.same(accepted(t, await post(flow(tv({ failoverOnStatuses: [] }))), 'empty')?.failoverOnStatuses, [])
  refused(t, await post(flow(tv({ failoverOnStatuses: ['Undelivered', 'Busy'] }))), 'flow[0].failoverOnStatuses[1]', '"Busy" is not a final status of Viber: use EXPIRED, FAILED, UNDELIVERED.', 'Busy')
  refused(t, await post(flow(tv({ failoverOnStatuses: undefined }))), 'flow[0].failoverOnStatuses', ERRORS.FIELD_REQUIRED.message, 'none')
})

t.test('Viber to must be a valid mobile number here too', async (t) => {
  const { post } = await setup(t)
  refused(t, await post(flow(tv({ to: '+302101234567' }))), 'flow[0].to', ERRORS.PHONE_NOT_MOBILE.message, 'landline')
  refused(t, await post(flow(tv({ to: '+301234567890' }))), 'flow[0].to', ERRORS.PHONE_INVALID.message, 'invalid')
  refused(t, await post(flow(tv({ to: '00306912345678' }))), 'flow[0].to', ERRORS.PHONE_FORMAT.message, 'not E.164')
})

t.test('Sms and Voice steps follow §2 on this endpoint', async (t) => {
  const { post } = await setup(t)
  const s = accepted(t, await post(flow(smsStep('+306912345678'))), 'Sms')
  t.equal(s?.ttl, 1200)
  t.same(s?.failoverOnStatuses, ['Undelivered', 'Failed'], 'failoverOnStatuses optional for Sms, defaulted')
  t.same(accepted(t, await post(flow(voiceStep('+306912345678'))), 'Voice')?.failoverOnStatuses, ['Busy', 'NoAnswer'])
  refused(t, await post(flow(smsStep('+306912345678', { ttl: 1441 }))), 'flow[0].ttl', 'must be <= 1440.', 'Sms ttl')
  refused(t, await post(flow(smsStep('+306912345678', { ttl: 1.5 }))), 'flow[0].ttl', 'must be an integer.', 'Sms ttl 1.5')
  refused(t, await post(flow(smsStep('+306912345678', { from: 'Your Brand' }))), 'flow[0].from', ERRORS.SMS_SENDER.message, 'Sms from')
  refused(t, await post(flow(voiceStep('+306912345678', { ttl: 10 }))), 'flow[0].ttl', ERRORS.VOICE_TTL.message, 'Voice ttl')
  refused(t, await post(flow(voiceStep('+306912345678', { to: {} }))), 'flow[0].to', ERRORS.VOICE_TO_EMPTY.message, 'Voice to')
  const spelled = accepted(t, await post(flow(voiceStep('+306912345678', { dialPlan: undefined, dialPlans: { verbs: [{ type: 'PLAY', fileURL: 'https://x.io/a.wav' }] } }))), 'dialPlans')
  t.same(spelled?.dialPlan, { verbs: [{ type: 'PLAY', fileURL: 'https://x.io/a.wav', repeat: 0 }] })
  const mixed = await post({ flow: [tv(), smsStep('+306912345678', { order: 2 }), voiceStep('+306912345678', { order: 3 })] })
  t.equal(mixed.statusCode, 200, 'Viber template → Sms → Voice')
  t.same(mixed.json().flow.map((x: any) => x.type), ['Viber', 'Sms', 'Voice'])
})

t.test('1–10 steps; callback rules as §2', async (t) => {
  const { post } = await setup(t)
  const ten = Array.from({ length: 10 }, (_, i) => tv({ order: i + 1 }))
  t.equal((await post({ flow: ten })).statusCode, 200, 'ten steps')
  refused(t, await post({ flow: [...ten, tv({ order: 11 })] }), 'flow', 'must have at most 10 items.', 'eleven')
  refused(t, await post({ flow: [] }), 'flow', 'must not be empty.', 'none')
  refused(t, await post({ flow: [tv()], callback: { url: 'https://x.io', strategy: 'Sometimes' } }), 'callback.strategy', 'must be one of OnChange, OnStep, OnCompletion.', 'strategy')
})

t.test('unknown properties: ignored and not echoed; refused under SANDBOX_STRICT', async (t) => {
  const lax = await setup(t)
  const res = await lax.post({ flow: [tv({ campaign: 'x', templateParams: { customer_name: 'A' } })], tags: ['a'] })
  t.equal(res.statusCode, 200, res.body)
  t.notOk('campaign' in res.json().flow[0])
  t.notOk('tags' in res.json())
  const strict = await setup(t, { SANDBOX_STRICT: true })
  const refusedStrict = await strict.post({ flow: [tv({ campaign: 'x' })], tags: ['a'] })
  t.equal(refusedStrict.statusCode, 400)
  t.same(refusedStrict.json().properties, { 'flow[0].campaign': ERRORS.UNKNOWN_PROPERTY_STRICT.message, tags: ERRORS.UNKNOWN_PROPERTY_STRICT.message })
  t.equal((await strict.post(fixture('seed-example.json'))).statusCode, 200, 'the seed example is clean in strict mode')
})

t.test('insufficient balance on this endpoint: the first step by order', async (t) => {
  const { app, post } = await setup(t)
  await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 0.01 } })
  accepted(t, await post({ flow: [smsStep('+306912345678', { order: 2 }), tv({ order: 1 })] }), 'a template Viber (0.0093) first by order')
  await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 0.009 } })
  const res = await post(flow(tv()))
  t.equal(res.statusCode, 400)
  t.same({ code: res.json().code, type: res.json().type }, { code: '400001009', type: 'InsufficientBalance' })
  t.equal(ERRORS.INSUFFICIENT_BALANCE.status, 400)
})

t.test('templateLang naming an Object member ("constructor", "toString") is an unknown language, not a crash', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  for (const lang of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const body = fixture('seed-example.json')
    body.flow[0].templateLang = lang
    const res = await send(app, tok, body)
    t.equal(res.statusCode, 400, `${lang}: ${res.body}`)
    t.equal(res.json().properties?.['flow[0].templateLang'] !== undefined, true, lang)
  }
})
