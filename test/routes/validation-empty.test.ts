import t, { type Test } from 'tap'
import { bearer, build, send, templateViberStep, token } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import type { App } from '../../src/app.js'
import type { Config } from '../../src/config.js'

// issue 16: an optional value sent empty counts as absent, on both send endpoints and every channel;
// issue 10 point 5: inboundUrl is an HTTPS URL, http only for a local receiver

type Res = Awaited<ReturnType<typeof send>>
type Body = Record<string, any>

interface Ctx { app: App, post: (body: unknown, transactional?: boolean, headers?: Record<string, string>) => Promise<Res> }

async function setup (t: Test, config: Partial<Config> = {}): Promise<Ctx> {
  const app = await build(t, { config })
  const tok = await token(app)
  return {
    app,
    post: async (body, transactional = false, headers = {}) => await app.inject({
      method: 'POST',
      url: transactional ? '/failover/transactional' : '/failover',
      headers: bearer(tok, headers),
      payload: body as any
    })
  }
}

/** The Viber step exactly as the C# client of issue 16 sends it. */
const csharpViber = (): Body => JSON.parse(`{"type":"Viber","from":"","to":"+306912345678","ttl":10,
  "message":{"body":"","flash":false,"label":"","transcode":false,"text":"Your parcel is on its way.",
             "imageUrl":"","action":{"caption":"","targetUrl":""}},
  "order":1,"failoverOnStatuses":["Failed","Undelivered","Expired"],
  "senderInfoTrackingId":"your-sender-info-tracking-id","inboundUrl":"","expireOnDelivery":false}`)

/** An Sms step from the same client: every property of its step class, the unused ones at their defaults. */
const csharpSms = (order = 2): Body => ({
  type: 'Sms',
  from: 'Routee',
  to: '+306912345678',
  ttl: 10,
  message: { body: 'We could not reach you on Viber.', flash: false, label: '', transcode: false, text: '', imageUrl: '', action: { caption: '', targetUrl: '' } },
  order,
  failoverOnStatuses: ['Failed', 'Undelivered'],
  senderInfoTrackingId: '',
  inboundUrl: '',
  expireOnDelivery: false
})

/** A Voice step from the same client (its step class also carries the Sms and Viber fields). */
const csharpVoice = (order = 3): Body => ({
  type: 'Voice',
  from: 'Routee',
  to: { phone: '+306912345678', viber: '', sip: '' },
  dialPlan: { verbs: [{ type: 'SAY', message: { text: 'Your parcel is on its way.', language: 'en-US', gender: '' }, bargeIn: false, repeat: 0 }] },
  machineDetection: { strategy: '', eventUrl: '' },
  order,
  failoverOnStatuses: ['Busy', 'NoAnswer'],
  message: { body: '', label: '' },
  senderInfoTrackingId: '',
  inboundUrl: '',
  expireOnDelivery: false
})

/** Every path of `value` that holds "" (the echo must hold none). */
function emptyStrings (value: unknown, path = ''): string[] {
  if (value === '') return [path]
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyStrings(v, `${path}[${i}]`))
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => emptyStrings(v, path ? `${path}.${k}` : k))
  return []
}

/** The flow's warnings, as GET /_sandbox/flows/{id}/timeline shows them: path → why. */
async function warnings (app: App, trackingId: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'GET', url: `/_sandbox/flows/${trackingId}/timeline` })
  const out: Record<string, string> = {}
  for (const w of res.json().warnings as string[]) {
    const [path, ...rest] = w.split(' ')
    out[path] = rest.join(' ')
  }
  return out
}

const EMPTY = 'was sent empty and was ignored, as if left out'
const UNKNOWN = 'is not a known property and was ignored'

function accepted (t: Test, res: Res, name: string): Body {
  t.equal(res.statusCode, 200, `${name}: ${res.statusCode === 200 ? 'accepted' : res.body}`)
  const body = res.statusCode === 200 ? res.json() : { flow: [] }
  // a Voice step's blank to.viber and to.sip are values (§2's own example), the only "" echoed
  t.same(emptyStrings(body.flow).filter((p) => !/\.to\.(?:viber|sip)$/.test(p)), [], `${name}: no empty value is echoed`)
  return body
}

