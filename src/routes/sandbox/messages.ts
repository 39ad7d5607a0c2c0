import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { recipientView } from '../../engine/outbox.js'
import { errorResponses } from '../../schemas/common.js'
import { ForceStatusSchema, MessagesQuerySchema } from '../../schemas/sandbox.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md "Seeing what happened": every message the sandbox "sent", and forced statuses. */
export const messageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/messages', {
    schema: { ...CONTROL, summary: 'What recipients would have seen, newest first', querystring: MessagesQuerySchema, response: { 200: Type.Array(Type.Unknown()), ...errorResponses(400, 404) } }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const q = request.query
    const messages = app.store.flows.messages(accountId, { to: q.to, channel: q.channel, trackingId: q.trackingId, status: q.status, limit: q.limit ?? 100 })
    const flows = new Map<string, ReturnType<typeof app.store.flows.flow>>()
    return messages.map((m) => {
      if (!flows.has(m.flowId)) flows.set(m.flowId, app.store.flows.flow(m.flowId))
      return recipientView(flows.get(m.flowId)!, m)
    })
  })

  app.delete('/messages', { schema: { ...CONTROL, summary: 'Clear the list of sent messages (tracking keeps them)', response: { 204: Type.Null(), ...errorResponses(404) } } },
    async (request, reply) => {
      app.store.flows.clearMessages(controlAccount(app, request))
      return await reply.code(204).send(null)
    })

  app.post('/messages/:messageId/status', {
    schema: {
      ...CONTROL,
      summary: "Set a pending message's status now (the only way a MANUAL message moves)",
      params: Type.Object({ messageId: Type.String() }),
      body: ForceStatusSchema,
      response: { 200: Type.Ref('Tracking'), ...errorResponses(400, 404, 409) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const trackingId = app.engine.forceStatus(accountId, request.params.messageId, request.body.status, request.body.detailedStatus)
    return app.engine.tracking(accountId, trackingId)
  })
}
