import t, { type Test } from 'tap'
import { bearer, build, send, token } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import type { App } from '../../src/app.js'

// provider-api.md §8: Viber transactional templates; sandbox.md: /_sandbox/templates/{id}/approve|reject

const SENDER = 'your-sender-info-tracking-id'
const OTHER_SENDER = '0094d198-4dd2-4fb5-b451-d46aca191b27'
const BASE = '/viber/transactional/templates'
const SEED_IDS = ['0aac888f-2ee2-4112-9659-1755a951966a', 'c2cdc028-a48b-4187-bbaf-3aaa137b6e23', '5b0f3c1e-7a57-4c0e-9d43-3f4f8a1c2d10', '9e8d7c6b-5a49-4f3e-8d2c-1b0a9f8e7d6c']
const PENDING = '5b0f3c1e-7a57-4c0e-9d43-3f4f8a1c2d10'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

interface Ctx { app: App, tok: string }

async function setup (t: Test): Promise<Ctx> {
  const app = await build(t)
  return { app, tok: await token(app) }
}

async function list ({ app, tok }: Ctx, sender?: string): Promise<any[]> {
  const res = await app.inject({ method: 'GET', url: BASE + (sender === undefined ? '' : `?senderInfoTrackingId=${encodeURIComponent(sender)}`), headers: bearer(tok) })
  if (res.statusCode !== 200) throw new Error(`list: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** POST a template; `sender: null` leaves the query out. */
async function create ({ app, tok }: Ctx, body: unknown, sender: string | null = SENDER) {
  return await app.inject({ method: 'POST', url: BASE + (sender === null ? '' : `?senderInfoTrackingId=${encodeURIComponent(sender)}`), headers: bearer(tok), payload: body as any })
}

async function review ({ app }: Ctx, id: string, action: 'approve' | 'reject', account?: string) {
  return await app.inject({ method: 'POST', url: `/_sandbox/templates/${id}/${action}`, headers: account ? { 'x-sandbox-account': account } : {} })
}

/** A transactional flow with one template step. */
function templateFlow (templateId: string, templateParams: Record<string, unknown>, templateLang = 'en'): unknown {
  return { flow: [{ type: 'Viber', senderInfoTrackingId: SENDER, to: '+306912345678', templateId, templateLang, templateParams, order: 1, failoverOnStatuses: ['EXPIRED'] }] }
}

function refused (t: Test, res: { statusCode: number, json: () => any }, path: string, message: string, name: string): void {
  t.equal(res.statusCode, 400, name)
  t.equal(res.json().code, '400000000', name)
  t.equal(res.json().properties?.[path], message, `${name}: ${path}`)
  t.match(res.json().developerMessage, path, name)
}

t.test('GET lists the account\'s templates, optionally of one sender', async (t) => {
  const ctx = await setup(t)
  const all = await list(ctx)
  t.same(all.map((x) => x.id).sort(), [...SEED_IDS].sort(), 'the four seed templates')
  const approved = all.find((x) => x.id === SEED_IDS[0])
  t.same(approved, {
    id: SEED_IDS[0],
    senderInfoTrackingId: SENDER,
    name: 'order_update',
    category: 'TRANSACTIONAL',
    languages: { en: 'Hello {{customer_name}}, your order is on its way.' },
    placeholders: ['customer_name'],
    status: 'APPROVED',
    createdAt: approved.createdAt
  })
  t.match(approved.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.same(all.map((x) => x.status).sort(), ['APPROVED', 'APPROVED', 'PENDING', 'REJECTED'])
  t.same(all.find((x) => x.category === 'OTP')?.placeholders, ['pin'])
  t.equal((await list(ctx, SENDER)).length, 4, 'filtered by its sender')
  t.same(await list(ctx, OTHER_SENDER), [], 'another sender has none')
  t.same(await list(ctx, 'no-such-sender'), [], 'an unknown sender lists nothing (sandbox choice: not a 400)')
  const empty = await ctx.app.inject({ method: 'GET', url: `${BASE}?senderInfoTrackingId=`, headers: bearer(ctx.tok) })
  t.equal(empty.statusCode, 400, 'an empty filter is refused')
  t.equal(empty.json().properties?.senderInfoTrackingId, 'must not be empty.')
})

t.test('POST creates a PENDING template of the sender; placeholders come from the texts', async (t) => {
  const ctx = await setup(t)
  const res = await create(ctx, { name: 'welcome', languages: { en: 'Hi {{first_name}}, code {{ref}}.', 'pt-BR': 'Olá {{first_name}} ({{ref}}) {{extra}}' } })
  t.equal(res.statusCode, 200, res.body)
  const tpl = res.json()
  t.match(tpl.id, UUID)
  t.equal(tpl.status, 'PENDING')
  t.equal(tpl.category, 'TRANSACTIONAL', 'the default category')
  t.equal(tpl.senderInfoTrackingId, SENDER)
  t.same(tpl.placeholders, ['first_name', 'ref', 'extra'], 'each placeholder once, across languages')
  t.same((await list(ctx)).find((x) => x.id === tpl.id), tpl, 'listed as created')
  t.same((await list(ctx, OTHER_SENDER)), [], 'under its sender only')
  const otp = await create(ctx, { name: 'otp', category: 'OTP', languages: { en: 'Code: {{pin}}', de: 'Code: {{pin}}' } }, OTHER_SENDER)
  t.equal(otp.statusCode, 200, otp.body)
  t.equal(otp.json().category, 'OTP')
  t.equal((await list(ctx, OTHER_SENDER)).length, 1)
  const inactive = await create(ctx, { name: 'later', languages: { en: 'x' } }, 'inactive-sender')
  t.equal(inactive.statusCode, 200, 'an inactive sender may hold templates (sandbox choice); its flows are refused')
})

t.test('POST refuses bad templates, each with its own message', async (t) => {
  const ctx = await setup(t)
  const good = { name: 'n', languages: { en: 'x' } }
  refused(t, await create(ctx, good, null), 'senderInfoTrackingId', ERRORS.FIELD_REQUIRED.message, 'no sender in the query')
  refused(t, await create(ctx, good, 'no-such-sender'), 'senderInfoTrackingId', ERRORS.SENDER_UNKNOWN.message, 'unknown sender')
  refused(t, await create(ctx, { languages: { en: 'x' } }), 'name', ERRORS.FIELD_REQUIRED.message, 'no name')
  refused(t, await create(ctx, { ...good, name: '' }), 'name', 'must not be empty.', 'empty name')
  refused(t, await create(ctx, { ...good, name: 'n'.repeat(101) }), 'name', 'must be at most 100 characters.', 'long name')
  refused(t, await create(ctx, { name: 'n' }), 'languages', ERRORS.FIELD_REQUIRED.message, 'no languages')
  refused(t, await create(ctx, { ...good, languages: {} }), 'languages', 'must not be empty.', 'no language')
  refused(t, await create(ctx, { ...good, languages: { english: 'x' } }), 'languages.english', 'is not accepted as a key: keys must be: a language code such as en or pt-BR.', 'language english')
  refused(t, await create(ctx, { ...good, languages: { en: '' } }), 'languages.en', 'must not be empty.', 'empty text')
  refused(t, await create(ctx, { ...good, languages: { en: 'x'.repeat(1001) } }), 'languages.en', 'must be at most 1000 characters.', 'long text')
  refused(t, await create(ctx, { ...good, languages: { en: 42 } }), 'languages.en', 'must be a string.', 'numeric text')
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`, 'x']))
  refused(t, await create(ctx, { ...good, languages: many }), 'languages', 'must have at most 50 entries.', '51 languages')
  refused(t, await create(ctx, { ...good, category: 'MARKETING' }), 'category', 'must be one of TRANSACTIONAL, OTP.', 'category')
  refused(t, await create(ctx, { ...good, category: 'OTP', languages: { en: 'Code {{pin}}', de: 'Code {{code}}' } }), 'languages.de', ERRORS.TEMPLATE_OTP_NO_PIN.message, 'OTP without pin')
  t.equal((await list(ctx)).length, 4, 'nothing was created')
})