t.test('the C# client\'s Viber then Sms steps are accepted on /failover; the empty values are warnings, the false ones kept', async (t) => {
  const { app, post } = await setup(t)
  const body = accepted(t, await post({ flow: [csharpViber(), csharpSms()] }), 'Viber then Sms')
  const [viber, sms] = body.flow
  t.same(viber, {
    type: 'Viber',
    to: '+306912345678',
    ttl: 10,
    message: { text: 'Your parcel is on its way.' },
    order: 1,
    failoverOnStatuses: ['Failed', 'Undelivered', 'Expired'],
    senderInfoTrackingId: 'your-sender-info-tracking-id',
    expireOnDelivery: false
  }, 'the Viber step as a text message; expireOnDelivery:false is a value')
  t.same(sms.message, { body: 'We could not reach you on Viber.', flash: false, transcode: false }, 'flash:false and transcode:false are values')
  t.same(await warnings(app, body.trackingId), {
    'flow[0].from': EMPTY,
    'flow[0].message.body': EMPTY,
    'flow[0].message.flash': UNKNOWN,
    'flow[0].message.label': EMPTY,
    'flow[0].message.transcode': UNKNOWN,
    'flow[0].message.imageUrl': EMPTY,
    'flow[0].message.action': EMPTY,
    'flow[0].inboundUrl': EMPTY,
    'flow[1].message.label': EMPTY,
    'flow[1].message.text': EMPTY,
    'flow[1].message.imageUrl': EMPTY,
    'flow[1].message.action': EMPTY,
    'flow[1].senderInfoTrackingId': EMPTY,
    'flow[1].inboundUrl': EMPTY,
    'flow[1].expireOnDelivery': UNKNOWN
  }, 'every ignored field is a warning of the flow')

  const alone = accepted(t, await post({ flow: [csharpSms(1)] }), 'Sms alone')
  t.same(alone.flow[0].message, { body: 'We could not reach you on Viber.', flash: false, transcode: false })
  t.same(Object.keys(await warnings(app, alone.trackingId)).sort(), [
    'flow[0].expireOnDelivery', 'flow[0].inboundUrl', 'flow[0].message.action', 'flow[0].message.imageUrl',
    'flow[0].message.label', 'flow[0].message.text', 'flow[0].senderInfoTrackingId'
  ])

  const three = accepted(t, await post({ flow: [csharpViber(), csharpSms(), csharpVoice()], callback: { strategy: '', url: 'https://example.com/cb' } }), 'Viber, Sms, Voice')
  t.same(three.flow[2].to, { phone: '+306912345678', viber: '', sip: '' }, 'blank viber and sip are values (§2\'s own example sends them): echoed')
  t.notOk('machineDetection' in three.flow[2], 'an all-empty machineDetection is absent')
  t.notOk('gender' in three.flow[2].dialPlan.verbs[0].message, 'an empty gender is absent')
  t.same(three.callback, { strategy: 'OnCompletion', url: 'https://example.com/cb' }, 'an empty strategy takes the default')
})

t.test('the C# client\'s Sms and Voice steps are accepted on /failover/transactional, next to a template step', async (t) => {
  const { app, post } = await setup(t)
  const template = templateViberStep('+306912345678', { inboundUrl: '', label: '', deliveryScope: '', expireOnDelivery: false, ttl: 10 })
  const body = accepted(t, await post({ flow: [template, csharpSms(), csharpVoice()] }, true), 'template, Sms, Voice')
  t.equal(body.flow[0].deliveryScope, 'PRIMARY_DEVICE', 'an empty deliveryScope takes the default')
  t.notOk('inboundUrl' in body.flow[0], 'no inboundUrl')
  t.same(body.flow[1].message, { body: 'We could not reach you on Viber.', flash: false, transcode: false })
  const w = await warnings(app, body.trackingId)
  for (const path of ['flow[0].inboundUrl', 'flow[0].label', 'flow[0].deliveryScope', 'flow[1].inboundUrl', 'flow[2].machineDetection', 'flow[2].message']) {
    t.equal(w[path], EMPTY, path)
  }
  t.equal(w['flow[2].expireOnDelivery'], UNKNOWN, 'a false on a step that does not use it is unknown, not empty')
  const sms = accepted(t, await post({ flow: [csharpSms(1)] }, true), 'Sms alone, transactional')
  t.equal(Object.keys(await warnings(app, sms.trackingId)).length, 7)
})

