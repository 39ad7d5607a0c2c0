import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { accepted, bearer, build, fixture, send, smsStep, token, viberStep, voiceStep, refused } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import type { App } from '../../src/app.js'
import type { Config } from '../../src/config.js'

// provider-api.md §2: every field rule of POST /failover, a passing case and a failing case each

type Res = Awaited<ReturnType<typeof send>>
type Step = Record<string, unknown>

interface Ctx { app: App, tok: string, post: (body: unknown) => Promise<Res> }

async function setup (t: Test, config: Partial<Config> = {}, extra: { logger?: any } = {}): Promise<Ctx> {
  const app = await build(t, { config, ...extra })
  const tok = await token(app)
  return { app, tok, post: async (body) => await send(app, tok, body, { transactional: false }) }
}

const sms = (extra: Step = {}): Step => smsStep('+306912345678', extra)
const viber = (extra: Step = {}): Step => viberStep('+306912345678', extra)
const voice = (extra: Step = {}): Step => voiceStep('+306912345678', extra)
const flow = (...steps: Step[]): { flow: Step[] } => ({ flow: steps })
const https = (path = 'a'): string => `https://cdn.example.com/${path}`

t.test('the provider\'s legacy 3-step example returns 200 and is echoed as sent', async (t) => {
  const { post } = await setup(t)
  const legacy = fixture('legacy-3-step.json')
  const res = await post(legacy)
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['callback', 'createdAt', 'flow', 'trackingId'], 'no flowKind on the standard endpoint')
  t.same(body.flow, legacy.flow, 'every field given is echoed unchanged (nothing left to default)')
  t.same(body.callback, legacy.callback)
  t.match(body.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
})

t.test('the 200 echo fills in the defaults of §2', async (t) => {
  const { post } = await setup(t)
  const [s, v, c] = (await post({
    flow: [
      sms({ urlShortener: {} }),
      viber({ order: 2 }),
      voice({ order: 3, dialPlan: { verbs: [{ type: 'SAY', message: { text: 'hi', language: 'en-US' } }, { type: 'PLAY', fileURL: https('a.wav') }] } })
    ],
    callback: { url: 'https://example.com/cb' }
  })).json().flow
  t.equal(s.ttl, 1200, 'Sms ttl')
  t.equal(s.message.flash, false, 'Sms flash')
  t.same(s.failoverOnStatuses, ['Undelivered', 'Failed'], 'Sms failoverOnStatuses')
  t.same(s.urlShortener, { urlValidity: 2592000 }, 'urlValidity')
  t.notOk('transcode' in s.message, 'transcode has no default')
  t.equal(v.ttl, 10, 'Viber ttl')
  t.equal(v.expireOnDelivery, false, 'Viber expireOnDelivery')
  t.same(v.failoverOnStatuses, ['EXPIRED', 'FAILED', 'UNDELIVERED'], 'Viber failoverOnStatuses')
  t.same(c.failoverOnStatuses, ['Busy', 'NoAnswer'], 'Voice failoverOnStatuses')
  t.equal(c.dialPlan.verbs[0].bargeIn, false, 'SAY bargeIn')
  t.equal(c.dialPlan.verbs[1].repeat, 0, 'PLAY repeat')
  t.notOk('ttl' in c, 'Voice has no ttl')
  const withCallback = await post({ flow: [sms()], callback: { url: 'https://example.com/cb' } })
  t.same(withCallback.json().callback, { url: 'https://example.com/cb', strategy: 'OnCompletion' }, 'callback strategy')
  const inMessage = await post(flow(sms({ message: { body: 'x', urlShortener: {} } })))
  t.same(accepted(t, inMessage, 'urlShortener inside message').message.urlShortener, { urlValidity: 2592000 })
})

t.test('Sms from: 1–11 letters or digits, or a number of up to 16 digits', async (t) => {
  const { post } = await setup(t)
  for (const from of ['YourBrand', 'A', 'ABCDEFGHIJK', 'Brand2026', '1234567890123456', '+1234567890123456', '+306912345678']) {
    t.equal(accepted(t, await post(flow(sms({ from }))), `from ${from}`)?.from, from)
  }
  for (const from of ['ABCDEFGHIJKL', 'Your Brand', 'Brand!', 'Βrand', '12345678901234567', '+12345678901234567', '+']) {
    refused(t, await post(flow(sms({ from }))), 'flow[0].from', ERRORS.SMS_SENDER.message, `from ${from}`)
  }
  refused(t, await post(flow(sms({ from: '' }))), 'flow[0].from', 'must not be empty.', 'empty from')
  refused(t, await post(flow(sms({ from: 306912345678 }))), 'flow[0].from', 'must be a string.', 'numeric from')
  refused(t, await post(flow(sms({ from: undefined }))), 'flow[0].from', ERRORS.FIELD_REQUIRED.message, 'no from')
})

