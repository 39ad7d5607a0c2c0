import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { ApiError, ERRORS } from '../../errors.js'
import { errorResponses } from '../../schemas/common.js'
import { WaitQuerySchema } from '../../schemas/sandbox.js'
import type { App } from '../../app.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md: GET /_sandbox/flows/{trackingId}/wait long-polls until the flow reaches a status. */
export const flowControlRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App

  app.get('/flows/:trackingId/wait', {
    schema: {
      ...CONTROL,
      summary: 'Wait until the flow reaches one of the statuses; 408 on timeout',
      params: Type.Object({ trackingId: Type.String() }),
      querystring: WaitQuerySchema,
      response: { 200: Type.Ref('Tracking'), ...errorResponses(400, 404, 408) }
    }
  }, async (request): Promise<any> => {
    const accountId = controlAccount(app, request)
    const { trackingId } = request.params
    const wanted = (request.query.status ?? 'Succeeded,Failed').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')
    const timeoutMs = request.query.timeoutMs ?? 5000
    const reached = (): boolean => wanted.includes(String(app.engine.tracking(accountId, trackingId).status).toLowerCase())
    if (reached()) return app.engine.tracking(accountId, trackingId)
    await new Promise<void>((resolve, reject) => {
      const check = (e: { flow: { id: string } }): void => {
        if (e.flow.id === trackingId && reached()) done()
      }
      const done = (error?: ApiError): void => {
        clearTimeout(timer)
        app.engine.events.off('message', check)
        app.engine.events.off('completed', check)
        request.raw.off('close', gone)
        if (error) reject(error)
        else resolve()
      }
      const gone = (): void => done(new ApiError(ERRORS.WAIT_TIMEOUT))
      const timer = setTimeout(() => done(new ApiError(ERRORS.WAIT_TIMEOUT, `The flow did not reach ${wanted.join(' or ')} within ${timeoutMs} ms.`)), timeoutMs)
      app.engine.events.on('message', check)
      app.engine.events.on('completed', check)
      request.raw.on('close', gone)
    })
    return app.engine.tracking(accountId, trackingId)
  })
}