t.test('required values keep their rules: "" there, a partly filled object or ttl 0 is a 400', async (t) => {
  const { post } = await setup(t)
  const cases: Array<[string, Body, string, boolean?]> = [
    ['senderInfoTrackingId', { ...csharpViber(), senderInfoTrackingId: '' }, 'flow[0].senderInfoTrackingId'],
    ['Viber to', { ...csharpViber(), to: '' }, 'flow[0].to'],
    ['Sms from', { ...csharpSms(1), from: '' }, 'flow[0].from'],
    ['Sms body', { ...csharpSms(1), message: { ...csharpSms().message, body: '' } }, 'flow[0].message.body'],
    ['a caption next to a real targetUrl', { ...csharpViber(), message: { text: 'x', action: { caption: '', targetUrl: 'https://example.com' } } }, 'flow[0].message.action.caption'],
    ['a targetUrl next to a real caption', { ...csharpViber(), message: { text: 'x', action: { caption: 'Go', targetUrl: '' } } }, 'flow[0].message.action.targetUrl'],
    ['ttl 0', { ...csharpViber(), ttl: 0 }, 'flow[0].ttl'],
    ['Sms ttl 0', { ...csharpSms(1), ttl: 0 }, 'flow[0].ttl'],
    ['Voice from', { ...csharpVoice(1), from: '' }, 'flow[0].from'],
    ['template id', templateViberStep('+306912345678', { templateId: '' }), 'flow[0].templateId', true],
    ['template language', templateViberStep('+306912345678', { templateLang: '' }), 'flow[0].templateLang', true]
  ]
  for (const [name, step, path, transactional] of cases) {
    const res = await post({ flow: [step] }, transactional)
    t.equal(res.statusCode, 400, name)
    t.ok(path in (res.json().properties ?? {}), `${name}: names ${path} (${res.body})`)
  }
  const callback = await post({ flow: [csharpSms(1)], callback: { strategy: 'OnChange', url: '' } })
  t.equal(callback.statusCode, 400, 'a callback with a strategy and an empty url')
  t.ok('callback.url' in callback.json().properties)
  const nobody = await post({ flow: [{ ...csharpVoice(1), to: { phone: '', viber: '', sip: '' } }] })
  t.same(nobody.json().properties, { 'flow[0].to': ERRORS.VOICE_TO_EMPTY.message }, 'a Voice to with every field empty has no number')
  // a value that is not a string stays a type error
  const typed = await post({ flow: [{ ...csharpSms(1), ttl: '' }] })
  t.equal(typed.statusCode, 400, 'ttl "" is not a number')
})

t.test('SANDBOX_STRICT=true: each empty optional value is a 400 naming it', async (t) => {
  const { post } = await setup(t, { SANDBOX_STRICT: true })
  const clean = (): Body => ({ type: 'Viber', to: '+306912345678', message: { text: 'x' }, order: 1, senderInfoTrackingId: 'your-sender-info-tracking-id' })
  const cases: Array<[string, Body, boolean?]> = [
    ['flow[0].inboundUrl', { ...clean(), inboundUrl: '' }],
    ['flow[0].label', { ...clean(), label: '' }],
    ['flow[0].from', { ...clean(), from: '' }],
    ['flow[0].message.imageUrl', { ...clean(), message: { text: 'x', imageUrl: '' } }],
    ['flow[0].message.body', { ...clean(), message: { text: 'x', body: '' } }],
    ['flow[0].message.action', { ...clean(), message: { text: 'x', action: { caption: '', targetUrl: '' } } }],
    ['flow[0].message.label', { ...csharpSms(1), message: { body: 'x', label: '' }, senderInfoTrackingId: undefined, inboundUrl: undefined, expireOnDelivery: undefined }],
    ['flow[0].to.phone', { type: 'Voice', from: 'Routee', to: { phone: '', sip: 'sip:alice@example.com', viber: '' }, dialPlan: { verbs: [{ type: 'SAY', message: { text: 'x', language: 'en-US' } }] }, order: 1 }],
    ['flow[0].inboundUrl', templateViberStep('+306912345678', { inboundUrl: '' }), true],
    ['flow[0].deliveryScope', templateViberStep('+306912345678', { deliveryScope: '' }), true]
  ]
  for (const [path, step, transactional] of cases) {
    const res = await post({ flow: [JSON.parse(JSON.stringify(step))] }, transactional)
    t.equal(res.statusCode, 400, path)
    t.same(res.json().properties, { [path]: ERRORS.EMPTY_VALUE_STRICT.message }, `${path}: named, and only it`)
  }
  const callback = await post({ flow: [clean()], callback: { strategy: '', url: 'https://example.com/cb' } })
  t.same(callback.json().properties, { 'callback.strategy': ERRORS.EMPTY_VALUE_STRICT.message })
  const all = await post({ flow: [csharpViber(), csharpSms()] })
  t.equal(all.statusCode, 400, 'the whole C# shape')
  const properties = all.json().properties
  // every value the lenient run lists as sent empty is named here
  for (const path of ['flow[0].from', 'flow[0].message.body', 'flow[0].message.label', 'flow[0].message.imageUrl', 'flow[0].message.action',
    'flow[0].inboundUrl', 'flow[1].message.label', 'flow[1].message.text', 'flow[1].message.imageUrl', 'flow[1].message.action',
    'flow[1].senderInfoTrackingId', 'flow[1].inboundUrl']) {
    t.equal(properties[path], ERRORS.EMPTY_VALUE_STRICT.message, path)
  }
  t.equal(Object.keys(properties).length, 15, '12 empty values and 3 unknown ones (flash, transcode on Viber; expireOnDelivery on Sms)')
  t.equal(properties['flow[0].message.flash'], ERRORS.UNKNOWN_PROPERTY_STRICT.message, 'an unknown value that is not empty is unknown')
  t.match(ERRORS.EMPTY_VALUE_STRICT.message, 'SANDBOX_STRICT')
  t.equal((await post({ flow: [clean()] })).statusCode, 200, 'strict mode takes a clean request')
})

