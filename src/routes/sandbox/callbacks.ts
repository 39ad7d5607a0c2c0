import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { CallbackViewSchema } from '../../schemas/callbacks.js'
import { errorResponses } from '../../schemas/common.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md "Seeing what happened": callbacks with every attempt, redelivery, and inbound Viber replies. */
export const callbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/callbacks', {
    schema: {
      ...CONTROL,
      summary: "The account's callbacks (newest first), each with every attempt and the next one",
      querystring: Type.Object({ trackingId: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 })) }),
      response: { 200: Type.Array(CallbackViewSchema), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    return app.engine.callbackViews(controlAccount(app, request), { trackingId: request.query.trackingId, limit: request.query.limit ?? 100 })
  })

  app.post('/callbacks/:callbackId/redeliver', {
    schema: {
      ...CONTROL,
      summary: 'Send a callback once more, now (outside the retry schedule); answers after the attempt',
      params: Type.Object({ callbackId: Type.String() }),
      response: { 200: CallbackViewSchema, ...errorResponses(404, 409) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    return await app.engine.redeliver(accountId, request.params.callbackId)
  })

  app.post('/messages/:messageId/reply', {
    schema: {
      ...CONTROL,
      summary: "The recipient answers a Viber message: the sandbox POSTs an inbound message to the step's inboundUrl",
      params: Type.Object({ messageId: Type.String() }),
      body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
      response: { 200: CallbackViewSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    // the first attempt runs before the answer, so a test sees its result at once
    return await app.engine.reply(accountId, request.params.messageId, request.body.text)
  })
}
