import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { basic, bearer, build, FakeTime, send, SEED_APP, smsStep, templateViberStep, token, viberStep, voiceStep } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import { SCOPE_ROLES } from '../../src/engine/channels.js'
import { ROOT } from '../../src/paths.js'
import { createIds } from '../../src/ids.js'
import type { App } from '../../src/app.js'

// provider-api.md §1: POST /oauth/token, the 401 bodies of API calls, and the 403 of a missing role

const FORM = 'application/x-www-form-urlencoded'
const ALL_SCOPES = 'sms viber voice failover account'
const ALL_ROLES = ['MT_ROLE_SMS', 'MT_ROLE_VIBER', 'MT_ROLE_VOICE', 'MT_ROLE_FAILOVER', 'MT_ROLE_ACCOUNT_FINANCE']
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const TEMPLATE_ID = '0aac888f-2ee2-4112-9659-1755a951966a'

/** The default seed plus applications of the sandbox account with other scopes and lifetimes. */
function seedWith (applications: Array<{ id: string, secret: string, scopes: string[], tokenLifetime: number }>): unknown {
  const seed = JSON.parse(readFileSync(join(ROOT, 'db', 'seed.json'), 'utf8'))
  seed.accounts[0].applications.push(...applications)
  return seed
}

/** POST /oauth/token; `auth: null` sends no Authorization header. */
async function tokenRequest (app: App, payload: string | undefined, auth: string | null = basic(SEED_APP.id, SEED_APP.secret), contentType: string | undefined = FORM) {
  const headers: Record<string, string> = {}
  if (auth !== null) headers.authorization = auth
  if (contentType !== undefined && payload !== undefined) headers['content-type'] = contentType
  return await app.inject({ method: 'POST', url: '/oauth/token', headers, payload })
}

const templateStep = (extra: Record<string, unknown> = {}): Record<string, unknown> => templateViberStep('+306912345678', extra)

t.test('client credentials give a bearer token with every scope of the application', async (t) => {
  const app = await build(t)
  const res = await tokenRequest(app, 'grant_type=client_credentials')
  t.equal(res.statusCode, 200, res.body)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json()
  t.match(body.access_token, UUID, 'an opaque UUID, not a JWT')
  t.same(body, { access_token: body.access_token, token_type: 'bearer', expires_in: 3599, scope: ALL_SCOPES, permissions: ALL_ROLES })
  const balance = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(body.access_token) })
  t.equal(balance.statusCode, 200, 'the token works on the API')
})

t.test('a JSON body is accepted as well as a form (sandbox choice)', async (t) => {
  const app = await build(t)
  const res = await tokenRequest(app, JSON.stringify({ grant_type: 'client_credentials', scope: 'sms failover' }), null, 'application/json')
  t.equal(res.statusCode, 401, 'still needs Basic credentials')
  const ok = await tokenRequest(app, JSON.stringify({ grant_type: 'client_credentials', scope: 'sms failover' }), basic(SEED_APP.id, SEED_APP.secret), 'application/json')
  t.equal(ok.statusCode, 200, ok.body)
  t.equal(ok.json().scope, 'sms failover')
})

