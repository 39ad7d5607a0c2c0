import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireToken, requireScopes } from '../auth.js'
import { ApiError, ERRORS, validationError, type Problem } from '../errors.js'
import { placeholders } from '../engine/render.js'
import { templateView } from '../engine/views.js'
import type { Template } from '../store/catalog.js'
import { errorResponses } from '../schemas/common.js'
import { NewTemplateSchema } from '../schemas/templates.js'
import { requireJsonBody } from '../validation.js'

/** provider-api.md §8: Viber transactional templates. Created PENDING; never edited (delete and create anew). */
export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireToken(app.store, () => app.engine.clocks.time.now()))
  app.addHook('preValidation', requireJsonBody)
  const SenderQuery = Type.Object({ senderInfoTrackingId: Type.Optional(Type.String({ minLength: 1 })) })

  app.get('/viber/transactional/templates', {
    schema: {
      tags: ['Provider API'],
      summary: 'List Viber transactional templates',
      security: [{ bearer: [] }],
      querystring: SenderQuery,
      response: { 200: Type.Array(Type.Ref('Template')), ...errorResponses(400, 401, 403) }
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
      response: { 200: Type.Ref('Template'), ...errorResponses(400, 401, 403, 413) }
    }
  }, async (request) => {
    const principal = request.principal!
    requireScopes(principal, 'viber')
    const senderId = request.query.senderInfoTrackingId
    const problems: Problem[] = []
    const sender = app.store.catalog.sender(principal.accountId, senderId)
    if (!sender) problems.push({ path: 'senderInfoTrackingId', entry: ERRORS.SENDER_UNKNOWN })
    const category = request.body.category ?? 'TRANSACTIONAL'
    if (category === 'OTP') {
      for (const [lang, text] of Object.entries(request.body.languages)) {
        if (!placeholders(text).includes('pin')) problems.push({ path: `languages.${lang}`, entry: ERRORS.TEMPLATE_OTP_NO_PIN })
      }
    }
    if (problems.length > 0) throw validationError(problems)
    const template: Template = {
      id: app.engine.ids.uuid(),
      senderInfoTrackingId: senderId,
      name: request.body.name,
      category,
      languages: request.body.languages,
      status: 'PENDING',
      createdAt: app.engine.clocks.now(principal.accountId)
    }
    app.store.catalog.insertTemplate(principal.accountId, template)
    return templateView(template)
  })

  app.delete('/viber/transactional/templates/:templateId', {
    schema: {
      tags: ['Provider API'],
      summary: 'Delete a Viber transactional template',
      security: [{ bearer: [] }],
      params: Type.Object({ templateId: Type.String() }),
      response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404) }
    }
  }, async (request, reply) => {
    requireScopes(request.principal!, 'viber')
    if (!app.store.catalog.deleteTemplate(request.principal!.accountId, request.params.templateId)) throw new ApiError(ERRORS.TEMPLATE_NOT_FOUND)
    return await reply.code(204).send(null)
  })
}
