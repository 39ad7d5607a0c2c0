import type { FastifyInstance, FastifyRequest } from 'fastify'
import { bearerToken, principalOf } from '../../auth.js'
import { ApiError, ERRORS } from '../../errors.js'

export const DEFAULT_ACCOUNT = 'sandbox'

/** sandbox.md "Accounts": X-Sandbox-Account, else the bearer token's account, else `sandbox`. */
export function controlAccount (app: Pick<FastifyInstance, 'engine' | 'store'>, request: FastifyRequest): string {
  const header = request.headers['x-sandbox-account']
  let id: string = DEFAULT_ACCOUNT
  if (typeof header === 'string' && header.trim() !== '') id = header.trim()
  else {
    const principal = principalOf(app.store, bearerToken(request), app.engine.wallNow())
    if (principal) id = principal.accountId
  }
  if (!app.store.accounts.get(id)) throw new ApiError(ERRORS.ACCOUNT_NOT_FOUND, `Account ${id} not found: create one with POST /_sandbox/accounts.`)
  return id
}

export const CONTROL = { tags: ['Sandbox control'] }

/** A stored body as JSON when it is a whole JSON object or array (a truncated one is not), for test authors to read without parsing. */
export function jsonOf (text: string | null): { json?: unknown } {
  if (text === null || !/^\s*[[{]/.test(text)) return {}
  try { return { json: JSON.parse(text) } } catch { return {} }
}