t.test('to: E.164, and a valid number for its country (libphonenumber)', async (t) => {
  const { post } = await setup(t)
  for (const to of ['+306912345678', '+302101234567', '+447911123456', '+14155552671', '+4915123456789']) {
    t.equal(accepted(t, await post(flow(sms({ to }))), `Sms to ${to}`)?.to, to)
  }
  for (const to of ['306912345678', '+30 691 234 5678', '+30-6912345678', '+0306912345678', '+1234567', '+1234567890123456', '', 'tel:+306912345678']) {
    refused(t, await post(flow(sms({ to }))), 'flow[0].to', ERRORS.PHONE_FORMAT.message, `Sms to "${to}"`)
  }
  for (const to of ['+301234567890', '+999123456789', '+3069123456789']) {
    refused(t, await post(flow(sms({ to }))), 'flow[0].to', ERRORS.PHONE_INVALID.message, `Sms to ${to} (not a number of its country)`)
  }
  refused(t, await post(flow(viber({ to: '+301234567890' }))), 'flow[0].to', ERRORS.PHONE_INVALID.message, 'Viber to invalid')
  refused(t, await post(flow(voice({ to: { phone: '+301234567890' } }))), 'flow[0].to.phone', ERRORS.PHONE_INVALID.message, 'Voice to.phone invalid')
  refused(t, await post(flow(voice({ to: { phone: '306912345678' } }))), 'flow[0].to.phone', ERRORS.PHONE_FORMAT.message, 'Voice to.phone not E.164')
})

t.test('Viber to must be a mobile number; Sms and Voice may call a landline', async (t) => {
  const { post } = await setup(t)
  const landline = '+302101234567'
  refused(t, await post(flow(viber({ to: landline }))), 'flow[0].to', ERRORS.PHONE_NOT_MOBILE.message, 'Viber to a Greek landline')
  refused(t, await post(flow(viber({ to: '+442071838750' }))), 'flow[0].to', ERRORS.PHONE_NOT_MOBILE.message, 'Viber to a London landline')
  accepted(t, await post(flow(viber({ to: '+447911123456' }))), 'Viber to a UK mobile')
  accepted(t, await post(flow(viber({ to: '+14155552671' }))), 'Viber to a US number (fixed line or mobile)')
  accepted(t, await post(flow(sms({ to: landline }))), 'Sms to a landline')
  accepted(t, await post(flow(voice({ to: { phone: landline } }))), 'Voice to a landline')
})

t.test('Sms ttl: integer minutes 1–1440, default 1200; no coercion', async (t) => {
  const { post } = await setup(t)
  for (const ttl of [1, 30, 1440]) t.equal(accepted(t, await post(flow(sms({ ttl }))), `ttl ${ttl}`)?.ttl, ttl)
  refused(t, await post(flow(sms({ ttl: 0 }))), 'flow[0].ttl', 'must be >= 1.', 'ttl 0')
  refused(t, await post(flow(sms({ ttl: -5 }))), 'flow[0].ttl', 'must be >= 1.', 'ttl -5')
  refused(t, await post(flow(sms({ ttl: 1441 }))), 'flow[0].ttl', 'must be <= 1440.', 'ttl 1441')
  refused(t, await post(flow(sms({ ttl: 1.5 }))), 'flow[0].ttl', 'must be an integer.', 'ttl 1.5')
  refused(t, await post(flow(sms({ ttl: '10' }))), 'flow[0].ttl', 'must be an integer.', 'ttl "10" is not coerced')
  refused(t, await post(flow(sms({ ttl: null }))), 'flow[0].ttl', 'must be an integer.', 'ttl null')
})

t.test('Sms message: body required and non-empty, flash boolean, label ≤ 350, transcode boolean', async (t) => {
  const { post } = await setup(t)
  const ok = accepted(t, await post(flow(sms({ message: { body: 'x', flash: true, label: 'l'.repeat(350), transcode: false } }))), 'every message field')
  t.same(ok?.message, { body: 'x', flash: true, label: 'l'.repeat(350), transcode: false })
  refused(t, await post(flow(sms({ message: { body: '' } }))), 'flow[0].message.body', 'must not be empty.', 'empty body')
  refused(t, await post(flow(sms({ message: {} }))), 'flow[0].message.body', ERRORS.FIELD_REQUIRED.message, 'no body')
  refused(t, await post(flow(sms({ message: undefined }))), 'flow[0].message', ERRORS.FIELD_REQUIRED.message, 'no message')
  refused(t, await post(flow(sms({ message: 'hello' }))), 'flow[0].message', 'must be an object.', 'message as a string')
  refused(t, await post(flow(sms({ message: { body: 42 } }))), 'flow[0].message.body', 'must be a string.', 'numeric body')
  refused(t, await post(flow(sms({ message: { body: 'x', flash: 'true' } }))), 'flow[0].message.flash', 'must be a boolean.', 'flash "true"')
  refused(t, await post(flow(sms({ message: { body: 'x', label: 'l'.repeat(351) } }))), 'flow[0].message.label', 'must be at most 350 characters.', 'label 351')
  refused(t, await post(flow(sms({ message: { body: 'x', transcode: 1 } }))), 'flow[0].message.transcode', 'must be a boolean.', 'transcode 1')
})