t.test('bad client credentials → 401 unauthorized / Bad credentials', async (t) => {
  const app = await build(t)
  const cases: Array<[string, string | null]> = [
    ['no Authorization header', null],
    ['wrong secret', basic(SEED_APP.id, 'not-the-secret')],
    ['unknown application', basic('no-such-app', SEED_APP.secret)],
    ['empty secret', basic(SEED_APP.id, '')],
    ['no colon in the decoded value', 'Basic ' + Buffer.from('sandbox-app').toString('base64')],
    ['not base64', 'Basic ***'],
    ['Bearer instead of Basic', 'Bearer ' + SEED_APP.secret],
    ['a prototype key as the application', basic('__proto__', 'x')]
  ]
  for (const [name, auth] of cases) {
    const res = await tokenRequest(app, 'grant_type=client_credentials', auth)
    t.equal(res.statusCode, 401, name)
    t.same(res.json(), { error: 'unauthorized', error_description: ERRORS.OAUTH_BAD_CREDENTIALS.message }, name)
    // RFC 6749 §5.2: a 401 from the token endpoint names the scheme the client must use
    t.equal(res.headers['www-authenticate'], 'Basic realm="oauth2/client"', `${name}: a Basic challenge`)
  }
  const ok = await tokenRequest(app, 'grant_type=client_credentials')
  t.notOk('www-authenticate' in ok.headers, 'no challenge on a 200')
  const grant = await tokenRequest(app, 'grant_type=password')
  t.notOk('www-authenticate' in grant.headers, 'nor on a 400')
  t.equal(ERRORS.OAUTH_BAD_CREDENTIALS.message, 'Bad credentials', 'the provider\'s exact words')
  // credentials are checked before the grant
  const both = await tokenRequest(app, 'grant_type=password', basic(SEED_APP.id, 'wrong'))
  t.equal(both.statusCode, 401)
})

t.test('a missing or wrong grant_type → 400 unsupported_grant_type', async (t) => {
  const app = await build(t)
  const cases: Array<[string, string | undefined, RegExp]> = [
    ['a bare POST with no body', undefined, /^Missing grant_type: send grant_type=client_credentials\.$/],
    ['an empty form', '', /^Missing grant_type/],
    ['a form without grant_type', 'scope=sms', /^Missing grant_type/],
    ['password grant', 'grant_type=password', /^Unsupported grant type: password; send grant_type=client_credentials\.$/],
    ['authorization_code grant', 'grant_type=authorization_code', /^Unsupported grant type: authorization_code/],
    ['upper case (grant names are case-sensitive)', 'grant_type=CLIENT_CREDENTIALS', /^Unsupported grant type: CLIENT_CREDENTIALS/],
    ['an empty grant_type', 'grant_type=', /^Unsupported grant type: ;/]
  ]
  for (const [name, payload, description] of cases) {
    const res = await tokenRequest(app, payload)
    t.equal(res.statusCode, 400, name)
    const body = res.json()
    t.equal(body.error, ERRORS.OAUTH_GRANT.oauth, name)
    t.equal(body.error, 'unsupported_grant_type', name)
    t.match(body.error_description, description, name)
    t.same(Object.keys(body).sort(), ['error', 'error_description'], `${name}: the OAuth2 error body only`)
  }
})

t.test('scope narrows the token: space- or comma-separated, any order, duplicates once', async (t) => {
  const app = await build(t)
  const cases: Array<[string, string, string[]]> = [
    ['failover sms', 'sms failover', ['MT_ROLE_SMS', 'MT_ROLE_FAILOVER']],
    ['viber,failover', 'viber failover', ['MT_ROLE_VIBER', 'MT_ROLE_FAILOVER']],
    ['voice, account  sms', 'sms voice account', ['MT_ROLE_SMS', 'MT_ROLE_VOICE', 'MT_ROLE_ACCOUNT_FINANCE']],
    ['sms sms,sms', 'sms', ['MT_ROLE_SMS']],
    ['account', 'account', ['MT_ROLE_ACCOUNT_FINANCE']]
  ]
  for (const [asked, scope, permissions] of cases) {
    const res = await tokenRequest(app, `grant_type=client_credentials&scope=${encodeURIComponent(asked)}`)
    t.equal(res.statusCode, 200, asked)
    t.equal(res.json().scope, scope, `"${asked}" → "${scope}"`)
    t.same(res.json().permissions, permissions, asked)
  }
  // a scope parameter that names nothing narrows nothing
  for (const blank of ['', ' ', ' , ']) {
    const res = await tokenRequest(app, `grant_type=client_credentials&scope=${encodeURIComponent(blank)}`)
    t.equal(res.statusCode, 200)
    t.equal(res.json().scope, ALL_SCOPES, `blank scope "${blank}" → every scope`)
  }
})

