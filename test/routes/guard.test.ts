import t from 'tap'
import { build, token as oauthToken } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import { ADMIN_COOKIE, sessionValue } from '../../src/guard.js'

/* sandbox.md "Guarding the control plane", issue 11 point 5 */

const TOKEN = 'correct-horse-battery-staple'
// a reset answers 2xx (its body is not this test's business)
const RESET_OK = 200

async function balance (app: Awaited<ReturnType<typeof build>>, headers: Record<string, string> = {}): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/_sandbox/accounts', headers })
  return (res.json() as Array<{ accountId?: string, id?: string, balance: number }>).find((a) => (a.accountId ?? a.id) === 'sandbox')!.balance
}

t.test('without a token the control plane is open, but a callback aimed at it is refused', async (t) => {
  const app = await build(t)
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset' })).statusCode, RESET_OK)
  for (const headers of [{ 'x-sandbox-callback-id': 'cb-1' }, { 'user-agent': 'failover-sandbox/0.1.0' }]) {
    const res = await app.inject({ method: 'POST', url: '/_sandbox/reset', headers })
    t.equal(res.statusCode, 403, JSON.stringify(headers))
    t.equal(res.json().code, ERRORS.CONTROL_CALLBACK_LOOP.code)
    t.equal(res.json().developerMessage, ERRORS.CONTROL_CALLBACK_LOOP.message)
  }
  // reads are refused too: a callback has nothing to read there
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/messages', headers: { 'x-sandbox-callback-id': 'cb-1' } })).statusCode, 403)
  // the receiver is where callbacks belong
  const hook = await app.inject({ method: 'POST', url: '/_sandbox/webhooks/mine', headers: { 'x-sandbox-callback-id': 'cb-1', 'user-agent': 'failover-sandbox/0.1.0' }, payload: { a: 1 } })
  t.equal(hook.statusCode, 200)
  // the emulated API is not the control plane: a callback carrying the marker is no business of the guard there
  const tok = await oauthToken(app)
  t.equal((await app.inject({ method: 'GET', url: '/failover/tracking/nope', headers: { authorization: `Bearer ${tok}`, 'x-sandbox-callback-id': 'cb-1' } })).statusCode, 404)
})

t.test('a state-changing control request from another site is refused; the same origin and non-browsers pass', async (t) => {
  const app = await build(t)
  const cases: Array<[Record<string, string>, number]> = [
    [{ origin: 'https://evil.example' }, 403],
    [{ origin: 'http://localhost:3000' }, 403], // same site, another origin
    [{ origin: 'null' }, 403],
    [{ 'sec-fetch-site': 'cross-site' }, 403],
    [{ origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' }, RESET_OK],
    [{ origin: 'http://localhost' }, RESET_OK],
    [{}, RESET_OK]
  ]
  for (const [headers, status] of cases) {
    const res = await app.inject({ method: 'POST', url: '/_sandbox/reset', headers })
    t.equal(res.statusCode, status, JSON.stringify(headers))
    if (status === 403) t.equal(res.json().developerMessage, ERRORS.CONTROL_CROSS_SITE.message)
  }
  // a cross-site simple form POST (what a hostile page can send without CORS)
  const form = await app.inject({
    method: 'PUT',
    url: '/_sandbox/balance',
    headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' },
    payload: 'balance=0'
  })
  t.equal(form.statusCode, 403)
  t.equal(await balance(app), 100)
  // reading is not changing: a cross-site GET is not refused by this rule (the browser's same-origin policy keeps the answer from the page)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/clock', headers: { origin: 'https://evil.example' } })).statusCode, 200)
})

t.test('SANDBOX_ADMIN_TOKEN guards every /_sandbox route and the dashboard', async (t) => {
  const app = await build(t, { config: { SANDBOX_ADMIN_TOKEN: TOKEN } })
  for (const [method, url] of [['POST', '/_sandbox/reset'], ['PUT', '/_sandbox/balance'], ['DELETE', '/_sandbox/accounts/sandbox'], ['GET', '/_sandbox/messages'], ['GET', '/_sandbox/accounts'], ['GET', '/_sandbox/events'], ['GET', '/_sandbox/webhooks/mine'], ['GET', '/'], ['GET', '/app.js'], ['GET', '/_sandbox/openapi.json']] as const) {
    const res = await app.inject({ method, url, payload: method === 'PUT' ? { balance: 0 } : undefined })
    t.equal(res.statusCode, 401, `${method} ${url}`)
    t.equal(res.json().code, ERRORS.ADMIN_TOKEN_REQUIRED.code)
    t.equal(res.json().developerMessage, ERRORS.ADMIN_TOKEN_REQUIRED.message)
    t.match(res.headers['www-authenticate'], /^Bearer /)
  }
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: { authorization: 'Bearer wrong' } })).statusCode, 401)
  // the guard looks at the route that matched: a percent-encoded path reaching it is guarded the same
  for (const url of ['/%5Fsandbox/reset', '/_sandbox/%72eset', '/_sandbox/reset/']) {
    t.equal((await app.inject({ method: 'POST', url })).statusCode, 401, url)
  }
  t.equal((await app.inject({ method: 'GET', url: '/%61pp.js' })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/%5Fsandbox/reset', headers: { 'x-sandbox-callback-id': 'x' } })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/accounts/sandbox' })).statusCode, 401)
  // the seed account is still there: nothing above got through
  t.equal(await balance(app, { authorization: `Bearer ${TOKEN}` }), 100)
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, RESET_OK)
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: { 'x-sandbox-admin-token': TOKEN } })).statusCode, RESET_OK)
  // exempt: bare health checks, and callbacks arriving at the receiver (reading the inbox needs the token)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/health' })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/webhooks/mine', payload: { a: 1 } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/webhooks/mine', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200)
  // the emulated API keeps its own OAuth, untouched by the admin token
  t.equal((await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })).statusCode, 200)
  // the token does not open the door to a callback or a cross-site page
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: { authorization: `Bearer ${TOKEN}`, 'x-sandbox-callback-id': 'x' } })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' } })).statusCode, 403)
})