t.test('Sms urlShortener.urlValidity: seconds 3600–2592000, at step level or in message, not both', async (t) => {
  const { post } = await setup(t)
  for (const urlValidity of [3600, 86400, 2592000]) {
    t.same(accepted(t, await post(flow(sms({ urlShortener: { urlValidity } }))), `${urlValidity}`)?.urlShortener, { urlValidity })
  }
  refused(t, await post(flow(sms({ urlShortener: { urlValidity: 3599 } }))), 'flow[0].urlShortener.urlValidity', 'must be >= 3600.', '3599')
  refused(t, await post(flow(sms({ urlShortener: { urlValidity: 2592001 } }))), 'flow[0].urlShortener.urlValidity', 'must be <= 2592000.', '2592001')
  refused(t, await post(flow(sms({ message: { body: 'x', urlShortener: { urlValidity: 60 } } }))), 'flow[0].message.urlShortener.urlValidity', 'must be >= 3600.', 'in message, 60')
  refused(t, await post(flow(sms({ urlShortener: { urlValidity: 4000.5 } }))), 'flow[0].urlShortener.urlValidity', 'must be an integer.', 'fractional')
  refused(t, await post(flow(sms({ urlShortener: {}, message: { body: 'x', urlShortener: {} } }))), 'flow[0].urlShortener', ERRORS.URL_SHORTENER_TWICE.message, 'both places')
})

t.test('failoverOnStatuses: matched case-insensitively, checked per channel, echoed as sent', async (t) => {
  const { post } = await setup(t)
  const passing: Array<[Step, string[]]> = [
    [sms({ failoverOnStatuses: ['undelivered'] }), ['undelivered']],
    [sms({ failoverOnStatuses: ['FAILED', 'UNDELIVERED'] }), ['FAILED', 'UNDELIVERED']],
    [sms({ failoverOnStatuses: [] }), []],
    [viber({ failoverOnStatuses: ['expired', 'Failed', 'UNDELIVERED'] }), ['expired', 'Failed', 'UNDELIVERED']],
    [voice({ failoverOnStatuses: ['completed', 'BUSY', 'noanswer', 'Failed', 'unsent', 'Terminated'] }), ['completed', 'BUSY', 'noanswer', 'Failed', 'unsent', 'Terminated']]
  ]
  for (const [step, echoed] of passing) {
    t.same(accepted(t, await post(flow(step)), `${String(step.type)} ${JSON.stringify(echoed)}`)?.failoverOnStatuses, echoed)
  }
  const failing: Array<[Step, number, string, string]> = [
    [sms({ failoverOnStatuses: ['Delivered'] }), 0, 'Delivered', 'Sms: use Undelivered, Failed.'],
    [sms({ failoverOnStatuses: ['Failed', 'EXPIRED'] }), 1, 'EXPIRED', 'Sms: use Undelivered, Failed.'],
    [viber({ failoverOnStatuses: ['SEEN'] }), 0, 'SEEN', 'Viber: use EXPIRED, FAILED, UNDELIVERED.'],
    [viber({ failoverOnStatuses: ['Busy'] }), 0, 'Busy', 'Viber: use EXPIRED, FAILED, UNDELIVERED.'],
    [voice({ failoverOnStatuses: ['EXPIRED'] }), 0, 'EXPIRED', 'Voice: use Completed, Busy, NoAnswer, Failed, Unsent, Terminated.'],
    [voice({ failoverOnStatuses: ['No Answer'] }), 0, 'No Answer', 'Voice: use Completed, Busy, NoAnswer, Failed, Unsent, Terminated.']
  ]
  for (const [step, index, value, tail] of failing) {
    refused(t, await post(flow(step)), `flow[0].failoverOnStatuses[${index}]`, `"${value}" is not a final status of ${tail}`, `${String(step.type)} ${value}`)
  }
  refused(t, await post(flow(sms({ failoverOnStatuses: 'Failed' }))), 'flow[0].failoverOnStatuses', 'must be an array.', 'a string, not an array')
  refused(t, await post(flow(sms({ failoverOnStatuses: [''] }))), 'flow[0].failoverOnStatuses[0]', 'must not be empty.', 'an empty value')
  refused(t, await post(flow(sms({ failoverOnStatuses: [3] }))), 'flow[0].failoverOnStatuses[0]', 'must be a string.', 'a number')
})

t.test('Viber contents: the eight valid layouts pass, every other combination is refused', async (t) => {
  const { post } = await setup(t)
  const text = 'Hello'
  const imageUrl = https('i.png')
  const action = { caption: 'Open', targetUrl: 'https://example.com' }
  const viberVideo = { videoUrl: https('v.mp4'), videoThumbnail: https('t.png'), fileSize: 10, duration: 30 }
  const viberFile = { fileName: 'invoice.pdf', fileType: 'pdf', fileUrl: https('invoice.pdf') }
  const valid: Array<[string, Record<string, unknown>]> = [
    ['text', { text }],
    ['image', { imageUrl }],
    ['text+button', { text, action }],
    ['text+image+button', { text, imageUrl, action }],
    ['video', { viberVideo }],
    ['video+text', { viberVideo, text }],
    ['video+text+button', { viberVideo, text, action }],
    ['file', { viberFile }]
  ]
  for (const [name, message] of valid) t.same(accepted(t, await post(flow(viber({ message }))), name)?.message, message, `${name} echoed`)
  const invalid: Array<[string, Record<string, unknown> | undefined]> = [
    ['no message', undefined],
    ['an empty message', {}],
    ['text+image without button', { text, imageUrl }],
    ['image+button', { imageUrl, action }],
    ['button alone', { action }],
    ['video+button', { viberVideo, action }],
    ['video+image', { viberVideo, imageUrl }],
    ['file+text', { viberFile, text }],
    ['file+image', { viberFile, imageUrl }],
    ['everything', { text, imageUrl, action, viberVideo, viberFile }]
  ]
  for (const [name, message] of invalid) refused(t, await post(flow(viber({ message }))), 'flow[0].message', ERRORS.VIBER_COMBINATION.message, name)
  t.match(ERRORS.VIBER_COMBINATION.message, /^Invalid viber message type combination/, 'the provider\'s words first')
})

