import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, ERRORS } from './errors.js'
import type { Store } from './store/index.js'
import type { Scope } from './schemas/seed.js'

export interface Principal {
  accountId: string
  applicationId: string
  scopes: Scope[]
  token: string
}

/** The bearer token of a request, if it sent one. */
export function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (typeof header !== 'string') return undefined
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return m?.[1]
}

/** The account and scopes of a live token, or undefined. Tokens expire on the wall clock (sandbox choice). */
export function principalOf (store: Store, token: string | undefined, now: number): Principal | undefined {
  if (token === undefined) return undefined
  const t = store.auth.token(token)
  if (!t || t.expiresAt <= now) return undefined
  return { accountId: t.accountId, applicationId: t.applicationId, scopes: t.scopes, token: t.token }
}

/** onRequest hook for the emulated API: 401 bodies as provider-api.md §1, before any body is read. */
export function requireToken (store: Store, now: () => number) {
  // callback-style: no promise per request on the hot path
  return function (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
    const header = request.headers.authorization
    // like the provider's OAuth2 stack, only a Bearer header counts as an attempt: anything else is no authentication
    if (header === undefined || !/^\s*bearer(?:\s|$)/i.test(header)) return done(new ApiError(ERRORS.TOKEN_MISSING))
    const token = bearerToken(request)
    // a storage error thrown here reaches Fastify's hook runner, which answers it as the error it is
    const principal = principalOf(store, token, now())
    if (!principal) return done(new ApiError(ERRORS.TOKEN_INVALID, `Invalid access token: ${token ?? header.replace(/^\S+\s*/, '')}`))
    request.principal = principal
    done()
  }
}

/** 403 unless the token holds every scope (§1: Access denied.). */
export function requireScopes (principal: Principal, ...scopes: Scope[]): void {
  for (const s of scopes) if (!principal.scopes.includes(s)) throw new ApiError(ERRORS.ACCESS_DENIED)
}
