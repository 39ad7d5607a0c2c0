import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireToken, requireScopes } from '../auth.js'
import { ApiError, ERRORS } from '../errors.js'
import { templateView } from '../engine/views.js'
import { apiErrorResponses } from '../schemas/common.js'
import { NewTemplateSchema } from '../schemas/templates.js'
import { requireJsonBody } from '../validation.js'

/** provider-api.md §8: Viber transactional templates. Created PENDING; never edited (delete and create anew). */
export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireToken(app.store, () => app.engine.wallNow()))
  app.addHook('preValidation', requireJsonBody)
  const SenderQuery = Type.Object({ senderInfoTrackingId: Type.Optional(Type.String({ minLength: 1 })) })

  app.get('/viber/transactional/templates', {
    schema: {
      tags: ['Provider API'],
      summary: 'List Viber transactional templates',
      security: [{ bearer: [] }],
      querystring: SenderQuery,
      response: { 200: Type.Array(Type.Ref('Template')), ...apiErrorResponses(400, 401, 403) }
    }
  }, async (request) => {
    requireScopes(request.principal!, 'viber')
    return app.store.catalog.templates(request.principal!.accountId, request.query.senderInfoTrackingId).map(templateView)
  })

  app.post('/viber/transactional/templates', {
    schema: {
      tags: ['Provider API'],
      summary: 'Create a Viber transactional template (PENDING)',
      security: [{ bearer: [] }],
      querystring: Type.Object({ senderInfoTrackingId: Type.String({ minLength: 1 }) }),
      body: NewTemplateSchema,
      response: { 200: Type.Ref('Template'), ...apiErrorResponses(400, 401, 403, 413) }
    }
  }, async (request) => {
    const principal = request.principal!
    requireScopes(principal, 'viber')
    return app.engine.createTemplate(principal.accountId, request.query.senderInfoTrackingId, request.body)
  })

  app.delete('/viber/transactional/templates/:templateId', {
    schema: {
      tags: ['Provider API'],
      summary: 'Delete a Viber transactional template',
      security: [{ bearer: [] }],
      params: Type.Object({ templateId: Type.String() }),
      response: { 204: Type.Null(), ...apiErrorResponses(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    requireScopes(request.principal!, 'viber')
    // found as a send finds it (a UUID in any case), then deleted by its stored id
    const template = app.store.catalog.template(request.principal!.accountId, request.params.templateId)
    if (template === undefined || !app.store.catalog.deleteTemplate(request.principal!.accountId, template.id)) throw new ApiError(ERRORS.TEMPLATE_NOT_FOUND)
    return await reply.code(204).send(null)
  })
}