t.test('Viber message fields: limits of text, imageUrl, action, viberFile, viberVideo', async (t) => {
  const { post } = await setup(t)
  const m = (message: Record<string, unknown>): { flow: Step[] } => flow(viber({ message }))
  const action = { caption: 'Open', targetUrl: 'https://example.com' }
  const video = { videoUrl: https('v.mp4'), videoThumbnail: https('t.png'), fileSize: 200, duration: 600 }
  accepted(t, await post(m({ text: 'x'.repeat(1000) })), 'text of 1000')
  refused(t, await post(m({ text: 'x'.repeat(1001) })), 'flow[0].message.text', 'must be at most 1000 characters.', 'text of 1001')
  refused(t, await post(m({ text: '' })), 'flow[0].message', ERRORS.VIBER_COMBINATION.message, 'empty text: absent (issue 16), so no content')
  refused(t, await post(m({ text: '', imageUrl: '' })), 'flow[0].message', ERRORS.VIBER_COMBINATION.message, 'every field empty: no content')
  accepted(t, await post(m({ imageUrl: 'https://x.io/' + 'a'.repeat(1000 - 13) })), 'imageUrl of 1000')
  refused(t, await post(m({ imageUrl: 'https://x.io/' + 'a'.repeat(1001 - 13) })), 'flow[0].message.imageUrl', 'must be at most 1000 characters.', 'imageUrl of 1001')
  refused(t, await post(m({ imageUrl: 'http://x.io/a.png' })), 'flow[0].message.imageUrl', 'must be: https URL of at most 1000 characters.', 'imageUrl over http')
  accepted(t, await post(m({ text: 'x', action: { caption: 'c'.repeat(30), targetUrl: 'http://example.com' } })), 'caption of 30, http target')
  refused(t, await post(m({ text: 'x', action: { caption: 'c'.repeat(31), targetUrl: 'https://example.com' } })), 'flow[0].message.action.caption', 'must be at most 30 characters.', 'caption of 31')
  refused(t, await post(m({ text: 'x', action: { caption: '', targetUrl: 'https://example.com' } })), 'flow[0].message.action.caption', 'must not be empty.', 'empty caption')
  refused(t, await post(m({ text: 'x', action: { caption: 'Go' } })), 'flow[0].message.action.targetUrl', ERRORS.FIELD_REQUIRED.message, 'no targetUrl')
  refused(t, await post(m({ text: 'x', action: { ...action, targetUrl: 'javascript:alert(1)' } })), 'flow[0].message.action.targetUrl', 'must be: http(s) URL.', 'javascript: target')
  for (const fileType of ['doc', 'docx', 'rtf', 'dot', 'dotx', 'odt', 'odf', 'fodt', 'txt', 'info', 'pdf', 'xps', 'pdax', 'eps', 'xls', 'xlsx', 'ods', 'fods', 'csv', 'xlsm', 'xltx']) {
    accepted(t, await post(m({ viberFile: { fileName: 'f', fileType, fileUrl: https('f') } })), `fileType ${fileType}`)
  }
  refused(t, await post(m({ viberFile: { fileName: 'f', fileType: 'exe', fileUrl: https('f') } })), 'flow[0].message.viberFile.fileType',
    'must be one of doc, docx, rtf, dot, dotx, odt, odf, fodt, txt, info, pdf, xps, pdax, eps, xls, xlsx, ods, fods, csv, xlsm, xltx.', 'fileType exe')
  accepted(t, await post(m({ viberFile: { fileName: 'n'.repeat(25), fileType: 'pdf', fileUrl: https('f') } })), 'fileName of 25')
  refused(t, await post(m({ viberFile: { fileName: 'n'.repeat(26), fileType: 'pdf', fileUrl: https('f') } })), 'flow[0].message.viberFile.fileName', 'must be at most 25 characters.', 'fileName of 26')
  refused(t, await post(m({ viberFile: { fileName: 'f', fileType: 'pdf', fileUrl: 'http://x.io/f' } })), 'flow[0].message.viberFile.fileUrl', 'must be: https URL of at most 1000 characters.', 'fileUrl over http')
  accepted(t, await post(m({ viberVideo: video })), 'video at its limits')
  accepted(t, await post(m({ viberVideo: { ...video, fileSize: 0, duration: 0 } })), 'video of size 0 and duration 0')
  refused(t, await post(m({ viberVideo: { ...video, fileSize: 200.5 } })), 'flow[0].message.viberVideo.fileSize', 'must be <= 200.', 'video over 200 MB')
  refused(t, await post(m({ viberVideo: { ...video, duration: 601 } })), 'flow[0].message.viberVideo.duration', 'must be <= 600.', 'video over 600 s')
  refused(t, await post(m({ viberVideo: { ...video, duration: -1 } })), 'flow[0].message.viberVideo.duration', 'must be >= 0.', 'negative duration')
  refused(t, await post(m({ viberVideo: { ...video, videoThumbnail: undefined } })), 'flow[0].message.viberVideo.videoThumbnail', ERRORS.FIELD_REQUIRED.message, 'video without thumbnail')
  refused(t, await post(m({ viberVideo: { ...video, videoUrl: 'http://x.io/v.mp4' } })), 'flow[0].message.viberVideo.videoUrl', 'must be: https URL of at most 1000 characters.', 'video over http')
})

