import { createHash, timingSafeEqual } from 'node:crypto'
import { readdirSync } from 'node:fs'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, ERRORS } from './errors.js'
import { UI_DIR } from './paths.js'
import type { App } from './app.js'

/*
 * sandbox.md "Guarding the control plane" (issue 11 point 5). The control plane is /_sandbox/* and
 * the dashboard (GET / and its files); the emulated API keeps its own OAuth. In this order:
 * 1. a request carrying the sandbox's own callback marker is refused (a callback aimed back at
 *    the sandbox could otherwise reset it), except by the receiver POST /_sandbox/webhooks/{name};
 * 2. a state-changing request from a page of another site (Origin not the sandbox's own, or
 *    Sec-Fetch-Site: cross-site) is refused, so no web page can drive a sandbox it does not serve;
 * 3. with SANDBOX_ADMIN_TOKEN set, the token is needed (Authorization: Bearer, X-Sandbox-Admin-Token,
 *    or the login cookie), except by GET /_sandbox/health, POST /_sandbox/webhooks/{name} and the
 *    login page itself.
 */

export const ADMIN_COOKIE = 'sandbox_admin'
// the headers every callback and inbound reply carries (src/engine/callbacks.ts)
const CALLBACK_MARKER = 'x-sandbox-callback-id'
const CALLBACK_AGENT = 'failover-sandbox/'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
// the receiver's route (its name a parameter)
const WEBHOOK_POST = /^\/_sandbox\/webhooks\/[^/]+$/
const LOGIN = '/_sandbox/login'
const LOGOUT = '/_sandbox/logout'

/** What the cookie holds: a digest of the token, so the cookie jar never holds the token itself. */
export function sessionValue (token: string): string {
  return createHash('sha256').update(`failover-sandbox admin session:${token}`).digest('hex')
}

function sameSecret (given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

function cookie (request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie
  if (typeof header !== 'string') return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

/** Whether the request carries the admin token in any of the accepted forms. */
function hasToken (request: FastifyRequest, token: string): boolean {
  const auth = request.headers.authorization
  if (typeof auth === 'string' && /^bearer /i.test(auth) && sameSecret(auth.slice(7).trim(), token)) return true
  const header = request.headers['x-sandbox-admin-token']
  if (typeof header === 'string' && sameSecret(header.trim(), token)) return true
  const session = cookie(request, ADMIN_COOKIE)
  return session !== undefined && sameSecret(session, sessionValue(token))
}

/** Origin or Sec-Fetch-Site saying a page of another site sent the request. */
export function crossSite (request: FastifyRequest): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true
  const origin = request.headers.origin
  if (origin === undefined) return false // not a browser page (curl, a test client): nothing to check
  try {
    // both through URL, so a default port written or left out compares equal
    return new URL(origin).host !== new URL(`http://${request.headers.host ?? ''}`).host
  } catch {
    return true // "null" (a sandboxed frame, a file:// page) or garbage: not the sandbox's own origin
  }
}

/** The dashboard's paths: GET / and each file of src/ui (served at start, so listed once). */
function dashboardPaths (): Set<string> {
  const paths = new Set(['/', '/index.html'])
  try {
    for (const file of readdirSync(UI_DIR)) paths.add(`/${file}`)
  } catch {}
  return paths
}

/** Whether a listen address is reachable from this machine only. */
export function isLoopback (host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h)
}

/** sandbox.md: bound beyond loopback without an admin token, the start warns; the warning, or undefined. */
export function exposureWarning (host: string, adminToken: string): string | undefined {
  if (adminToken !== '' || isLoopback(host)) return undefined
  return `listening on ${host} without SANDBOX_ADMIN_TOKEN: anyone who reaches this port can reset, drive and read the sandbox; set SANDBOX_ADMIN_TOKEN or HOST=127.0.0.1`
}

