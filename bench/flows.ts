import type { App } from '../src/app.js'
import type { Scope } from '../src/schemas/seed.js'
import { SEED_EXAMPLE } from '../src/vocabulary.js'
import { http } from './support.js'

/** What the measurements send: the seed example to distinct numbers, and the seed application's token. */

const SEED_TEXT = JSON.stringify(SEED_EXAMPLE)
export const SEED_NUMBER = '+306912345678'
/** The seed application's client credentials, as a Basic authorization header. */
export const BASIC = 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64')

/** A distinct valid Greek mobile number per counter value: +3069, the prefix, and seven digits. */
export const numberFor = (prefix: '1' | '2' | '3', i: number): string => `+3069${prefix}${String(i % 10_000_000).padStart(7, '0')}`

/** The seed page example, as sent, to another number. */
export const transactionalBody = (to: string): string => SEED_TEXT.split(SEED_NUMBER).join(to)

/** A bearer token of the seed application, as the header that carries it. */
export async function bearerOf (port: number): Promise<Record<string, string>> {
  const res = await http(port, 'POST', '/oauth/token', 'grant_type=client_credentials', { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' })
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.body}`)
  return { authorization: `Bearer ${res.json().access_token as string}` }
}

/**
 * `count` flows of the seed example, accepted in-process through the engine (what POST
 * /failover/transactional does after validation) in the seed account, the i-th to `to(i)`. Without the
 * example's callback: the scale figures measure flows and events; callbacks have their own
 * measurement. Returns the first flow's id.
 */
export function acceptFlows (app: App, count: number, to: (i: number) => string): string {
  app.store.accounts.setBalance('sandbox', 1e15)
  const scopes = app.store.auth.application('sandbox-app')!.scopes as Scope[]
  const base = structuredClone(SEED_EXAMPLE)
  delete base.callback
  let firstId = ''
  for (let i = 0; i < count; i++) {
    const body = structuredClone(base)
    body.flow[0].to = body.flow[1].to = to(i)
    const { flow } = app.engine.accept({ accountId: 'sandbox', applicationId: 'sandbox-app', scopes, kind: 'transactional', body, unknown: [], outcomes: {} })
    if (i === 0) firstId = flow.id
  }
  return firstId
}
