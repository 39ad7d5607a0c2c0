import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireToken, requireScopes } from '../auth.js'
import { apiErrorResponses } from '../schemas/common.js'
import { SearchBodySchema, SearchQuerySchema } from '../schemas/tracking.js'
import { requireJsonBody } from '../validation.js'

export const trackingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireToken(app.store, () => app.engine.wallNow()))
  app.addHook('preValidation', requireJsonBody)

  app.get('/failover/tracking/:trackingId', {
    schema: {
      tags: ['Provider API'],
      summary: 'Track a flow',
      security: [{ bearer: [] }],
      params: Type.Object({ trackingId: Type.String() }),
      response: { 200: Type.Ref('Tracking'), ...apiErrorResponses(401, 403, 404) }
    }
  }, async (request, reply) => {
    requireScopes(request.principal!, 'failover')
    // the record's JSON text, often from the engine's cache: sent as it is
    return await reply.type('application/json; charset=utf-8').send(app.engine.trackingJson(request.principal!.accountId, request.params.trackingId))
  })

  app.post('/failover/tracking', {
    schema: {
      tags: ['Provider API'],
      summary: 'Search flows',
      description: 'Filters are ANDed; newest first; page is 0-based (§4).',
      security: [{ bearer: [] }],
      querystring: SearchQuerySchema,
      // optional: a search without filters may send no body, even with Content-Type: application/json
      body: Type.Optional(SearchBodySchema),
      response: { 200: Type.Ref('TrackingPage'), ...apiErrorResponses(400, 401, 403) }
    }
  }, async (request) => {
    requireScopes(request.principal!, 'failover')
    return app.engine.search(request.principal!.accountId, request.body, request.query)
  })
}