export function registerGuard (app: App): void {
  const token = app.config.SANDBOX_ADMIN_TOKEN
  const dashboard = dashboardPaths()

  /** Throws the refusal; 'login' sends a browser to the login page; undefined lets the request through. */
  const judge = (request: FastifyRequest): 'login' | undefined => {
    // the route that matched, not the raw URL: the router decodes it, so /%5Fsandbox/reset reaches
    // /_sandbox/reset and must be guarded as such (an unmatched URL is judged by its decoded path)
    const path = (request.routeOptions.url ?? decodedPath(request.url)).replace(/\/$/, '') || '/'
    const control = path === '/_sandbox' || path.startsWith('/_sandbox/') || dashboard.has(path)
    if (!control) return
    const receiver = request.method === 'POST' && WEBHOOK_POST.test(path)
    const agent = request.headers['user-agent']
    if (!receiver && (request.headers[CALLBACK_MARKER] !== undefined || (typeof agent === 'string' && agent.startsWith(CALLBACK_AGENT)))) {
      throw new ApiError(ERRORS.CONTROL_CALLBACK_LOOP)
    }
    if (!SAFE_METHODS.has(request.method) && crossSite(request)) throw new ApiError(ERRORS.CONTROL_CROSS_SITE)
    if (token === '' || receiver) return
    if (path === LOGIN || path === LOGOUT) return
    // health checks call bare and learn nothing from it; the icon is the login page's own
    if ((request.method === 'GET' || request.method === 'HEAD') && (path === '/_sandbox/health' || path === '/favicon.svg')) return
    if (hasToken(request, token)) return
    // a person at a browser gets the login page; a program gets the provider-shaped 401
    const accept = request.headers.accept
    if (request.method === 'GET' && typeof accept === 'string' && accept.includes('text/html')) return 'login'
    throw new ApiError(ERRORS.ADMIN_TOKEN_REQUIRED)
  }
  // callback-style: no promise per request on the hot path (a refusal thrown by judge() reaches
  // Fastify's hook runner, which answers it)
  app.addHook('onRequest', (request, reply, done) => {
    if (judge(request) === 'login') void reply.redirect(`${LOGIN}?next=${encodeURIComponent(request.url)}`, 303)
    else done()
  })

  const hidden = { hide: true, tags: ['Sandbox control'] }
  app.get(LOGIN, { schema: hidden }, async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next)
    if (token === '') return await reply.redirect(next, 303)
    return await reply.type('text/html; charset=utf-8').send(loginPage(next, false))
  })
  app.post(LOGIN, { schema: hidden }, async (request, reply) => {
    const form = (request.body ?? {}) as { token?: unknown, next?: unknown }
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined)
    if (token === '') return await reply.redirect(next, 303)
    if (typeof form.token !== 'string' || !sameSecret(form.token, token)) {
      return await reply.code(401).type('text/html; charset=utf-8').send(loginPage(next, true))
    }
    void reply.header('set-cookie', `${ADMIN_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict`)
    return await reply.redirect(next, 303)
  })
  app.post(LOGOUT, { schema: hidden }, async (_request, reply: FastifyReply) => {
    void reply.header('set-cookie', `${ADMIN_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`)
    return await reply.redirect(token === '' ? '/' : LOGIN, 303)
  })
}

function decodedPath (url: string): string {
  const raw = url.split('?')[0]
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw
  }
}

/** Only a path of this server: never another host (`//evil`, `https://…`). */
function safeNext (next: string | undefined): string {
  return next !== undefined && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/'
}

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function loginPage (next: string, failed: boolean): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>failover-sandbox: log in</title><link rel="icon" href="/favicon.svg">
<style>body{font:16px system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}input{font:inherit;width:100%;box-sizing:border-box;margin:.5rem 0;padding:.4rem}button{font:inherit;padding:.4rem 1rem}.error{color:#b00020}</style>
</head><body>
<h1>failover-sandbox</h1>
<p>This sandbox's control plane is guarded: enter its admin token (<code>SANDBOX_ADMIN_TOKEN</code>).</p>
${failed ? '<p class="error" role="alert">That is not the token: try again.</p>' : ''}
<form method="post" action="${LOGIN}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="${escape(next)}">
<button type="submit">Log in</button>
</form>
</body></html>
`
}
