import t, { type Test } from 'tap'
import { ERRORS } from '../../src/errors.js'
import type { FetchLike } from '../../src/engine/callbacks.js'
import { bearer, control, fixture, send, smsStep, timeline, token, viberStep, voiceStep, type Timeline } from '../helper.js'

// provider-api.md §4: GET /failover/tracking/{trackingId} and the search POST /failover/tracking.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
// the seed example asks for a callback: answer it here instead of on the network
const quiet: FetchLike = async () => ({ status: 200 })

t.test('the flow record and the fields of each channel', async (t) => {
  const tl = await timeline(t, { fetch: quiet })
  const to = '+306900000110'
  const id = await tl.send({
    flow: [
      viberStep(to, { message: { text: 'Hi', imageUrl: 'https://example.com/a.png', action: { caption: 'Open', targetUrl: 'https://example.com' } }, label: 'promo', inboundUrl: 'https://example.com/in', ttl: 1 }),
      smsStep(to, { order: 2, message: { body: 'Your code is 1234', label: 'otp' } }),
      voiceStep(to, { order: 3 })
    ]
  })
  let r = await tl.record(id)
  t.match(r, {
    trackingId: id,
    flowKind: 'standard',
    status: 'InProgress',
    statusCode: null,
    terminationChannel: 'Viber',
    totalPrice: 0.035,
    originatingService: 'Failover',
    applicationId: 'sandbox-app',
    createdAt: ISO,
    updatedAt: ISO
  })
  t.equal(tl.sec(r.createdAt), 0)
  await tl.idle()
  r = await tl.record(id)
  t.equal(r.messages.length, 3)
  const [viber, sms, voice] = r.messages

  t.same(Object.keys(viber.status), ['name', 'reason', 'updatedDate'])
  t.match(viber, {
    type: 'Viber',
    order: 1,
    failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED'],
    to,
    from: 'YourBrand',
    country: 'GR',
    status: { name: 'UNDELIVERED', reason: { detailedStatus: 'Not Viber User', description: String }, updatedDate: ISO },
    price: 0.035,
    createdAt: ISO,
    trackingId: UUID,
    ttl: 1,
    expireOnDelivery: false,
    expiredOnDeliveryAt: null,
    inboundUrl: 'https://example.com/in',
    body: { text: 'Hi', imageUrl: 'https://example.com/a.png', action: { caption: 'Open', targetUrl: 'https://example.com' } },
    label: 'promo'
  })
  t.not(viber.trackingId, id, 'the Viber message has its own trackingId')
  t.notOk('templateId' in viber, 'no template fields on a standard flow')

  t.match(sms, {
    type: 'Sms',
    order: 2,
    failoverOnStatuses: ['Undelivered', 'Failed'],
    to,
    from: 'YourBrand',
    country: 'GR',
    status: { name: 'Undelivered', reason: { detailedStatus: 'Undelivered' } },
    price: 0.036,
    messageId: UUID,
    smsId: UUID,
    body: 'Your code is 1234',
    operator: String,
    part: 1,
    parts: 1,
    latency: 3000,
    label: 'otp',
    ttl: 1200
  })
  t.not(sms.smsId, sms.messageId)

  t.match(voice, {
    type: 'Voice',
    order: 3,
    failoverOnStatuses: ['Busy', 'NoAnswer'],
    to: { phone: to },
    from: 'Sandbox',
    country: 'GR',
    status: { name: 'Completed', reason: { detailedStatus: 'Completed' } },
    price: 0.05,
    messageId: UUID,
    conversationTrackingId: UUID,
    duration: 6
  })
  t.same([viber.createdAt, sms.createdAt, voice.createdAt].map(tl.sec), [0, 2, 5])
  t.equal(r.status, 'Succeeded')
  t.equal(r.terminationChannel, 'Voice')
  t.equal(r.totalPrice, 0.121)
})