t.test('DELETE removes a template: 204, then 404; it can no longer be used', async (t) => {
  const ctx = await setup(t)
  const del = await ctx.app.inject({ method: 'DELETE', url: `${BASE}/${SEED_IDS[0]}`, headers: bearer(ctx.tok) })
  t.equal(del.statusCode, 204)
  t.equal(del.body, '')
  t.notOk((await list(ctx)).some((x) => x.id === SEED_IDS[0]))
  const again = await ctx.app.inject({ method: 'DELETE', url: `${BASE}/${SEED_IDS[0]}`, headers: bearer(ctx.tok) })
  t.equal(again.statusCode, 404)
  t.same(again.json(), { code: '404000000', developerMessage: ERRORS.TEMPLATE_NOT_FOUND.message, type: 'NotFound' })
  const unknown = await ctx.app.inject({ method: 'DELETE', url: `${BASE}/not-a-template`, headers: bearer(ctx.tok) })
  t.equal(unknown.statusCode, 404)
  const flow = await send(ctx.app, ctx.tok, templateFlow(SEED_IDS[0], { customer_name: 'A' }))
  refused(t, flow, 'flow[0].templateId', ERRORS.TEMPLATE_UNKNOWN.message, 'a deleted template is unknown')
  const edit = await ctx.app.inject({ method: 'PUT', url: `${BASE}/${SEED_IDS[1]}`, headers: bearer(ctx.tok), payload: { name: 'x' } })
  t.equal(edit.statusCode, 404, 'templates are never edited: delete and create anew')
})

