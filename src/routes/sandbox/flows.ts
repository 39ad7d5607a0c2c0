import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ApiError, ERRORS, validationError } from '../../errors.js'
import { canonical } from '../../engine/channels.js'
import { errorResponses } from '../../schemas/common.js'
import { WaitQuerySchema } from '../../schemas/sandbox.js'
import { FLOW_STATUSES } from '../../vocabulary.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md: GET /_sandbox/flows/{trackingId}/wait long-polls until the flow reaches a status. */
export const flowControlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // long-polls in progress end (408) before the server closes, or close() would wait for their timeouts
  const waiting = new Set<() => void>()
  app.addHook('preClose', async () => { for (const end of waiting) end() })

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
    const { trackingId } = request.params
    const names = (request.query.status ?? 'Succeeded,Failed').split(',').map((s) => s.trim()).filter((s) => s !== '')
    const wanted = names.map((s) => canonical(FLOW_STATUSES, s))
    const bad = names.filter((_, i) => wanted[i] === undefined)
    if (bad.length > 0 || names.length === 0) {
      throw validationError([{ path: 'status', entry: ERRORS.VALIDATION, detail: `${bad.map((s) => `"${s}"`).join(', ') || 'nothing'} is not a flow status: give one or more of ${FLOW_STATUSES.join(', ')}, comma-separated.` }])
    }
    const timeoutMs = request.query.timeoutMs ?? 5000
    // only the flow's status is needed on each change: the full record is built once, for the answer
    const reached = (): boolean => {
      const flow = app.store.flows.flow(trackingId)
      if (!flow || flow.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
      return wanted.includes(flow.status)
    }
    if (reached()) return app.engine.tracking(accountId, trackingId)
    await new Promise<void>((resolve, reject) => {
      const check = (e: { flow: { id: string } }): void => {
        if (e.flow.id !== trackingId) return
        // the flow (or its account) may be gone by now: answer with that error, never throw in the emitter
        try {
          if (reached()) done()
        } catch (err) {
          done(err instanceof ApiError ? err : new ApiError(ERRORS.TRACKING_NOT_FOUND))
        }
      }
      const done = (error?: ApiError): void => {
        clearTimeout(timer)
        app.engine.events.off('message', check)
        app.engine.events.off('completed', check)
        request.raw.off('close', gone)
        waiting.delete(gone)
        if (error) reject(error)
        else resolve()
      }
      const gone = (): void => done(new ApiError(ERRORS.WAIT_TIMEOUT))
      const timer = setTimeout(() => done(new ApiError(ERRORS.WAIT_TIMEOUT, `The flow did not reach ${wanted.join(' or ')} within ${timeoutMs} ms.`)), timeoutMs)
      app.engine.events.on('message', check)
      app.engine.events.on('completed', check)
      request.raw.on('close', gone)
      waiting.add(gone)
    })
    return app.engine.tracking(accountId, trackingId)
  })
}
