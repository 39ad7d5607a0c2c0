import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { ApiError, ERRORS } from '../../errors.js'
import { iso } from '../../engine/tracking.js'
import type { Callback } from '../../store/callbacks.js'
import type { Store } from '../../store/index.js'
import { errorResponses } from '../../schemas/common.js'
import type { App } from '../../app.js'
import { CONTROL, controlAccount } from './context.js'

const isoOrNull = (t: number | null): string | null => (t === null ? null : iso(t))

export const CallbackViewSchema = Type.Object({
  id: Type.String(),
  trackingId: Type.String(),
  kind: Type.Union([Type.Literal('change'), Type.Literal('completion'), Type.Literal('inbound')]),
  url: Type.String(),
  state: Type.Union(['waiting', 'pending', 'delivering', 'delivered', 'failed'].map((s) => Type.Literal(s))),
  attempts: Type.Array(Type.Object({
    attempt: Type.Integer(),
    at: Type.String({ format: 'date-time', description: 'sandbox time' }),
    realAt: Type.String({ format: 'date-time', description: 'wall-clock time' }),
    status: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status, or null when no answer came' }),
    error: Type.Union([Type.String(), Type.Null()]),
    latencyMs: Type.Integer()
  })),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  body: Type.Unknown({ description: 'what was (or will be) POSTed' })
}, { $id: 'CallbackView' })

export function callbackView (store: Store, c: Callback): Record<string, unknown> {
  return {
    id: c.id,
    trackingId: c.flowId,
    kind: c.kind,
    url: c.url,
    state: c.state,
    attempts: store.callbacks.attempts(c.id).map((a) => ({
      attempt: a.attempt, at: iso(a.sandboxAt), realAt: iso(a.realAt), status: a.status, error: a.error, latencyMs: a.latencyMs
    })),
    nextAttemptAt: isoOrNull(c.nextAttemptAt),
    createdAt: iso(c.createdAt),
    finishedAt: isoOrNull(c.finishedAt),
    body: JSON.parse(c.body)
  }
}

/** sandbox.md "Seeing what happened": callbacks with every attempt, redelivery, and inbound Viber replies. */
export const callbackRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App

  app.get('/callbacks', {
    schema: {
      ...CONTROL,
      summary: "The account's callbacks (newest first), each with every attempt and the next one",
      querystring: Type.Object({ trackingId: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 })) }),
      response: { 200: Type.Array(CallbackViewSchema), ...errorResponses(400, 404) }
    }
  }, async (request): Promise<any> => {
    const accountId = controlAccount(app, request)
    const { trackingId, limit } = request.query
    const list = trackingId !== undefined
      ? app.store.callbacks.ofFlow(trackingId).filter((c) => c.accountId === accountId)
      : app.store.callbacks.ofAccount(accountId, limit ?? 100)
    return list.map((c) => callbackView(app.store, c))
  })

  app.post('/callbacks/:callbackId/redeliver', {
    schema: {
      ...CONTROL,
      summary: 'Send a callback once more, now (outside the retry schedule); answers after the attempt',
      params: Type.Object({ callbackId: Type.String() }),
      response: { 200: CallbackViewSchema, ...errorResponses(404, 409) }
    }
  }, async (request): Promise<any> => {
    const accountId = controlAccount(app, request)
    const callback = app.store.callbacks.get(request.params.callbackId)
    if (!callback || callback.accountId !== accountId) throw new ApiError(ERRORS.CALLBACK_NOT_FOUND)
    if (callback.state === 'delivering') throw new ApiError(ERRORS.CONFLICT, 'An attempt of this callback is in flight: try again when it has finished.')
    await app.engine.callbacks.redeliver(callback)
    return callbackView(app.store, app.store.callbacks.get(callback.id)!)
  })

  app.post('/messages/:messageId/reply', {
    schema: {
      ...CONTROL,
      summary: "The recipient answers a Viber message: the sandbox POSTs an inbound message to the step's inboundUrl",
      params: Type.Object({ messageId: Type.String() }),
      body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false }),
      response: { 200: CallbackViewSchema, ...errorResponses(400, 404) }
    }
  }, async (request): Promise<any> => {
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
    return callbackView(app.store, app.store.callbacks.get(callback.id)!)
  })
}