t.test('a browser logs in with a form that sets an HttpOnly SameSite=Strict cookie', async (t) => {
  const app = await build(t, { config: { SANDBOX_ADMIN_TOKEN: TOKEN } })
  const page = await app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 303)
  t.equal(page.headers.location, '/_sandbox/login?next=%2F')
  const login = await app.inject({ method: 'GET', url: '/_sandbox/login?next=%2F' })
  t.equal(login.statusCode, 200)
  t.match(login.body, /<form method="post" action="\/_sandbox\/login">/)
  const form = (tokenValue: string, next = '/'): any => ({ method: 'POST', url: '/_sandbox/login', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' }, payload: new URLSearchParams({ token: tokenValue, next }).toString() })
  const wrong = await app.inject(form('nope'))
  t.equal(wrong.statusCode, 401)
  t.notOk(wrong.headers['set-cookie'])
  t.match(wrong.body, /not the token/)
  const ok = await app.inject(form(TOKEN))
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, '/')
  const setCookie = String(ok.headers['set-cookie'])
  t.match(setCookie, /HttpOnly/)
  t.match(setCookie, /SameSite=Strict/)
  t.notMatch(setCookie, TOKEN, 'the cookie does not hold the token itself')
  const cookie = `${ADMIN_COOKIE}=${sessionValue(TOKEN)}`
  t.equal(setCookie.split(';')[0], cookie)
  t.equal((await app.inject({ method: 'GET', url: '/', headers: { cookie } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/app.js', headers: { cookie } })).statusCode, 200)
  // the dashboard's own fetches: same origin, the cookie rides along
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: { cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' } })).statusCode, RESET_OK)
  // a login from another site is refused (login CSRF), and next never leaves the server
  t.equal((await app.inject({ ...form(TOKEN), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } })).statusCode, 403)
  t.equal((await app.inject(form(TOKEN, '//evil.example/'))).headers.location, '/')
  const out = await app.inject({ method: 'POST', url: '/_sandbox/logout', headers: { cookie } })
  t.equal(out.statusCode, 303)
  t.match(String(out.headers['set-cookie']), /Max-Age=0/)
})

t.test('a deleted seed account comes back at the next start', async (t) => {
  const dir = t.testdir()
  const db = `${dir}/s.db`
  const { buildApp } = await import('../../src/app.js')
  const lines: string[] = []
  const { pino } = await import('pino')
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) })
  const first = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual' } })
  t.ok((await first.inject({ method: 'DELETE', url: '/_sandbox/accounts/sandbox' })).statusCode < 300)
  t.equal((await first.inject({ method: 'GET', url: '/_sandbox/clock' })).statusCode, 404, 'gone')
  await first.close()
  const second = await buildApp({ config: { SANDBOX_DB: db, SANDBOX_CLOCK: 'manual' }, logger })
  t.teardown(async () => await second.close())
  t.equal(await balance(second), 100)
  t.ok(lines.some((l) => l.includes('seed account sandbox was missing: re-created')), 'the start logs it')
})