t.test('every scope grants its role (§1 table)', async (t) => {
  const app = await build(t)
  t.same(SCOPE_ROLES, { sms: 'MT_ROLE_SMS', viber: 'MT_ROLE_VIBER', voice: 'MT_ROLE_VOICE', failover: 'MT_ROLE_FAILOVER', account: 'MT_ROLE_ACCOUNT_FINANCE' })
  for (const [scope, role] of Object.entries(SCOPE_ROLES)) {
    const res = await tokenRequest(app, `grant_type=client_credentials&scope=${scope}`)
    t.same(res.json().permissions, [role], scope)
  }
})

t.test('an unknown scope, or one the application does not hold → 400 invalid_scope', async (t) => {
  const app = await build(t, { seed: seedWith([{ id: 'sms-app', secret: 's3cret', scopes: ['sms', 'failover'], tokenLifetime: 3600 }]) })
  const cases: Array<[string, string, string]> = [
    [SEED_APP.id, 'sms bogus', 'bogus'],
    [SEED_APP.id, 'SMS', 'SMS'],
    [SEED_APP.id, 'failover,MT_ROLE_SMS', 'MT_ROLE_SMS'],
    [SEED_APP.id, '__proto__', '__proto__'],
    ['sms-app', 'viber', 'viber'],
    ['sms-app', 'sms failover voice', 'voice']
  ]
  for (const [id, scope, bad] of cases) {
    const res = await tokenRequest(app, `grant_type=client_credentials&scope=${encodeURIComponent(scope)}`, basic(id, id === 'sms-app' ? 's3cret' : SEED_APP.secret))
    t.equal(res.statusCode, 400, `${id}: ${scope}`)
    t.same(res.json(), { error: 'invalid_scope', error_description: `${ERRORS.OAUTH_SCOPE.message}: ${bad}` }, `${id}: ${scope}`)
  }
  const held = await tokenRequest(app, 'grant_type=client_credentials', basic('sms-app', 's3cret'))
  t.equal(held.json().scope, 'sms failover', 'without scope: every scope the application holds, and no more')
  t.same(held.json().permissions, ['MT_ROLE_SMS', 'MT_ROLE_FAILOVER'])
})

t.test('expires_in counts down on the wall clock and the live token is handed out again', async (t) => {
  const time = new FakeTime(Date.parse('2026-07-01T00:00:00.000Z'))
  const app = await build(t, { time })
  const first = (await tokenRequest(app, 'grant_type=client_credentials')).json()
  t.equal(first.expires_in, 3599)
  await time.advance(10_500)
  const again = (await tokenRequest(app, 'grant_type=client_credentials')).json()
  t.equal(again.access_token, first.access_token, 'the same live token')
  t.equal(again.expires_in, 3589, '3600 - 10.5 s, rounded down to whole seconds and minus one as the provider shows')
  await time.advance(3000 * 1000)
  t.equal((await tokenRequest(app, 'grant_type=client_credentials')).json().expires_in, 589)
  // a narrower scope is another token, with its own lifetime
  const narrow = (await tokenRequest(app, 'grant_type=client_credentials&scope=sms')).json()
  t.not(narrow.access_token, first.access_token)
  t.equal(narrow.expires_in, 3599)
  // the sandbox clock does not move tokens: only real time does
  await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 7200 } })
  const still = (await tokenRequest(app, 'grant_type=client_credentials')).json()
  t.equal(still.access_token, first.access_token, 'advancing the sandbox clock does not expire tokens')
})

t.test('a token expires at the end of its lifetime: 401 invalid_token, then a new token', async (t) => {
  const time = new FakeTime(Date.parse('2026-07-01T00:00:00.000Z'))
  const app = await build(t, { time })
  const tok = await token(app)
  await time.advance(3600 * 1000 - 1)
  const live = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })
  t.equal(live.statusCode, 200, 'alive 1 ms before the end')
  t.equal((await tokenRequest(app, 'grant_type=client_credentials')).json().expires_in, 0, 'with 0 whole seconds left')
  await time.advance(1)
  const expired = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })
  t.equal(expired.statusCode, 401)
  t.same(expired.json(), { error: 'invalid_token', error_description: `${ERRORS.TOKEN_INVALID.message}: ${tok}` })
  const sent = await send(app, tok, { flow: [smsStep()] }, { transactional: false })
  t.equal(sent.statusCode, 401, 'on the send endpoints too')
  const fresh = await token(app)
  t.not(fresh, tok, 'a new token once the old one expired')
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(fresh) })).statusCode, 200)
})

