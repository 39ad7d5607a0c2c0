import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ERRORS } from '../../src/errors.js'
import { UI_DIR } from '../../src/paths.js'
import { demoBody } from '../../src/routes/sandbox/dashboard.js'
import type { FetchLike } from '../../src/engine/callbacks.js'
import { advance, checkControlPlaneContract, build, control, fixture, send, smsStep, token, viberStep } from '../helper.js'

// every /_sandbox answer here must match the committed OpenAPI document
checkControlPlaneContract()

// The dashboard (GET /) and the control routes it reads: /_sandbox/accounts, /_sandbox/flows,
// /_sandbox/flows/{id}/timeline, /_sandbox/demo/send and /_sandbox/demo/webhook.

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const quiet: FetchLike = async () => ({ status: 204 })

t.test('GET / serves the dashboard files; unknown paths keep the provider 404', async (t) => {
  const app = await build(t)
  const index = await app.inject({ url: '/' })
  t.equal(index.statusCode, 200)
  t.match(index.headers['content-type'], /^text\/html/)
  t.match(index.body, /<script type="module" src="app.js">/)
  t.match(index.body, /Send the seed example/)
  const js = await app.inject({ url: '/app.js' })
  t.equal(js.statusCode, 200)
  t.match(js.headers['content-type'], /javascript/)
  t.match(js.body, /\/_sandbox\/events\?accountId=/, 'the page listens to the live stream')
  const css = await app.inject({ url: '/style.css' })
  t.match(css.headers['content-type'], /^text\/css/)
  const missing = await app.inject({ url: '/nothing-here.js' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, ERRORS.ROUTE_NOT_FOUND.code)
  const traversal = await app.inject({ url: '/..%2fpackage.json' })
  t.equal(traversal.statusCode, 404, 'nothing outside src/ui is served')
})

t.test('the demo example is the seed page example, sent to the number and webhook given', async (t) => {
  const seed = JSON.parse(readFileSync(join(UI_DIR, 'seed-example.json'), 'utf8'))
  const demo = demoBody('+306900000200', true, 'http://127.0.0.1:1/hook')
  t.ok(demo.flow.every((step: any) => step.to === '+306900000200'), 'every step to the number given')
  t.equal(demo.callback.url, 'http://127.0.0.1:1/hook')
  t.equal(demo.flow[0].inboundUrl, 'http://127.0.0.1:1/hook')
  for (const step of demo.flow) { delete step.inboundUrl; step.to = seed.flow[0].to }
  demo.callback.url = seed.callback.url
  t.same(demo, seed, 'otherwise the seed example as it is')
})

t.test('GET /_sandbox/accounts lists every account with balance and clock', async (t) => {
  const app = await build(t)
  const created = await control(app, 'POST', '/accounts', { name: 'CI job', balance: 5, clock: 'realtime', scale: 60 })
  const { accountId } = created.json()
  const res = await control(app, 'GET', '/accounts')
  t.equal(res.statusCode, 200)
  const list = res.json()
  t.equal(list.length, 2)
  t.match(list[0], { id: 'sandbox', name: 'Sandbox', balance: 100, currency: { code: 'EUR' }, clock: { now: ISO, mode: 'manual', scale: 1 }, pendingFlows: 0 })
  t.match(list[1], { id: accountId, name: 'CI job', balance: 5, clock: { mode: 'realtime', scale: 60 } })

  const tok = await token(app)
  await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  const after = (await control(app, 'GET', '/accounts')).json()
  t.equal(after[0].pendingFlows, 1)
  t.equal(after[0].balance, 100 - 0.036)
})

t.test('GET /_sandbox/flows: newest first, filters, limit, createdReal, accounts', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const ids: string[] = []
  for (const body of [
    { flow: [smsStep('+306900000000')] },
    { flow: [viberStep('+306900000900'), smsStep('+306900000900', { order: 2 })] },
    { flow: [smsStep('+306900000030')] }
  ]) {
    const res = await send(app, tok, body, { transactional: false })
    ids.push(res.json().trackingId)
    await advance(app, { seconds: 1 })
  }
  const seed = fixture('seed-example.json')
  seed.callback = undefined
  ids.push((await send(app, tok, seed)).json().trackingId)
  await advance(app, { seconds: 5 })

  let res = await control(app, 'GET', '/flows')
  t.equal(res.statusCode, 200)
  let page = res.json()
  t.equal(page.total, 4)
  t.same(page.flows.map((f: any) => f.trackingId), [...ids].reverse(), 'newest first')
  // sandbox seconds 0–3: Sms delivered, Viber MANUAL (stays InProgress), Sms failed, the seed example delivered on Viber
  t.match(page.flows[0], { trackingId: ids[3], flowKind: 'transactional', status: 'Succeeded', createdAt: ISO, createdReal: ISO, messages: [{ type: 'Viber' }] })
  t.equal(Date.parse(page.flows[0].createdReal) <= Date.now(), true, 'createdReal is wall-clock time')

  const q = async (query: string): Promise<string[]> => (await control(app, 'GET', `/flows?${query}`)).json().flows.map((f: any) => f.trackingId)
  t.same(await q('to=%2B306900000900'), [ids[1]], 'by number')
  t.same(await q('to=00000'), [ids[2], ids[1], ids[0]], 'by part of a number')
  t.same(await q('status=succeeded'), [ids[3], ids[0]], 'by status, case-insensitive')
  t.same(await q('status=Failed'), [ids[2]])
  t.same(await q('flowKind=transactional'), [ids[3]])
  t.same(await q('flowKind=standard&status=InProgress'), [ids[1]], 'filters are ANDed')
  res = await control(app, 'GET', '/flows?limit=2')
  page = res.json()
  t.equal(page.total, 4, 'total counts every match')
  t.same(page.flows.map((f: any) => f.trackingId), [ids[3], ids[2]])
  t.equal((await control(app, 'GET', '/flows?limit=0')).statusCode, 400)

  // another account sees none of them, by header or by ?accountId=
  const { accountId } = (await control(app, 'POST', '/accounts')).json()
  t.same((await control(app, 'GET', '/flows', undefined, accountId)).json(), { total: 0, flows: [] })
  t.same((await control(app, 'GET', `/flows?accountId=${accountId}`)).json(), { total: 0, flows: [] })
  const unknown = await control(app, 'GET', '/flows?accountId=nobody')
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().code, ERRORS.ACCOUNT_NOT_FOUND.code)
})

