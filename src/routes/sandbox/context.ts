import type { FastifyInstance, FastifyRequest } from 'fastify'
import { bearerToken, principalOf } from '../../auth.js'
import { ApiError, ERRORS } from '../../errors.js'

export const DEFAULT_ACCOUNT = 'sandbox'

/**
 * sandbox.md "Accounts": X-Sandbox-Account, else the bearer token's account, else `sandbox`. A bearer
 * token that names no account now (unknown, expired, or its account deleted) is a 404 like an unknown
 * account name, never a silent fall back to `sandbox` (a stale token would reset or read the shared
 * account); the guard's admin token names none.
 */
export function controlAccount (app: Pick<FastifyInstance, 'engine' | 'store' | 'config'>, request: FastifyRequest): string {
  const header = request.headers['x-sandbox-account']
  let id: string = DEFAULT_ACCOUNT
  if (typeof header === 'string' && header.trim() !== '') id = header.trim()
  else {
    const token = bearerToken(request)
    if (token !== undefined && token !== app.config.SANDBOX_ADMIN_TOKEN) {
      const principal = principalOf(app.store, token, app.engine.wallNow())
      if (principal === undefined) throw new ApiError(ERRORS.ACCOUNT_NOT_FOUND, 'The bearer token names no account (unknown or expired, or its account was deleted): send a live token of the account (POST /oauth/token), X-Sandbox-Account: <accountId>, or no Authorization header for the sandbox account.')
      id = principal.accountId
    }
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
