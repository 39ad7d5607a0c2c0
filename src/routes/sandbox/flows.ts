import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { DEFAULT_WAIT_STATUSES, flowStatuses } from '../../engine/wait.js'
import { errorResponses } from '../../schemas/common.js'
import { WaitQuerySchema } from '../../schemas/sandbox.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md: GET /_sandbox/flows/{trackingId}/wait long-polls until the flow reaches a status. */
export const flowControlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // long-polls in progress end (408) before the server closes, or close() would wait for their timeouts
  app.addHook('preClose', async () => app.engine.endWaits())

  app.get('/flows/:trackingId/wait', {
    schema: {
      ...CONTROL,
      summary: 'Wait until the flow reaches one of the statuses; 408 on timeout',
      params: Type.Object({ trackingId: Type.String() }),
      querystring: WaitQuerySchema,
      response: { 200: Type.Ref('Tracking'), ...errorResponses(400, 404, 408) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const wanted = flowStatuses(request.query.status ?? DEFAULT_WAIT_STATUSES)
    // a client that leaves ends its wait
    const left = new AbortController()
    request.raw.once('close', () => left.abort())
    return await app.engine.waitForFlow(accountId, request.params.trackingId, wanted, request.query.timeoutMs ?? 5000, left.signal)
  })
}