t.test('Viber ttl: minutes 0.5–1440 with at most one decimal place, default 10', async (t) => {
  const { post } = await setup(t)
  for (const ttl of [0.5, 0.7, 1, 1.3, 10, 123.4, 1439.9, 1440]) t.equal(accepted(t, await post(flow(viber({ ttl }))), `ttl ${ttl}`)?.ttl, ttl)
  refused(t, await post(flow(viber({ ttl: 0.4 }))), 'flow[0].ttl', 'must be >= 0.5.', 'ttl 0.4')
  refused(t, await post(flow(viber({ ttl: 0 }))), 'flow[0].ttl', 'must be >= 0.5.', 'ttl 0')
  refused(t, await post(flow(viber({ ttl: 1440.1 }))), 'flow[0].ttl', 'must be <= 1440.', 'ttl 1440.1')
  for (const ttl of [0.55, 1.25, 10.01, 1439.99]) refused(t, await post(flow(viber({ ttl }))), 'flow[0].ttl', ERRORS.VIBER_TTL_PRECISION.message, `ttl ${ttl}`)
  refused(t, await post(flow(viber({ ttl: '10' }))), 'flow[0].ttl', 'must be a number.', 'ttl "10" is not coerced')
})

t.test('Viber step fields: sender, expireOnDelivery, inboundUrl, label', async (t) => {
  const { post } = await setup(t)
  const ok = accepted(t, await post(flow(viber({ expireOnDelivery: true, inboundUrl: 'https://example.com/in', label: 'l'.repeat(350) }))), 'every optional field')
  t.equal(ok?.expireOnDelivery, true)
  t.equal(ok?.inboundUrl, 'https://example.com/in')
  accepted(t, await post(flow(viber({ senderInfoTrackingId: '0094d198-4dd2-4fb5-b451-d46aca191b27' }))), 'the provider\'s example sender')
  refused(t, await post(flow(viber({ senderInfoTrackingId: 'no-such-sender' }))), 'flow[0].senderInfoTrackingId', ERRORS.SENDER_UNKNOWN.message, 'unknown sender')
  refused(t, await post(flow(viber({ senderInfoTrackingId: 'inactive-sender' }))), 'flow[0].senderInfoTrackingId', ERRORS.SENDER_INACTIVE.message, 'inactive sender')
  refused(t, await post(flow(viber({ senderInfoTrackingId: '' }))), 'flow[0].senderInfoTrackingId', 'must not be empty.', 'empty sender')
  refused(t, await post(flow(viber({ senderInfoTrackingId: undefined }))), 'flow[0].senderInfoTrackingId', ERRORS.FIELD_REQUIRED.message, 'no sender')
  refused(t, await post(flow(viber({ expireOnDelivery: 'true' }))), 'flow[0].expireOnDelivery', 'must be a boolean.', 'expireOnDelivery "true"')
  refused(t, await post(flow(viber({ inboundUrl: 'ftp://example.com' }))), 'flow[0].inboundUrl', 'must be: an HTTPS URL (http only for a local receiver: localhost, 127.0.0.0/8, ::1, host.docker.internal or the sandbox\'s own host).', 'ftp inboundUrl')
  refused(t, await post(flow(viber({ label: 'l'.repeat(351) }))), 'flow[0].label', 'must be at most 350 characters.', 'label of 351')
})

t.test('template fields on /failover are refused, telling the client to use /failover/transactional', async (t) => {
  const { post } = await setup(t)
  const fields: Record<string, unknown> = { templateId: '0aac888f-2ee2-4112-9659-1755a951966a', templateLang: 'en', templateParams: { customer_name: 'Alex' }, deliveryScope: 'PRIMARY_DEVICE' }
  for (const [field, value] of Object.entries(fields)) {
    refused(t, await post(flow(viber({ [field]: value }))), `flow[0].${field}`, ERRORS.TEMPLATE_ON_STANDARD.message, field)
  }
  t.match(ERRORS.TEMPLATE_ON_STANDARD.message, '/failover/transactional')
  const all = await post(flow(viber(fields)))
  t.same(Object.keys(all.json().properties).sort(), ['flow[0].deliveryScope', 'flow[0].templateId', 'flow[0].templateLang', 'flow[0].templateParams'], 'each field named')
  t.equal((all.json().developerMessage.match(/use \/failover\/transactional/g) ?? []).length, 1, 'the advice is said once, with all the paths')
})

