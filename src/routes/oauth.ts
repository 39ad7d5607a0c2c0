import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { ClientCredentials } from '../engine/tokens.js'
import { TokenRequestSchema, TokenResponseSchema } from '../schemas/oauth.js'
import { apiErrorResponses, unauthorizedResponse } from '../schemas/common.js'
import { requireJsonOrFormBody } from '../validation.js'

/** The application id and secret of an `Authorization: Basic` header. */
function basicCredentials (header: string | undefined): ClientCredentials | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) }
}

/** provider-api.md §1: POST /oauth/token (the provider's auth host, served on the same port). */
export const oauthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/oauth/token', {
    schema: {
      tags: ['Provider API'],
      summary: 'Get an access token (client credentials)',
      description: 'Authorization: Basic base64(applicationId:applicationSecret); form body grant_type=client_credentials, optional scope.',
      consumes: ['application/x-www-form-urlencoded'],
      // optional: a bare POST is answered unsupported_grant_type (§1), not a body error
      body: Type.Optional(TokenRequestSchema),
      // §1: grant and scope mistakes answer the OAuth2 body; a body that cannot be read answers the provider envelope
      response: { 200: TokenResponseSchema, 400: Type.Union([Type.Ref('OAuthError'), Type.Ref('Error')]), 401: unauthorizedResponse('Basic'), ...apiErrorResponses(413) }
    },
    // credentials first, so a bad one is the 401 whatever the body (README: 401 beats 400)
    onRequest: async (request) => app.engine.checkClient(basicCredentials(request.headers.authorization)),
    preValidation: requireJsonOrFormBody
  }, async (request) => {
    return app.engine.issueToken(basicCredentials(request.headers.authorization), request.body ?? {})
  })
}
