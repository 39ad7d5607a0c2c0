import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { ERRORS, validationError } from '../../errors.js'
import { iso } from '../../engine/tracking.js'
import type { ClockView } from '../../engine/clock.js'
import { errorResponses } from '../../schemas/common.js'
import { AdvanceResultSchema, AdvanceSchema, ClockChangeSchema } from '../../schemas/sandbox.js'
import { isObject } from '../../validation.js'
import type { App } from '../../app.js'
import { CONTROL, controlAccount } from './context.js'

const view = (v: ClockView): { now: string, mode: 'realtime' | 'manual', scale: number } => ({ now: iso(v.now), mode: v.mode, scale: v.scale })

/** sandbox.md "Time": each account's clock. */
export const clockRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App

  app.get('/clock', { schema: { ...CONTROL, summary: "The account's clock", response: { 200: Type.Ref('Clock'), ...errorResponses(404) } } },
    async (request): Promise<any> => view(app.engine.clock(controlAccount(app, request))))

  app.post('/clock', {
    schema: { ...CONTROL, summary: 'Switch mode or scale, or jump forward', body: ClockChangeSchema, response: { 200: Type.Ref('Clock'), ...errorResponses(400, 404) } }
  }, async (request): Promise<any> => {
    const accountId = controlAccount(app, request)
    const { mode, scale, now } = request.body
    const at = typeof now === 'string' ? Date.parse(now) : now
    // a jump makes events due: their effects are stored before the answer
    return view(await app.engine.setClock(accountId, { mode, scale, now: at }))
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
    else if (isObject(body) && typeof body.seconds === 'number' && body.seconds >= 0 && body.seconds <= 10 * 365 * 86400 && Object.keys(body).length === 1) by = { seconds: body.seconds }
    else throw validationError([{ path: '', entry: ERRORS.VALIDATION, detail: 'send {"seconds": <number from 0 to 315360000>} or {"until": "idle"}.' }])
    const result = await app.engine.advance(accountId, by)
    return { now: iso(result.now), eventsRun: result.eventsRun }
  })
}