t.test('Voice: no ttl, a dial plan in any of its three spellings, to with one of phone/viber/sip', async (t) => {
  const { post } = await setup(t)
  refused(t, await post(flow(voice({ ttl: 5 }))), 'flow[0].ttl', ERRORS.VOICE_TTL.message, 'ttl on Voice')
  const plan = { verbs: [{ type: 'PLAY', fileURL: https('a.wav'), repeat: -1 }] }
  for (const spelling of ['dialPlan', 'dialPlans', 'dialplan']) {
    const step = accepted(t, await post(flow(voice({ dialPlan: undefined, [spelling]: plan }))), spelling)
    t.same(step?.dialPlan, plan, `${spelling} is echoed as dialPlan`)
    t.notOk('dialPlans' in step && 'dialplan' in step, `${spelling}: only the one spelling is echoed`)
  }
  refused(t, await post(flow(voice({ dialPlan: undefined }))), 'flow[0].dialPlan', ERRORS.DIAL_PLAN_MISSING.message, 'no dial plan')
  refused(t, await post(flow(voice({ dialplan: plan }))), 'flow[0].dialplan', ERRORS.DIAL_PLAN_TWICE.message, 'two spellings')
  refused(t, await post(flow(voice({ dialPlan: { verbs: [] } }))), 'flow[0].dialPlan.verbs', 'must not be empty.', 'no verbs')
  refused(t, await post(flow(voice({ dialPlan: undefined, dialplan: { verbs: [] } }))), 'flow[0].dialplan.verbs', 'must not be empty.', 'no verbs, other spelling')
  refused(t, await post(flow(voice({ dialPlan: {} }))), 'flow[0].dialPlan.verbs', ERRORS.FIELD_REQUIRED.message, 'a plan without verbs')
  for (const to of [{ phone: '+306912345678' }, { viber: 'viber-user' }, { sip: 'sip:alice@example.com' }, { phone: '+306981234567', viber: '', sip: '' }]) {
    t.same(accepted(t, await post(flow(voice({ to }))), `to ${JSON.stringify(to)}`)?.to, to)
  }
  for (const to of [{}, { viber: '', sip: '  ' }]) {
    refused(t, await post(flow(voice({ to }))), 'flow[0].to', ERRORS.VOICE_TO_EMPTY.message, `to ${JSON.stringify(to)}`)
  }
  refused(t, await post(flow(voice({ to: '+306912345678' }))), 'flow[0].to', 'must be an object.', 'to as a string')
  refused(t, await post(flow(voice({ from: undefined }))), 'flow[0].from', ERRORS.FIELD_REQUIRED.message, 'no from')
  refused(t, await post(flow(voice({ from: 'f'.repeat(21) }))), 'flow[0].from', 'must be at most 20 characters.', 'from of 21')
})

t.test('Voice verbs: SAY and PLAY fields, languages, machineDetection', async (t) => {
  const { post } = await setup(t)
  const say = (message: Record<string, unknown>, extra: Record<string, unknown> = {}): { flow: Step[] } => flow(voice({ dialPlan: { verbs: [{ type: 'SAY', message, ...extra }] } }))
  for (const language of ['en-US', 'de-DE', 'fr-FR', 'it-IT', 'pt-BR', 'es-ES', 'es-LA', 'en-GB', 'el-GR', 'bg-BG', 'pl-PL', 'hu-HU', 'sv-SE', 'ru-RU']) {
    accepted(t, await post(say({ text: 'hi', language })), `language ${language}`)
  }
  refused(t, await post(say({ text: 'hi', language: 'en' })), 'flow[0].dialPlan.verbs[0].message.language',
    'must be one of en-US, de-DE, fr-FR, it-IT, pt-BR, es-ES, es-LA, en-GB, el-GR, bg-BG, pl-PL, hu-HU, sv-SE, ru-RU.', 'language en')
  refused(t, await post(say({ language: 'en-US' })), 'flow[0].dialPlan.verbs[0].message.text', ERRORS.FIELD_REQUIRED.message, 'SAY without text')
  refused(t, await post(say({ text: 'hi' })), 'flow[0].dialPlan.verbs[0].message.language', ERRORS.FIELD_REQUIRED.message, 'SAY without language')
  accepted(t, await post(say({ text: 'hi', language: 'en-US', gender: 'male' }, { bargeIn: true, repeat: 2 })), 'SAY with gender, bargeIn, repeat')
  refused(t, await post(say({ text: 'hi', language: 'en-US', gender: 'robot' })), 'flow[0].dialPlan.verbs[0].message.gender', 'must be one of male, female.', 'gender robot')
  const play = (verb: Record<string, unknown>): { flow: Step[] } => flow(voice({ dialPlan: { verbs: [{ type: 'PLAY', ...verb }] } }))
  t.equal(accepted(t, await post(play({ fileURL: https('a.wav'), repeat: -1 })), 'PLAY forever')?.dialPlan.verbs[0].repeat, -1)
  refused(t, await post(play({})), 'flow[0].dialPlan.verbs[0].fileURL', ERRORS.FIELD_REQUIRED.message, 'PLAY without fileURL')
  refused(t, await post(play({ fileURL: https('a.wav'), repeat: -2 })), 'flow[0].dialPlan.verbs[0].repeat', 'must be >= -1.', 'repeat -2')
  refused(t, await post(flow(voice({ dialPlan: { verbs: [{ type: 'BEEP' }] } }))), 'flow[0].dialPlan.verbs[0].type', 'must be one of SAY, PLAY.', 'verb BEEP')
  refused(t, await post(flow(voice({ dialPlan: { verbs: [{ fileURL: https('a.wav') }] } }))), 'flow[0].dialPlan.verbs[0].type', ERRORS.FIELD_REQUIRED.message, 'verb without type')
  for (const strategy of ['Hangup', 'Continue']) accepted(t, await post(flow(voice({ machineDetection: { strategy, eventUrl: 'https://example.com/amd' } }))), `machineDetection ${strategy}`)
  refused(t, await post(flow(voice({ machineDetection: { strategy: 'Drop' } }))), 'flow[0].machineDetection.strategy', 'must be one of Hangup, Continue.', 'machineDetection Drop')
})

