import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { buildApp, type App, type BuildOptions } from '../src/app.js'
import type { Config } from '../src/config.js'
import { ROOT } from '../src/paths.js'

export const FIXTURES = join(ROOT, 'test', 'fixtures')

/** A fixture as a fresh object (tests may change it). */
export function fixture<T = any> (name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))
}

export const SEED_APP = { id: 'sandbox-app', secret: 'sandbox-secret' }

/** An app on ':memory:' with a manual clock, closed when the test ends. */
export async function build (t: Test, options: BuildOptions & { config?: Partial<Config> } = {}): Promise<App> {
  const app = await buildApp({ ...options, config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual', ...options.config } })
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

export function basic (id: string, secret: string): string {
  return 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64')
}

/** A bearer token for the seed application (or the one given), optionally narrowed to `scope`. */
export async function token (app: App, options: { id?: string, secret?: string, scope?: string } = {}): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(options.id ?? SEED_APP.id, options.secret ?? SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials' + (options.scope ? `&scope=${encodeURIComponent(options.scope)}` : '')
  })
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`)
  return res.json().access_token
}

export function bearer (t: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${t}`, ...extra }
}

/** POSTs a flow; returns the response. */
export async function send (app: App, tok: string, body: unknown, options: { transactional?: boolean, outcome?: string } = {}) {
  const headers = bearer(tok, options.outcome ? { 'x-sandbox-outcome': options.outcome } : {})
  return await app.inject({ method: 'POST', url: options.transactional === false ? '/failover' : '/failover/transactional', headers, payload: body as any })
}

export async function tracking (app: App, tok: string, trackingId: string): Promise<any> {
  const res = await app.inject({ method: 'GET', url: `/failover/tracking/${trackingId}`, headers: bearer(tok) })
  if (res.statusCode !== 200) throw new Error(`tracking: ${res.statusCode} ${res.body}`)
  return res.json()
}

export async function advance (app: App, by: { seconds: number } | { until: 'idle' }, account?: string): Promise<any> {
  const res = await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', headers: account ? { 'x-sandbox-account': account } : {}, payload: by })
  if (res.statusCode !== 200) throw new Error(`advance: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A standard Sms step to `to`. */
export function smsStep (to = '+306912345678', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'Sms', from: 'YourBrand', to, message: { body: 'Hello from the sandbox' }, order: 1, ...extra }
}

/** A standard text Viber step to `to`. */
export function viberStep (to = '+306912345678', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to, message: { text: 'Hello on Viber' }, order: 1, ...extra }
}

/** A Voice step calling `to`. */
export function voiceStep (to = '+306912345678', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'Voice',
    from: 'Sandbox',
    to: { phone: to },
    dialPlan: { verbs: [{ type: 'SAY', message: { text: 'Your code is 1 2 3 4', language: 'en-US', gender: 'female' } }] },
    order: 1,
    ...extra
  }
}