t.test('inboundUrl is an HTTPS URL; http only for a local receiver (sandbox choice)', async (t) => {
  const { post } = await setup(t)
  const viber = (inboundUrl: string): Body => ({ type: 'Viber', to: '+306912345678', message: { text: 'x' }, order: 1, senderInfoTrackingId: 'your-sender-info-tracking-id', inboundUrl })
  const local = ['http://localhost:3000/in', 'http://LOCALHOST/in', 'http://ci.localhost/in', 'http://127.0.0.1:9000/in', 'http://127.1.2.3/in',
    'http://[::1]:8080/in', 'http://host.docker.internal:4000/in', 'https://example.com/in', 'HTTPS://example.com/in']
  for (const url of local) {
    for (const transactional of [false, true]) {
      const step = transactional ? templateViberStep('+306912345678', { inboundUrl: url }) : viber(url)
      const res = await post({ flow: [step] }, transactional)
      t.equal(res.statusCode, 200, `${url} (${transactional ? 'transactional' : 'standard'}): ${res.body.slice(0, 200)}`)
      if (res.statusCode === 200) t.equal(res.json().flow[0].inboundUrl, url, 'echoed as sent')
    }
  }
  for (const url of ['http://example.com/in', 'http://10.0.0.5/in', 'http://localhost.example.com/in', 'http://128.0.0.1/in', 'http://[::2]/in', 'http://docker.internal/in']) {
    for (const transactional of [false, true]) {
      const step = transactional ? templateViberStep('+306912345678', { inboundUrl: url }) : viber(url)
      const res = await post({ flow: [step] }, transactional)
      t.equal(res.statusCode, 400, `${url} is refused`)
      t.same(res.json().properties, { 'flow[0].inboundUrl': ERRORS.INBOUND_URL_HTTPS.message }, `${url}: named, with the catalog's words`)
      t.equal(res.json().code, ERRORS.INBOUND_URL_HTTPS.code)
    }
  }
  // the sandbox's own address: the host the request came to
  const own = await post({ flow: [viber('http://sandbox.internal:9999/in')] }, false, { host: 'sandbox.internal:8080' })
  t.equal(own.statusCode, 200, `the sandbox's own host: ${own.body.slice(0, 200)}`)
  const other = await post({ flow: [viber('http://other.internal:9999/in')] }, false, { host: 'sandbox.internal:8080' })
  t.equal(other.statusCode, 400, 'another host on the same network')
  // callback.url stays http(s) (§2)
  t.equal((await post({ flow: [viber('https://example.com/in')], callback: { url: 'http://example.com/cb' } })).statusCode, 200, 'an http callback.url')
  // every problem at once: the host rule is reported with the other business rules
  const both = await post({ flow: [{ ...viber('http://example.com/in'), to: '+302101234567' }] })
  t.same(Object.keys(both.json().properties).sort(), ['flow[0].inboundUrl', 'flow[0].to'])
})