t.test('a transactional Viber message carries the template fields and no body or label', async (t) => {
  const tl = await timeline(t, { fetch: quiet })
  const id = await tl.send(fixture('seed-example.json'), { transactional: true })
  const r = await tl.record(id)
  t.equal(r.flowKind, 'transactional')
  const m = r.messages[0]
  t.match(m, {
    type: 'Viber',
    from: 'YourBrand',
    templateId: '0aac888f-2ee2-4112-9659-1755a951966a',
    templateLang: 'en',
    templateParams: { customer_name: 'Alex' },
    deliveryScope: 'PRIMARY_DEVICE',
    seq: 1,
    ttl: 10,
    expireOnDelivery: false,
    expiredOnDeliveryAt: null,
    inboundUrl: null,
    price: 0.0093
  })
  t.notOk('body' in m, 'no body')
  t.notOk('label' in m, 'no label')
  const second = await tl.record(await tl.send(fixture('seed-example.json'), { transactional: true }))
  t.equal(second.messages[0].seq, 2, 'seq increases per account')
})

t.test('unknown and other accounts’ tracking ids are 404; no token is 401; no failover scope is 403', async (t) => {
  const tl = await timeline(t)
  const id = await tl.send({ flow: [smsStep()] })
  let res = await tl.app.inject({ method: 'GET', url: '/failover/tracking/00000000-0000-4000-8000-000000000000', headers: bearer(tl.tok) })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { code: ERRORS.TRACKING_NOT_FOUND.code, developerMessage: ERRORS.TRACKING_NOT_FOUND.message, type: ERRORS.TRACKING_NOT_FOUND.type })
  res = await tl.app.inject({ method: 'GET', url: '/failover/tracking/not-a-uuid', headers: bearer(tl.tok) })
  t.equal(res.statusCode, 404)

  const other = (await control(tl.app, 'POST', '/accounts', {})).json()
  const otherTok = await token(tl.app, { id: other.applicationId, secret: other.applicationSecret })
  res = await tl.app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(otherTok) })
  t.equal(res.statusCode, 404, 'another account’s flow does not exist for this one')
  t.equal(res.json().developerMessage, ERRORS.TRACKING_NOT_FOUND.message)

  res = await tl.app.inject({ method: 'GET', url: `/failover/tracking/${id}` })
  t.equal(res.statusCode, 401)
  const smsOnly = await token(tl.app, { scope: 'sms' })
  res = await tl.app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(smsOnly) })
  t.equal(res.statusCode, 403)
  t.equal(res.json().code, ERRORS.ACCESS_DENIED.code)
  res = await tl.app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(smsOnly), payload: [] })
  t.equal(res.statusCode, 403)
})

// five flows sent 10 s apart (sandbox time), run to the end:
//   A  0 s  standard       Viber → Sms to +306900000100     Succeeded, Sms
//   B 10 s  standard       Sms to +306912345678              Succeeded, Sms
//   C 20 s  transactional  Viber → Sms to +306912345600      Succeeded, Viber
//   D 30 s  standard       Voice to +306900000001 (Busy)     Failed "2", Voice
//   E 40 s  standard       Viber MANUAL to +4915112345678    InProgress, Viber
async function fiveFlows (t: Test): Promise<{ tl: Timeline, ids: Record<'A' | 'B' | 'C' | 'D' | 'E', string> }> {
  const tl = await timeline(t, { fetch: quiet })
  const seed = fixture('seed-example.json')
  seed.flow[0].to = '+306912345600'
  seed.flow[1].to = '+306912345600'
  const A = await tl.send({ flow: [viberStep('+306900000100'), smsStep('+306900000100', { order: 2 })] })
  await tl.at(10)
  const B = await tl.send({ flow: [smsStep('+306912345678')] })
  await tl.at(20)
  const C = await tl.send(seed, { transactional: true })
  await tl.at(30)
  const D = await tl.send({ flow: [voiceStep('+306900000001')] })
  await tl.at(40)
  const E = await tl.send({ flow: [viberStep('+4915112345678')] }, { outcome: 'Viber=MANUAL' })
  await tl.idle()
  return { tl, ids: { A, B, C, D, E } }
}

