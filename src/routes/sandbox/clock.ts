import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ERRORS, validationError } from '../../errors.js'
import { clockView, iso } from '../../engine/views.js'
import { errorResponses } from '../../schemas/common.js'
import { AdvanceResultSchema, AdvanceSchema, ClockChangeSchema } from '../../schemas/sandbox.js'
import { isObject } from '../../validation.js'
import { MAX_ADVANCE_SECONDS } from '../../vocabulary.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md "Time": each account's clock. */
export const clockRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/clock', { schema: { ...CONTROL, summary: "The account's clock", response: { 200: Type.Ref('Clock'), ...errorResponses(404) } } },
    async (request) => clockView(app.engine.clock(controlAccount(app, request))))

  app.post('/clock', {
    schema: { ...CONTROL, summary: 'Switch mode or scale, jump forward, or go back to wall time ("now": "wall")', body: ClockChangeSchema, response: { 200: Type.Ref('Clock'), ...errorResponses(400, 404) } }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const { mode, scale, now } = request.body
    if (now === 'wall') {
      // sandbox choice: the only way back; the jump itself is stored as is, then due events run as for any change
      return clockView(await app.engine.clockToWall(accountId, { mode, scale }))
    }
    const at = typeof now === 'string' ? Date.parse(now) : now
    // a jump makes events due: their effects are stored before the answer
    return clockView(await app.engine.setClock(accountId, { mode, scale, now: at }))
  })

  app.post('/clock/advance', {
    schema: {
      ...CONTROL,
      summary: 'Advance the clock and run every event that falls due, in order',
      body: AdvanceSchema,
      response: { 200: AdvanceResultSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const body: unknown = request.body
    let by: { seconds: number } | { until: 'idle' }
    if (isObject(body) && body.until === 'idle' && Object.keys(body).length === 1) by = { until: 'idle' }
    else if (isObject(body) && typeof body.seconds === 'number' && body.seconds >= 0 && body.seconds <= MAX_ADVANCE_SECONDS && Object.keys(body).length === 1) by = { seconds: body.seconds }
    else throw validationError([{ path: '', entry: ERRORS.VALIDATION, detail: `send {"seconds": <number from 0 to ${MAX_ADVANCE_SECONDS}>} or {"until": "idle"}.` }])
    const result = await app.engine.advance(accountId, by)
    return { now: iso(result.now), eventsRun: result.eventsRun, ...(result.eventsLeft === undefined ? {} : { eventsLeft: result.eventsLeft }) }
  })
}
