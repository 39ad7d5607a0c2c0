import { ApiError, ERRORS } from '../errors.js'
import type { TokenRequest, TokenResponse } from '../schemas/oauth.js'
import { ScopeSchema, type Scope } from '../schemas/seed.js'
import type { Application } from '../store/auth.js'
import type { Store } from '../store/index.js'
import { SCOPE_ROLES } from './channels.js'

/*
 * provider-api.md §1 without HTTP: client-credentials tokens. The route reads the Basic header; the
 * rules (grant, scopes, reuse of a live token, lifetime) are here.
 */

const SCOPE_ORDER = Object.keys(SCOPE_ROLES) as Scope[]
const KNOWN_SCOPES = new Set<string>(ScopeSchema.anyOf.map((s: { const: string }) => s.const))

export interface ClientCredentials { id: string, secret: string }

/** The application whose id and secret these are; a 401 `Bad credentials` otherwise. */
export function clientApplication (store: Store, credentials: ClientCredentials | undefined): Application {
  const application = credentials && store.auth.application(credentials.id)
  if (!application || application.secret !== credentials!.secret) throw new ApiError(ERRORS.OAUTH_BAD_CREDENTIALS)
  return application
}

/**
 * A token for the application, narrowed to the scopes asked for; `mint` makes a new token's id and
 * `now` is the wall clock (tokens expire on it: sandbox choice). 401 for bad credentials, the OAuth2
 * 400 body for a missing or unsupported grant and for a scope the application does not have.
 */
export function issueToken (store: Store, credentials: ClientCredentials | undefined, body: TokenRequest, mint: () => string, now: number): TokenResponse {
  const application = clientApplication(store, credentials)
  if (body.grant_type !== 'client_credentials') {
    throw new ApiError(ERRORS.OAUTH_GRANT, body.grant_type === undefined
      ? 'Missing grant_type: send grant_type=client_credentials.'
      : `Unsupported grant type: ${body.grant_type}; send grant_type=client_credentials.`)
  }
  let scopes = application.scopes
  const asked = (body.scope ?? '').split(/[\s,]+/).filter((s) => s !== '')
  // a scope parameter that names nothing (blank, or only separators) narrows nothing
  if (asked.length > 0) {
    const bad = asked.find((s) => !KNOWN_SCOPES.has(s) || !application.scopes.includes(s as Scope))
    if (bad !== undefined) throw new ApiError(ERRORS.OAUTH_SCOPE, `Invalid scope: ${bad}`)
    scopes = application.scopes.filter((s) => asked.includes(s))
  }
  scopes = SCOPE_ORDER.filter((s) => scopes.includes(s))
  // like the provider's OAuth server, a live token is handed out again with the seconds it has left
  let token = store.auth.liveToken(application.id, scopes, now)
  if (!token) {
    token = { token: mint(), applicationId: application.id, accountId: application.accountId, scopes, expiresAt: now + application.tokenLifetime * 1000 }
    store.auth.insertToken(token)
    store.auth.purgeExpired(now)
  }
  return {
    access_token: token.token,
    token_type: 'bearer',
    // §1 shows 3599 for a new 3600 s token: the seconds left, rounded down
    expires_in: Math.max(0, Math.ceil((token.expiresAt - now) / 1000) - 1),
    scope: scopes.join(' '),
    permissions: scopes.map((s) => SCOPE_ROLES[s])
  }
}
