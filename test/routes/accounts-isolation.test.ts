import t, { type Test } from 'tap'
import { basic, bearer, build, fixture, send, SEED_APP, smsStep, token } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import type { App } from '../../src/app.js'

// sandbox.md "Accounts are namespaces": nothing crosses accounts

const TEMPLATE = '0aac888f-2ee2-4112-9659-1755a951966a'
const PENDING = '5b0f3c1e-7a57-4c0e-9d43-3f4f8a1c2d10'

interface Account { accountId: string, applicationId: string, applicationSecret: string, tok: string }

async function newAccount (t: Test, app: App, payload?: unknown): Promise<Account> {
  const res = await app.inject({ method: 'POST', url: '/_sandbox/accounts', ...(payload === undefined ? {} : { payload: payload as any }) })
  t.equal(res.statusCode, 200, `POST /_sandbox/accounts: ${res.body}`)
  const created = res.json()
  return { ...created, tok: await token(app, { id: created.applicationId, secret: created.applicationSecret }) }
}

const balanceOf = async (app: App, tok: string): Promise<number> => (await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).json().balance
const templatesOf = async (app: App, tok: string): Promise<any[]> => (await app.inject({ method: 'GET', url: '/viber/transactional/templates', headers: bearer(tok) })).json()

t.test('POST /_sandbox/accounts (no body needed) gives fresh credentials that work at once', async (t) => {
  const app = await build(t)
  const a = await newAccount(t, app)
  const b = await newAccount(t, app)
  for (const acc of [a, b]) {
    t.type(acc.accountId, 'string')
    // sandbox.md: shaped like the provider's credentials (test/routes/oauth.test.ts checks the Basic header's length)
    t.match(acc.applicationId, /^[0-9a-f]{24}$/, '24 lower-case hex characters')
    t.match(acc.applicationSecret, /^[A-Za-z0-9]{16}$/, 'a random secret of 16 letters and digits')
  }
  t.not(a.accountId, b.accountId)
  t.not(a.applicationId, b.applicationId)
  t.not(a.applicationSecret, b.applicationSecret)
  t.not(a.accountId, 'sandbox')
  const full = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(a.applicationId, a.applicationSecret), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
  t.equal(full.json().scope, 'sms viber voice failover account', 'every scope, like the seed application')
  t.equal(await balanceOf(app, a.tok), 100, 'the seed balance, copied')
  t.equal((await templatesOf(app, a.tok)).length, 4, 'the seed templates, copied')
  t.equal((await send(app, a.tok, fixture('seed-example.json'))).statusCode, 200, 'the seed senders, copied: the seed page example runs')
  // with options
  const rich = await newAccount(t, app, { name: 'ci-job-42', balance: 5 })
  t.equal(await balanceOf(app, rich.tok), 5, 'a chosen balance')
  const refused = await app.inject({ method: 'POST', url: '/_sandbox/accounts', payload: { balance: -1 } })
  t.equal(refused.statusCode, 400)
  t.equal(refused.json().properties?.balance, 'must be >= 0.')
})

t.test('credentials belong to their application', async (t) => {
  const app = await build(t)
  const a = await newAccount(t, app)
  const tokenWith = async (id: string, secret: string): Promise<number> => (await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })).statusCode
  t.equal(await tokenWith(a.applicationId, SEED_APP.secret), 401, 'the seed secret does not open the new application')
  t.equal(await tokenWith(SEED_APP.id, a.applicationSecret), 401, 'the new secret does not open the seed application')
  t.equal(await tokenWith(a.accountId, a.applicationSecret), 401, 'the account id is not an application id')
})

t.test('a token never sees another account\'s flows', async (t) => {
  const app = await build(t)
  const sandboxTok = await token(app)
  const other = await newAccount(t, app)
  const mine = (await send(app, sandboxTok, fixture('seed-example.json'))).json().trackingId
  const theirs = (await send(app, other.tok, { flow: [smsStep()] }, { transactional: false })).json().trackingId

  for (const [tok, id, name] of [[other.tok, mine, 'the new account asks for a sandbox flow'], [sandboxTok, theirs, 'the sandbox asks for the new account\'s flow']]) {
    const res = await app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(tok) })
    t.equal(res.statusCode, 404, name)
    t.same(res.json(), { code: '404000000', developerMessage: ERRORS.TRACKING_NOT_FOUND.message, type: 'NotFound' }, `${name}: the same 404 as an unknown id`)
  }
  t.equal((await app.inject({ method: 'GET', url: `/failover/tracking/${mine}`, headers: bearer(sandboxTok) })).statusCode, 200, 'the owner sees it')

  const search = async (tok: string): Promise<string[]> =>
    (await app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(tok), payload: [] })).json().content.map((f: any) => f.trackingId)
  t.same(await search(sandboxTok), [mine], 'search: the sandbox sees only its flow')
  t.same(await search(other.tok), [theirs], 'search: the new account sees only its flow')
  const byTo = await app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(other.tok), payload: { fieldName: 'flowKind', searchTerm: 'transactional' } })
  t.equal(byTo.json().totalElements, 0, 'a filter matching the other account\'s flow finds nothing')
})

