import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { ApiError, ERRORS } from '../errors.js'
import { SCOPE_ROLES } from '../engine/channels.js'
import { ScopeSchema, type Scope } from '../schemas/seed.js'
import { TokenRequestSchema, TokenResponseSchema } from '../schemas/oauth.js'
import { errorResponses, unauthorizedResponse } from '../schemas/common.js'
import type { App } from '../app.js'

const SCOPE_ORDER = Object.keys(SCOPE_ROLES) as Scope[]
const KNOWN_SCOPES = new Set<string>(ScopeSchema.anyOf.map((s: { const: string }) => s.const))

function basicCredentials (header: string | undefined): { id: string, secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

/** provider-api.md §1: POST /oauth/token (the provider's auth host, served on the same port). */
export const oauthRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App
  app.post('/oauth/token', {
    schema: {
      tags: ['Provider API'],
      summary: 'Get an access token (client credentials)',
      description: 'Authorization: Basic base64(applicationId:applicationSecret); form body grant_type=client_credentials, optional scope.',
      consumes: ['application/x-www-form-urlencoded'],
      // optional: a bare POST is answered unsupported_grant_type (§1), not a body error
      body: Type.Optional(TokenRequestSchema),
      // §1: grant and scope mistakes answer the OAuth2 body; a body that cannot be read answers the provider envelope
      response: { 200: TokenResponseSchema, 400: Type.Union([Type.Ref('OAuthError'), Type.Ref('Error')]), 401: unauthorizedResponse('Basic'), ...errorResponses(413) }
    }
  }, async (request) => {
    const credentials = basicCredentials(request.headers.authorization)
    const application = credentials && app.store.auth.application(credentials.id)
    if (!application || application.secret !== credentials!.secret) throw new ApiError(ERRORS.OAUTH_BAD_CREDENTIALS)
    const body = (request.body ?? {}) as { grant_type?: string, scope?: string }
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
    const now = app.engine.clocks.time.now()
    // like the provider's OAuth server, a live token is handed out again with the seconds it has left
    let token = app.store.auth.liveToken(application.id, scopes, now)
    if (!token) {
      token = { token: app.engine.ids.uuid(), applicationId: application.id, accountId: application.accountId, scopes, expiresAt: now + application.tokenLifetime * 1000 }
      app.store.auth.insertToken(token)
      app.store.auth.purgeExpired(now)
    }
    return {
      access_token: token.token,
      token_type: 'bearer' as const,
      // §1 shows 3599 for a new 3600 s token: the seconds left, rounded down
      expires_in: Math.max(0, Math.ceil((token.expiresAt - now) / 1000) - 1),
      scope: scopes.join(' '),
      permissions: scopes.map((s) => SCOPE_ROLES[s])
    }
  })
}