t.test('application token lifetimes of 86400 and 631139040 s', async (t) => {
  const time = new FakeTime(Date.parse('2026-07-01T00:00:00.000Z'))
  const app = await build(t, {
    time,
    seed: seedWith([
      { id: 'day-app', secret: 'd', scopes: ['account'], tokenLifetime: 86400 },
      { id: 'forever-app', secret: 'f', scopes: ['account'], tokenLifetime: 631139040 }
    ])
  })
  const day = (await tokenRequest(app, 'grant_type=client_credentials', basic('day-app', 'd'))).json()
  t.equal(day.expires_in, 86399)
  const forever = (await tokenRequest(app, 'grant_type=client_credentials', basic('forever-app', 'f'))).json()
  t.equal(forever.expires_in, 631139039)
  await time.advance(3600 * 1000)
  const ok = await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(day.access_token) })
  t.equal(ok.statusCode, 200, 'a day token outlives an hour')
  await time.advance(86400 * 1000)
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(day.access_token) })).statusCode, 401)
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(forever.access_token) })).statusCode, 200)
})

// every route of the emulated API that takes a bearer token
const API_CALLS: Array<{ method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown }> = [
  { method: 'POST', url: '/failover', payload: { flow: [smsStep()] } },
  { method: 'POST', url: '/failover/transactional', payload: { flow: [smsStep()] } },
  { method: 'GET', url: '/failover/tracking/00000000-0000-4000-8000-000000000000' },
  { method: 'POST', url: '/failover/tracking', payload: [] },
  { method: 'GET', url: '/accounts/me/balance' },
  { method: 'GET', url: '/viber/transactional/templates' },
  { method: 'POST', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', payload: { name: 'n', languages: { en: 'x' } } },
  { method: 'DELETE', url: `/viber/transactional/templates/${TEMPLATE_ID}` }
]

t.test('API calls without a token → 401 "Full authentication is required to access this resource"', async (t) => {
  const app = await build(t)
  for (const call of API_CALLS) {
    for (const authorization of [undefined, '', '   ', 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64'), 'Token abc']) {
      const headers = authorization === undefined ? {} : { authorization }
      const res = await app.inject({ ...call, headers } as any)
      const name = `${call.method} ${call.url} with ${authorization === undefined ? 'no header' : JSON.stringify(authorization)}`
      t.equal(res.statusCode, 401, name)
      // provider-api.md §1: missing, unknown or expired → error invalid_token; a missing header has its own description
      t.same(res.json(), { error: 'invalid_token', error_description: ERRORS.TOKEN_MISSING.message }, name)
      // every API 401 carries error="invalid_token" (issue 17), a missing token included
      t.equal(res.headers['www-authenticate'], 'Bearer realm="oauth2-resource", error="invalid_token", error_description="Full authentication is required to access this resource"', `${name}: a Bearer challenge with invalid_token`)
    }
  }
  t.equal(ERRORS.TOKEN_MISSING.message, 'Full authentication is required to access this resource')
})

t.test('API calls with an unknown token → 401 invalid_token naming the token', async (t) => {
  const app = await build(t)
  for (const call of API_CALLS) {
    for (const [authorization, shown] of [['Bearer nope', 'nope'], ['bearer 5d0c1d4e-0000-4000-8000-000000000000', '5d0c1d4e-0000-4000-8000-000000000000'], ['Bearer', ''], ['Bearer a b', 'a b']]) {
      const res = await app.inject({ ...call, headers: { authorization } } as any)
      t.equal(res.statusCode, 401, `${call.method} ${call.url} ${authorization}`)
      t.same(res.json(), { error: 'invalid_token', error_description: `Invalid access token: ${shown}` }, `${call.method} ${call.url} ${authorization}`)
      t.equal(res.headers['www-authenticate'], 'Bearer realm="oauth2-resource", error="invalid_token", error_description="The access token is unknown or expired"',
        `${call.method} ${call.url} ${authorization}: a Bearer challenge with invalid_token (RFC 6750 §3)`)
    }
  }
})

t.test('the token is checked before the body is read: a bad body without a token is still a 401', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/failover', headers: { 'content-type': 'application/json' }, payload: '{not json' })
  t.equal(res.statusCode, 401)
  t.same(res.json(), { error: 'invalid_token', error_description: ERRORS.TOKEN_MISSING.message })
})

t.test('a token without the needed role → 403 {code: 403000000, developerMessage: Access denied.}', async (t) => {
  const app = await build(t)
  const denied = (res: { statusCode: number, json: () => any }, name: string): void => {
    t.equal(res.statusCode, 403, name)
    t.same(res.json(), { code: '403000000', developerMessage: 'Access denied.', type: 'AccessDenied' }, name)
  }
  t.equal(ERRORS.ACCESS_DENIED.message, 'Access denied.')
  const without = async (missing: string): Promise<string> => await token(app, { scope: ALL_SCOPES.split(' ').filter((s) => s !== missing).join(' ') })

  // failover: both send endpoints and tracking
  const noFailover = await without('failover')
  denied(await send(app, noFailover, { flow: [smsStep()] }, { transactional: false }), 'no failover role: /failover')
  denied(await send(app, noFailover, { flow: [smsStep()] }), 'no failover role: /failover/transactional')
  denied(await app.inject({ method: 'GET', url: '/failover/tracking/00000000-0000-4000-8000-000000000000', headers: bearer(noFailover) }), 'no failover role: tracking')
  denied(await app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(noFailover), payload: [] }), 'no failover role: search')

  // a channel role for every channel the flow uses
  const noSms = await without('sms')
  denied(await send(app, noSms, { flow: [smsStep()] }, { transactional: false }), 'no sms role: Sms step')
  denied(await send(app, noSms, { flow: [viberStep(), smsStep(undefined, { order: 2 })] }, { transactional: false }), 'no sms role: Sms as a later step')
  const noViber = await without('viber')
  denied(await send(app, noViber, { flow: [viberStep()] }, { transactional: false }), 'no viber role: Viber step')
  denied(await send(app, noViber, { flow: [templateStep()] }), 'no viber role: template Viber step')
  denied(await app.inject({ method: 'GET', url: '/viber/transactional/templates', headers: bearer(noViber) }), 'no viber role: list templates')
  denied(await app.inject({ method: 'POST', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', headers: bearer(noViber), payload: { name: 'n', languages: { en: 'x' } } }), 'no viber role: create template')
  denied(await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${TEMPLATE_ID}`, headers: bearer(noViber) }), 'no viber role: delete template')
  const noVoice = await without('voice')
  denied(await send(app, noVoice, { flow: [voiceStep()] }, { transactional: false }), 'no voice role: Voice step')
  denied(await send(app, noVoice, { flow: [smsStep(), voiceStep(undefined, { order: 2 })] }), 'no voice role: Voice on the transactional endpoint')
  const noAccount = await without('account')
  denied(await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(noAccount) }), 'no account role: balance')

  // and the same calls pass with the role
  t.equal((await send(app, noAccount, { flow: [smsStep(), viberStep(undefined, { order: 2 }), voiceStep(undefined, { order: 3 })] }, { transactional: false })).statusCode, 200, 'every channel role held')
  t.equal((await send(app, noSms, { flow: [templateStep()] })).statusCode, 200, 'a Viber-only flow needs no sms role')
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(noSms) })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/viber/transactional/templates', headers: bearer(noSms) })).statusCode, 200)
})

t.test('a missing role is answered before the business rules, after the schema (sandbox choice)', async (t) => {
  const app = await build(t)
  const noViber = await token(app, { scope: 'failover sms' })
  const unknownSender = await send(app, noViber, { flow: [viberStep(undefined, { senderInfoTrackingId: 'nope' })] }, { transactional: false })
  t.equal(unknownSender.statusCode, 403, 'an unknown sender is not revealed to a token that may not use Viber')
  const badSchema = await send(app, noViber, { flow: [viberStep(undefined, { ttl: '10' })] }, { transactional: false })
  t.equal(badSchema.statusCode, 400, 'a body that fails the schema is a 400 whatever the roles')
})

t.test('every 401 of the OpenAPI document declares its WWW-Authenticate header', async (t) => {
  const document = JSON.parse(readFileSync(join(ROOT, 'openapi', 'openapi.json'), 'utf8'))
  let count = 0
  for (const [path, item] of Object.entries(document.paths) as Array<[string, Record<string, any>]>) {
    for (const [method, operation] of Object.entries(item)) {
      const unauthorized = operation.responses?.['401']
      if (unauthorized === undefined || path.startsWith('/_sandbox')) continue
      count++
      const header = unauthorized.headers?.['WWW-Authenticate']
      t.ok(header, `${method} ${path}: WWW-Authenticate declared`)
      t.match(header?.description, path === '/oauth/token' ? /^Basic realm=/ : /^Bearer realm=/, `${method} ${path}: the right scheme`)
    }
  }
  t.ok(count >= 9, `every API operation has a 401 (${count})`)
})

t.test('POST /_sandbox/accounts makes credentials shaped like the provider\'s; a Basic header of them stays within 60 columns', async (t) => {
  const app = await build(t)
  const seen = new Set<string>()
  for (let i = 0; i < 5; i++) {
    const res = await app.inject({ method: 'POST', url: '/_sandbox/accounts' })
    t.equal(res.statusCode, 200)
    const { applicationId, applicationSecret } = res.json()
    t.match(applicationId, /^[0-9a-f]{24}$/, 'applicationId: 24 lower-case hex characters (sandbox.md)')
    t.match(applicationSecret, /^[A-Za-z0-9]{16}$/, 'applicationSecret: 16 letters and digits (sandbox.md)')
    const encoded = Buffer.from(`${applicationId}:${applicationSecret}`).toString('base64')
    t.ok(encoded.length <= 60, `the Basic credentials are ${encoded.length} base64 columns: a 60-column wrap leaves them on one line`)
    seen.add(applicationId).add(applicationSecret)
    const tok = await tokenRequest(app, 'grant_type=client_credentials', basic(applicationId, applicationSecret))
    t.equal(tok.statusCode, 200, 'they log in')
  }
  t.equal(seen.size, 10, 'fresh every time')
  // the seed's own credentials, and applications with longer ones, keep working
  t.equal((await tokenRequest(app, 'grant_type=client_credentials')).statusCode, 200, 'sandbox-app / sandbox-secret')
})

t.test('credentials come from the seedable ids: the same seed gives the same credentials', async (t) => {
  const make = async (): Promise<unknown> => {
    const app = await build(t, { ids: createIds(42) })
    return (await app.inject({ method: 'POST', url: '/_sandbox/accounts' })).json()
  }
  const [a, b] = [await make(), await make()]
  t.same(a, b)
  const ids = createIds(7)
  t.match(ids.applicationId(), /^[0-9a-f]{24}$/)
  t.match(ids.applicationSecret(), /^[A-Za-z0-9]{16}$/)
})

t.test('applications with credentials of another shape (older databases, seeds) keep working', async (t) => {
  const app = await build(t, { seed: seedWith([{ id: '5d0c1d4e-0000-4000-8000-000000000000', secret: 'ab'.repeat(24), scopes: ['account'], tokenLifetime: 3600 }]) })
  const res = await tokenRequest(app, 'grant_type=client_credentials', basic('5d0c1d4e-0000-4000-8000-000000000000', 'ab'.repeat(24)))
  t.equal(res.statusCode, 200, res.body)
})