t.test('GET /_sandbox/flows/{id}/timeline: steps in run order, changes, recipient view and why', async (t) => {
  const app = await build(t, { fetch: quiet })
  const tok = await token(app)
  const body = fixture('seed-example.json')
  for (const step of body.flow) step.to = '+306900000200'
  const { trackingId } = (await send(app, tok, body)).json()
  await advance(app, { until: 'idle' })

  const res = await control(app, 'GET', `/flows/${trackingId}/timeline`)
  t.equal(res.statusCode, 200)
  const tl = res.json()
  t.match(tl, {
    trackingId,
    accountId: 'sandbox',
    flowKind: 'transactional',
    status: 'Succeeded',
    statusCode: null,
    terminationChannel: 'Sms',
    totalPrice: 0.0453,
    currency: 'EUR',
    createdAt: ISO,
    createdReal: ISO,
    callback: { strategy: 'OnCompletion', url: 'https://your-server.com/failover-callback' },
    why: 'Succeeded at step 2 (Sms), 10 min 3 s after it was accepted'
  })
  const [viber, sms] = tl.steps
  t.match(viber, {
    channel: 'Viber',
    state: 'ended',
    status: 'EXPIRED',
    outcome: { outcome: 'EXPIRED', source: 'magic' },
    why: 'EXPIRED at ttl 10 min; EXPIRED is in failoverOnStatuses → next step: Sms',
    recipient: { channel: 'Viber', from: 'YourBrand', viber: { text: 'Hello Alex, your order is on its way.' } }
  })
  t.same(viber.changes.map((c: any) => [c.status, c.offsetMs]), [['QUEUED', 0], ['EXPIRED', 600_000]])
  t.match(sms, { channel: 'Sms', state: 'ended', status: 'Delivered', why: 'Delivered → flow Succeeded', recipient: { sms: { text: 'We could not reach you on Viber.', encoding: 'GSM7', parts: 1 } } })
  t.same(sms.changes.map((c: any) => [c.status, c.offsetMs]), [['Queued', 600_000], ['Sent', 601_000], ['Delivered', 603_000]])

  const missing = await control(app, 'GET', '/flows/00000000-0000-0000-0000-000000000000/timeline')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().developerMessage, ERRORS.TRACKING_NOT_FOUND.message)
  const { accountId } = (await control(app, 'POST', '/accounts')).json()
  const elsewhere = await control(app, 'GET', `/flows/${trackingId}/timeline`, undefined, accountId)
  t.equal(elsewhere.statusCode, 404, "another account's flow is not found")
})