t.test('the flow: 1–10 steps, known types, order ≥ 1', async (t) => {
  const { post } = await setup(t)
  const ten = Array.from({ length: 10 }, (_, i) => sms({ order: i + 1 }))
  t.equal(accepted(t, await post({ flow: ten }), 'ten steps') && 10, 10)
  refused(t, await post({ flow: [...ten, sms({ order: 11 })] }), 'flow', 'must have at most 10 items.', 'eleven steps')
  refused(t, await post({ flow: [] }), 'flow', 'must not be empty.', 'no steps')
  refused(t, await post({}), 'flow', ERRORS.FIELD_REQUIRED.message, 'no flow')
  refused(t, await post({ flow: sms() }), 'flow', 'must be an array.', 'a step, not a list')
  refused(t, await post({ flow: ['Sms'] }), 'flow[0]', 'must be an object.', 'a string step')
  refused(t, await post(flow({ ...sms(), type: 'Fax' })), 'flow[0].type', ERRORS.STEP_TYPE.message, 'type Fax')
  refused(t, await post(flow({ ...sms(), type: 'sms' })), 'flow[0].type', ERRORS.STEP_TYPE.message, 'type names are case-sensitive')
  const noType = await post(flow({ ...sms(), type: undefined }))
  refused(t, noType, 'flow[0].type', ERRORS.FIELD_REQUIRED.message, 'no type')
  t.notMatch(noType.json().developerMessage, ERRORS.STEP_TYPE.message, 'a missing type is "required", said once')
  for (const order of [1, 2, 99]) accepted(t, await post(flow(sms({ order }))), `order ${order}`)
  refused(t, await post(flow(sms({ order: 0 }))), 'flow[0].order', 'must be >= 1.', 'order 0')
  refused(t, await post(flow(sms({ order: 1.5 }))), 'flow[0].order', 'must be an integer.', 'order 1.5')
  refused(t, await post(flow(sms({ order: '1' }))), 'flow[0].order', 'must be an integer.', 'order "1" is not coerced')
  refused(t, await post(flow(sms({ order: undefined }))), 'flow[0].order', ERRORS.FIELD_REQUIRED.message, 'no order')
})

t.test('callback: strategy case-insensitive and echoed as sent; url http(s); restrictions echoed', async (t) => {
  const { post } = await setup(t)
  for (const strategy of ['OnChange', 'OnStep', 'OnCompletion', 'onchange', 'ONSTEP']) {
    const res = await post({ flow: [sms()], callback: { strategy, url: 'http://example.com/cb' } })
    t.equal(res.statusCode, 200, strategy)
    t.same(res.json().callback, { strategy, url: 'http://example.com/cb' }, `${strategy} echoed as sent`)
  }
  refused(t, await post({ flow: [sms()], callback: { strategy: 'Always', url: 'https://example.com' } }), 'callback.strategy', 'must be one of OnChange, OnStep, OnCompletion.', 'strategy Always')
  refused(t, await post({ flow: [sms()], callback: { strategy: 'OnChange' } }), 'callback.url', ERRORS.FIELD_REQUIRED.message, 'no url')
  refused(t, await post({ flow: [sms()], callback: { url: 'ftp://example.com' } }), 'callback.url', 'must be: http(s) URL.', 'ftp url')
  refused(t, await post({ flow: [sms()], callback: 'https://example.com' }), 'callback', 'must be an object.', 'callback as a string')
  const restrictions = { quietHours: { start: '22:00', end: '08:00' }, anything: [1, 2] }
  t.same((await post({ flow: [sms()], restrictions })).json().restrictions, restrictions, 'restrictions echoed, no effect')
})

