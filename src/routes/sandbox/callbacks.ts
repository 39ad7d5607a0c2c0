import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ApiError, ERRORS } from '../../errors.js'
import { callbackView } from '../../engine/views.js'
import type { Callback } from '../../store/callbacks.js'
import type { Store } from '../../store/index.js'
import { CallbackViewSchema, type CallbackView } from '../../schemas/callbacks.js'
import { errorResponses } from '../../schemas/common.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md "Seeing what happened": callbacks with every attempt, redelivery, and inbound Viber replies. */
export const callbackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const view = (store: Store, c: Callback): CallbackView => callbackView(c, store.callbacks.attempts(c.id))

  app.get('/callbacks', {
    schema: {
      ...CONTROL,
      summary: "The account's callbacks (newest first), each with every attempt and the next one",
      querystring: Type.Object({ trackingId: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 })) }),
      response: { 200: Type.Array(CallbackViewSchema), ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const { trackingId, limit } = request.query
    const list = trackingId !== undefined
      ? app.store.callbacks.ofFlow(trackingId).filter((c) => c.accountId === accountId)
      : app.store.callbacks.ofAccount(accountId, limit ?? 100)
    return list.map((c) => view(app.store, c))
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
    const callback = app.store.callbacks.get(request.params.callbackId)
    if (!callback || callback.accountId !== accountId) throw new ApiError(ERRORS.CALLBACK_NOT_FOUND)
    if (callback.state === 'delivering') throw new ApiError(ERRORS.CONFLICT, 'An attempt of this callback is in flight: try again when it has finished.')
    await app.engine.callbacks.redeliver(callback)
    return view(app.store, app.store.callbacks.get(callback.id)!)
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
    const message = app.store.flows.message(request.params.messageId)
    if (!message || message.accountId !== accountId) throw new ApiError(ERRORS.MESSAGE_NOT_FOUND)
    const flow = app.store.flows.flow(message.flowId)!
    const url = (flow.request.flow[message.stepIdx] as { inboundUrl?: string }).inboundUrl
    if (message.channel !== 'Viber' || url === undefined) {
      throw new ApiError(ERRORS.VALIDATION, `messageId: only a Viber message whose step has an inboundUrl can be answered (this is a ${message.channel} message${message.channel === 'Viber' ? ' without inboundUrl' : ''}).`, { messageId: 'no inboundUrl' })
    }
    const callback = app.engine.callbacks.reply(flow, message, url, request.body.text, app.engine.clocks.now(accountId))
    // the first attempt runs before the answer, so a test sees its result at once
    await app.engine.scheduler.run(accountId)
    await app.engine.callbacks.settle(accountId)
    return view(app.store, app.store.callbacks.get(callback.id)!)
  })
}