t.test('POST /_sandbox/demo/send sends the seed example through the engine, callbacks to the demo receiver', async (t) => {
  const posted: string[] = []
  const app = await build(t, { fetch: async (url) => { posted.push(url); return { status: 204 } } })
  const res = await control(app, 'POST', '/demo/send', { to: '+306900000200' })
  t.equal(res.statusCode, 200)
  const demo = res.json()
  // the sandbox's own receiver (src/routes/sandbox/webhooks.ts), inbox "demo"
  const webhook = 'http://localhost:80/_sandbox/webhooks/demo'
  t.match(demo.response, { trackingId: demo.trackingId, flowKind: 'transactional', callback: { strategy: 'OnCompletion', url: webhook } })
  t.same(demo.request.flow.map((s: any) => s.to), ['+306900000200', '+306900000200'], '`to` on both steps')
  t.equal(demo.request.flow[0].inboundUrl, webhook, 'replies go to the demo receiver too')
  t.equal(demo.request.flow[0].templateId, fixture('seed-example.json').flow[0].templateId)

  const tok = await token(app)
  const rec = await app.inject({ url: `/failover/tracking/${demo.trackingId}`, headers: { authorization: `Bearer ${tok}` } })
  t.match(rec.json(), { status: 'InProgress', applicationId: 'sandbox-app', flowKind: 'transactional' }, 'a real flow of the account, visible to its API client')
  await advance(app, { until: 'idle' })
  t.same(posted, [webhook], 'the completion callback went to the demo receiver')
  const callbacks = (await control(app, 'GET', `/callbacks?trackingId=${demo.trackingId}`)).json()
  t.match(callbacks, [{ kind: 'completion', state: 'delivered', attempts: [{ status: 204 }] }])
  const viberMessage = app.store.flows.messagesOf(demo.trackingId)[0]
  const reply = await control(app, 'POST', `/messages/${viberMessage.id}/reply`, { text: 'Thanks!' })
  t.match(reply.json(), { kind: 'inbound', url: webhook, state: 'delivered' }, 'a reply to the demo reaches the demo receiver')

  const standard = await control(app, 'POST', '/demo/send', { to: '+306900000000', transactional: false })
  t.equal(standard.statusCode, 200)
  t.notOk(standard.json().response.flowKind, 'the standard response has no flowKind')
  t.match(standard.json().request.flow[0], { type: 'Viber', message: { text: 'Hello Alex, your order is on its way.' } })
  t.notOk('templateId' in standard.json().request.flow[0])

  const { accountId } = (await control(app, 'POST', '/accounts', { name: 'demo' })).json()
  const other = await control(app, 'POST', `/demo/send?accountId=${accountId}`, { to: '+306900000000' })
  t.equal(other.statusCode, 200)
  t.equal(app.store.flows.flow(other.json().trackingId)!.accountId, accountId, 'sent on the chosen account')
})

t.test('POST /_sandbox/demo/send refuses what the API would refuse', async (t) => {
  const app = await build(t, { fetch: quiet })
  const badFormat = await control(app, 'POST', '/demo/send', { to: '6900000200' })
  t.equal(badFormat.statusCode, 400)
  t.equal(badFormat.json().properties.to, ERRORS.PHONE_FORMAT.message)
  const invalid = await control(app, 'POST', '/demo/send', { to: '+3069' + '0'.repeat(10) })
  t.equal(invalid.statusCode, 400)
  t.equal(invalid.json().code, ERRORS.VALIDATION.code)
  await control(app, 'PUT', '/balance', { balance: 0 })
  const broke = await control(app, 'POST', '/demo/send', { to: '+306900000200' })
  t.equal(broke.statusCode, 400)
  t.equal(broke.json().type, 'InsufficientBalance')
  t.equal((await control(app, 'POST', '/demo/send', { to: '+306900000200', extra: 1 })).statusCode, 400)
})

t.test('POST /_sandbox/demo/webhook acknowledges anything with 204', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/_sandbox/demo/webhook', payload: { trackingId: 'x', status: 'Succeeded' } })
  t.equal(res.statusCode, 204)
  t.equal(res.body, '')
})