t.test('every problem of a request is reported at once, each under its path', async (t) => {
  const { post } = await setup(t)
  const res = await post({ flow: [sms({ ttl: 0, to: '123' }), viber({ order: 2, ttl: 0.55, senderInfoTrackingId: 'nope' })], callback: { url: 'x' } })
  t.equal(res.statusCode, 400)
  const body = res.json()
  t.same(Object.keys(body.properties).sort(), ['callback.url', 'flow[0].to', 'flow[0].ttl', 'flow[1].ttl'].sort(), 'every schema problem (business rules wait for a valid schema)')
  for (const path of Object.keys(body.properties)) t.match(body.developerMessage, path)
  const rules = await post({ flow: [sms({ to: '+301234567890' }), viber({ order: 2, senderInfoTrackingId: 'nope', to: '+302101234567' })] })
  t.same(rules.json().properties, {
    'flow[0].to': ERRORS.PHONE_INVALID.message,
    'flow[1].to': ERRORS.PHONE_NOT_MOBILE.message,
    'flow[1].senderInfoTrackingId': ERRORS.SENDER_UNKNOWN.message
  }, 'every business-rule problem at once')
})

t.test('unknown properties are ignored and not echoed; each is a warning in the log', async (t) => {
  const lines: any[] = []
  const logger = pino({ level: 'warn' }, new Writable({ write (chunk, _enc, done) { lines.push(JSON.parse(chunk.toString())); done() } }))
  const { post } = await setup(t, {}, { logger })
  const res = await post({
    flow: [
      { ...sms({ message: { body: 'x', colour: 'red' } }), priority: 'high' },
      voice({ order: 2, dialPlan: { verbs: [{ type: 'SAY', message: { text: 'x', language: 'en-US' }, volume: 11 }] } })
    ],
    callback: { url: 'https://example.com/cb', secret: 's' },
    campaign: 'spring'
  })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.notOk('campaign' in body, 'top level')
  t.notOk('priority' in body.flow[0], 'step level')
  t.notOk('colour' in body.flow[0].message, 'in message')
  t.notOk('secret' in body.callback, 'in callback')
  t.notOk('volume' in body.flow[1].dialPlan.verbs[0], 'in a verb')
  const warning = lines.find((l) => l.msg === 'properties ignored')
  t.ok(warning, 'logged at warn')
  t.same(warning?.warnings?.map((w: string) => w.split(' ')[0]).sort(),
    ['campaign', 'callback.secret', 'flow[0].message.colour', 'flow[0].priority', 'flow[1].dialPlan.verbs[0].volume'].sort())
  t.equal(warning?.trackingId, body.trackingId)
})

t.test('SANDBOX_STRICT=true rejects unknown properties with 400, each under its path', async (t) => {
  const { post } = await setup(t, { SANDBOX_STRICT: true })
  const res = await post({ flow: [{ ...sms(), priority: 'high' }, viber({ order: 2, message: { text: 'x', emoji: true } })], campaign: 'x' })
  t.equal(res.statusCode, 400)
  t.same(res.json().properties, {
    'flow[0].priority': ERRORS.UNKNOWN_PROPERTY_STRICT.message,
    'flow[1].message.emoji': ERRORS.UNKNOWN_PROPERTY_STRICT.message,
    campaign: ERRORS.UNKNOWN_PROPERTY_STRICT.message
  })
  t.match(ERRORS.UNKNOWN_PROPERTY_STRICT.message, 'SANDBOX_STRICT')
  accepted(t, await post(fixture('legacy-3-step.json')), 'strict mode takes a clean request')
  accepted(t, await post({ flow: [sms()], restrictions: { anything: 'goes' } }), 'restrictions are free-form, not walked')
})

t.test('insufficient balance → 400 400001009 InsufficientBalance, judged on the first step by order', async (t) => {
  const { app, tok, post } = await setup(t)
  const setBalance = async (balance: number): Promise<void> => {
    const res = await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance } })
    t.equal(res.statusCode, 200, `balance ${balance}`)
  }
  const balance = async (): Promise<number> => (await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).json().balance
  await setBalance(0)
  const res = await post(flow(sms()))
  t.equal(res.statusCode, 400)
  t.same(Object.keys(res.json()).sort(), ['code', 'developerMessage', 'type'])
  t.equal(res.json().code, ERRORS.INSUFFICIENT_BALANCE.code)
  t.equal(res.json().code, '400001009')
  t.equal(res.json().type, 'InsufficientBalance')
  t.match(res.json().developerMessage, /^Insufficient balance: the first step \(Sms\) costs 0\.036 EUR and the balance is 0 EUR; top up the account/)
  const search = await app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(tok), payload: [] })
  t.equal(search.json().totalElements, 0, 'no flow was created')

  refused(t, await post(flow(sms({ ttl: 0 }))), 'flow[0].ttl', 'must be >= 1.', 'a validation problem is reported before the balance')

  await setBalance(0.036)
  accepted(t, await post(flow(sms())), 'a balance of exactly the price')
  t.equal(await balance(), 0, 'charged when the first step is sent')

  await setBalance(0.01)
  const cheapFirst = await post({ flow: [sms({ order: 2 }), viber({ order: 1 })] })
  accepted(t, cheapFirst, 'first by order is a text Viber (0.0093), though the Sms comes first in the array')
  await setBalance(0.01)
  t.equal((await post(flow(viber({ message: { imageUrl: https('i.png') } })))).json().type, 'InsufficientBalance', 'an image Viber is billed at the promotional 0.035')
  await setBalance(0.05)
  const twoParts = await post(flow(sms({ message: { body: 'x'.repeat(161) } })))
  t.match(twoParts.json().developerMessage, 'costs 0.072 EUR', 'a two-part Sms costs two parts')
})