t.test('approve and reject a PENDING template; anything else is a 409', async (t) => {
  const ctx = await setup(t)
  const approved = await review(ctx, PENDING, 'approve')
  t.equal(approved.statusCode, 200, approved.body)
  t.equal(approved.json().status, 'APPROVED')
  t.equal((await list(ctx)).find((x) => x.id === PENDING)?.status, 'APPROVED', 'stored')
  const created = (await create(ctx, { name: 'n', languages: { en: 'x' } })).json()
  const rejected = await review(ctx, created.id, 'reject')
  t.equal(rejected.json().status, 'REJECTED')
  for (const [id, action, status] of [[PENDING, 'approve', 'APPROVED'], [PENDING, 'reject', 'APPROVED'], [created.id, 'approve', 'REJECTED'], [created.id, 'reject', 'REJECTED']] as const) {
    const res = await review(ctx, id, action)
    t.equal(res.statusCode, 409, `${action} a ${status} template`)
    t.equal(res.json().code, ERRORS.TEMPLATE_NOT_PENDING.code)
    t.equal(res.json().type, 'Conflict')
    t.equal(res.json().developerMessage, `The template is ${status}: only a PENDING template can be approved or rejected.`)
  }
  const unknown = await review(ctx, 'nope', 'approve')
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().developerMessage, ERRORS.TEMPLATE_NOT_FOUND.message)
})

t.test('a new template: refused in a flow while PENDING, usable once approved, refused once rejected', async (t) => {
  const ctx = await setup(t)
  const tpl = (await create(ctx, { name: 'shipping', languages: { en: 'Parcel {{parcel}} ships {{day}}', 'el-GR': 'Δέμα {{parcel}} {{day}}' } })).json()
  const body = templateFlow(tpl.id, { parcel: 'AB12', day: 'Monday' })
  refused(t, await send(ctx.app, ctx.tok, body), 'flow[0].templateId', 'the template is PENDING, not APPROVED: wait for approval or use an approved template.', 'PENDING')
  t.equal((await review(ctx, tpl.id, 'approve')).statusCode, 200)
  const ok = await send(ctx.app, ctx.tok, body)
  t.equal(ok.statusCode, 200, ok.body)
  t.equal(ok.json().flow[0].templateId, tpl.id)
  const greek = await send(ctx.app, ctx.tok, templateFlow(tpl.id, { parcel: 'AB12', day: 'Δευτέρα' }, 'el-GR'))
  t.equal(greek.statusCode, 200, 'any of its languages')
  refused(t, await send(ctx.app, ctx.tok, templateFlow(tpl.id, { parcel: 'AB12', day: 'x' }, 'de')), 'flow[0].templateLang', 'the template has no "de" text: use one of en, el-GR.', 'a language it lacks')
  refused(t, await send(ctx.app, ctx.tok, templateFlow(tpl.id, { parcel: 'AB12' })), 'flow[0].templateParams.day', ERRORS.TEMPLATE_PARAM_MISSING.message, 'its placeholders are checked')
  const record = await ctx.app.inject({ method: 'GET', url: `/failover/tracking/${String(ok.json().trackingId)}`, headers: bearer(ctx.tok) })
  t.match(record.json().messages[0], { templateId: tpl.id, templateParams: { parcel: 'AB12', day: 'Monday' } })

  const other = (await create(ctx, { name: 'nope', languages: { en: 'x' } })).json()
  await review(ctx, other.id, 'reject')
  refused(t, await send(ctx.app, ctx.tok, templateFlow(other.id, {})), 'flow[0].templateId', 'the template is REJECTED, not APPROVED: wait for approval or use an approved template.', 'REJECTED')
})