t.test('a token never sees another account\'s templates', async (t) => {
  const app = await build(t)
  const sandboxTok = await token(app)
  const other = await newAccount(t, app)
  const created = await app.inject({ method: 'POST', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', headers: bearer(other.tok), payload: { name: 'private', languages: { en: 'Hi {{x}}' } } })
  const id = created.json().id
  t.notOk((await templatesOf(app, sandboxTok)).some((x) => x.id === id), 'not listed for the sandbox')
  t.ok((await templatesOf(app, other.tok)).some((x) => x.id === id), 'listed for its owner')
  const del = await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${id}`, headers: bearer(sandboxTok) })
  t.equal(del.statusCode, 404, 'the sandbox cannot delete it')
  const approve = await app.inject({ method: 'POST', url: `/_sandbox/templates/${id}/approve`, headers: { 'x-sandbox-account': 'sandbox' } })
  t.equal(approve.statusCode, 404, 'nor approve it through the sandbox account')
  t.equal((await app.inject({ method: 'POST', url: `/_sandbox/templates/${id}/approve`, headers: bearer(other.tok) })).statusCode, 200, 'the owner\'s token picks the owner\'s account')
  const flow = { flow: [{ type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to: '+306912345678', templateId: id, templateLang: 'en', templateParams: { x: '1' }, order: 1, failoverOnStatuses: ['EXPIRED'] }] }
  t.equal((await send(app, other.tok, flow)).statusCode, 200, 'usable by its owner')
  const stranger = await send(app, sandboxTok, flow)
  t.equal(stranger.statusCode, 400, 'unknown to another account')
  t.equal(stranger.json().properties['flow[0].templateId'], ERRORS.TEMPLATE_UNKNOWN.message)

  // the seed templates are copies: changing one account's leaves the other's alone
  t.equal((await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${TEMPLATE}`, headers: bearer(other.tok) })).statusCode, 204)
  t.ok((await templatesOf(app, sandboxTok)).some((x) => x.id === TEMPLATE), 'the sandbox keeps its copy')
  t.equal((await send(app, sandboxTok, fixture('seed-example.json'))).statusCode, 200)
  await app.inject({ method: 'POST', url: `/_sandbox/templates/${PENDING}/approve`, headers: bearer(sandboxTok) })
  t.equal((await templatesOf(app, other.tok)).find((x) => x.id === PENDING)?.status, 'PENDING', 'an approval in one account is not one in another')
})

t.test('a token never sees another account\'s balance; control routes pick the account', async (t) => {
  const app = await build(t)
  const sandboxTok = await token(app)
  const other = await newAccount(t, app)
  const put = async (balance: number, headers: Record<string, string>) => await app.inject({ method: 'PUT', url: '/_sandbox/balance', headers, payload: { balance } })

  t.equal((await put(7, { 'x-sandbox-account': other.accountId })).json().balance, 7, 'X-Sandbox-Account names the account')
  t.equal(await balanceOf(app, other.tok), 7)
  t.equal(await balanceOf(app, sandboxTok), 100, 'the sandbox balance is untouched')
  await put(3, bearer(other.tok))
  t.equal(await balanceOf(app, other.tok), 3, 'else the bearer token\'s account')
  await put(50, {})
  t.equal(await balanceOf(app, sandboxTok), 50, 'else the sandbox account')
  t.equal(await balanceOf(app, other.tok), 3)
  await put(9, { ...bearer(other.tok), 'x-sandbox-account': 'sandbox' })
  t.equal(await balanceOf(app, sandboxTok), 9, 'the header beats the token')

  await send(app, other.tok, { flow: [smsStep()] })
  t.equal(await balanceOf(app, other.tok), 2.964, 'spending charges the sender\'s account')
  t.equal(await balanceOf(app, sandboxTok), 9, 'and no other')
  await put(0, { 'x-sandbox-account': other.accountId })
  t.equal((await send(app, other.tok, { flow: [smsStep()] })).json().type, 'InsufficientBalance', 'an empty account is refused')
  t.equal((await send(app, sandboxTok, { flow: [smsStep()] })).statusCode, 200, 'while another still sends')

  const unknown = await put(1, { 'x-sandbox-account': 'no-such-account' })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().developerMessage, 'Account no-such-account not found: create one with POST /_sandbox/accounts.')
  t.equal(unknown.json().type, ERRORS.ACCOUNT_NOT_FOUND.type)
})

t.test('DELETE /_sandbox/accounts/{id} removes the account, its tokens with it', async (t) => {
  const app = await build(t)
  const other = await newAccount(t, app)
  const del = await app.inject({ method: 'DELETE', url: `/_sandbox/accounts/${other.accountId}` })
  t.equal(del.statusCode, 204)
  const after = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(other.tok) })
  t.equal(after.statusCode, 401, 'its token is gone')
  t.same(after.json(), { error: 'invalid_token', error_description: `Invalid access token: ${other.tok}` })
  const again = await app.inject({ method: 'DELETE', url: `/_sandbox/accounts/${other.accountId}` })
  t.equal(again.statusCode, 404)
  t.equal(again.json().developerMessage, ERRORS.ACCOUNT_NOT_FOUND.message)
  t.equal((await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(other.applicationId, other.applicationSecret), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })).statusCode, 401, 'its credentials are gone')
  t.equal(await balanceOf(app, await token(app)), 100, 'the sandbox account is untouched')
})