t.test('search: every field and operator, array or single filter, case-insensitive', async (t) => {
  const { tl, ids } = await fiveFlows(t)
  const letter = new Map(Object.entries(ids).map(([k, v]) => [v, k]))
  const search = async (body: unknown, query = ''): Promise<string> => {
    const res = await tl.app.inject({ method: 'POST', url: `/failover/tracking${query}`, headers: bearer(tl.tok), ...(body === undefined ? {} : { payload: body as any }) })
    if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${res.body}`)
    return res.json().content.map((r: any) => letter.get(r.trackingId)).join('')
  }
  const f = (fieldName: string, searchOperator: string | undefined, searchTerm: string): Record<string, string> =>
    searchOperator === undefined ? { fieldName, searchTerm } : { fieldName, searchOperator, searchTerm }

  t.equal(await search([]), 'EDCBA', 'no filter: every flow, newest first')
  t.equal(await search(undefined), 'EDCBA', 'no body at all')

  const cases: Array<[unknown, string, string]> = [
    [[f('type', 'is', 'Sms')], 'CBA', 'type is: a flow with a step of that type, started or not'],
    [[f('type', 'is_not', 'Viber')], 'DB', 'type is_not'],
    [[f('type', undefined, 'voice')], 'D', 'operator defaults to is; terms are case-insensitive'],
    [[f('to', 'is', '+306912345678')], 'B', 'to is'],
    [[f('to', 'is_not', '+306912345678')], 'EDCA', 'to is_not'],
    [[f('to', 'contains', '0000')], 'DA', 'to contains'],
    [[f('to', 'starts_with', '+49')], 'E', 'to starts_with'],
    [[f('to', 'ends_with', '00')], 'CA', 'to ends_with'],
    [[f('status', 'is', 'succeeded')], 'CBA', 'status is'],
    [[f('status', 'is_not', 'Succeeded')], 'ED', 'status is_not'],
    [[f('status', 'IS', 'INPROGRESS')], 'E', 'operator names in any case'],
    [[f('terminationChannel', 'is', 'sms')], 'BA', 'terminationChannel is'],
    [[f('terminationChannel', 'is_not', 'Sms')], 'EDC', 'terminationChannel is_not'],
    [[f('flowKind', 'is', 'Transactional')], 'C', 'flowKind is'],
    [[f('FLOWKIND', 'Is_Not', 'transactional')], 'EDBA', 'field names in any case'],
    [f('status', 'is', 'Failed'), 'D', 'a single filter object'],
    [[f('type', 'is', 'Sms'), f('terminationChannel', 'is_not', 'Sms')], 'C', 'filters are ANDed'],
    [[f('to', 'contains', '%')], '', 'LIKE wildcards in a term are plain characters'],
    [[f('status', 'is', 'Queued')], '', 'no match']
  ]
  for (const [body, want, says] of cases) t.equal(await search(body), want, says)

  // dateStart / dateEnd: sandbox creation times, both ends included
  const at = (s: number): string => encodeURIComponent(new Date(tl.start + s * 1000).toISOString())
  t.equal(await search([], `?dateStart=${at(10)}&dateEnd=${at(30)}`), 'DCB', 'dateStart and dateEnd included')
  t.equal(await search([], `?dateStart=${at(10.001)}`), 'EDC')
  t.equal(await search([], `?dateEnd=${at(9.999)}`), 'A')
  t.equal(await search([f('type', 'is', 'Sms')], `?dateStart=${at(10)}`), 'CB', 'dates and filters together')
})

t.test('search pages: page is 0-based, the envelope counts, and the last page says so', async (t) => {
  const { tl, ids } = await fiveFlows(t)
  const page = async (query: string): Promise<any> => {
    const res = await tl.app.inject({ method: 'POST', url: `/failover/tracking${query}`, headers: bearer(tl.tok), payload: [] })
    t.equal(res.statusCode, 200, res.body)
    return res.json()
  }
  let p = await page('?page=0&size=2')
  t.same(p.content.map((r: any) => r.trackingId), [ids.E, ids.D])
  t.same({ ...p, content: undefined }, { content: undefined, totalPages: 3, totalElements: 5, number: 0, size: 2, numberOfElements: 2, first: true, last: false })
  t.same(p.content[0], await tl.record(ids.E), 'each hit is the full tracking record')
  p = await page('?page=1&size=2')
  t.same(p.content.map((r: any) => r.trackingId), [ids.C, ids.B])
  t.same([p.number, p.first, p.last], [1, false, false])
  p = await page('?page=2&size=2')
  t.same(p.content.map((r: any) => r.trackingId), [ids.A])
  t.same([p.numberOfElements, p.first, p.last], [1, false, true])
  p = await page('?page=7&size=2')
  t.same([p.content.length, p.numberOfElements, p.totalElements, p.last], [0, 0, 5, true], 'past the end: empty')
  p = await page('')
  t.same([p.size, p.number, p.totalPages, p.numberOfElements], [10, 0, 1, 5], 'defaults: page 0, size 10')
  p = await page('?size=1000')
  t.equal(p.size, 1000, 'size up to 1000')

  // another account sees none of them
  const other = (await control(tl.app, 'POST', '/accounts', {})).json()
  const otherTok = await token(tl.app, { id: other.applicationId, secret: other.applicationSecret })
  const res = await tl.app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(otherTok), payload: [] })
  t.same([res.json().totalElements, res.json().totalPages, res.json().last], [0, 0, true])
})

t.test('search: a bad field, operator, term, body or query is a 400', async (t) => {
  const tl = await timeline(t)
  await tl.send({ flow: [smsStep()] })
  const bad = async (body: unknown, query = ''): Promise<any> => {
    const res = await tl.app.inject({ method: 'POST', url: `/failover/tracking${query}`, headers: bearer(tl.tok), payload: body as any })
    t.equal(res.statusCode, 400, `${JSON.stringify(body)} ${query}`)
    t.equal(res.json().code, ERRORS.VALIDATION.code)
    return res.json()
  }
  let body = await bad([{ fieldName: 'price', searchTerm: '1' }])
  t.match(body.properties['[0].fieldName'], 'type, to, status, terminationChannel, flowKind')
  body = await bad({ fieldName: 'status', searchOperator: 'contains', searchTerm: 'x' })
  t.match(body.properties.searchOperator, 'is, is_not for status')
  body = await bad([{ fieldName: 'to', searchTerm: '+30' }, { fieldName: 'to', searchOperator: 'like', searchTerm: 'x' }])
  t.match(body.properties['[1].searchOperator'], 'is, is_not, contains, starts_with, ends_with')
  await bad([{ fieldName: 'to', searchTerm: '' }])
  await bad([{ fieldName: 'to' }])
  await bad('status')
  await bad([], '?size=0')
  await bad([], '?size=1001')
  await bad([], '?page=-1')
  await bad([], '?dateStart=yesterday')
  await bad([], '?dateEnd=2026-13-01T00:00:00Z')
})

t.test('GET /accounts/me/balance follows the charges', async (t) => {
  const tl = await timeline(t)
  const res = await tl.app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tl.tok) })
  t.same(res.json(), { balance: 100, currency: { code: 'EUR', name: 'Euro', sign: '€' } })
  await send(tl.app, tl.tok, { flow: [smsStep()] }, { transactional: false })
  const after = await tl.app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tl.tok) })
  t.equal(after.json().balance, 99.964)
})
