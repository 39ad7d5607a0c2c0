import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { healthRoutes } from './health.js'
import { accountControlRoutes } from './accounts.js'
import { clockRoutes } from './clock.js'
import { scenarioRoutes } from './scenarios.js'
import { messageRoutes } from './messages.js'
import { flowControlRoutes } from './flows.js'
import { callbackRoutes } from './callbacks.js'
import { eventRoutes } from './events.js'
import { dashboardRoutes } from './dashboard.js'
import { requestRoutes } from './requests.js'
import { faultRoutes } from './faults.js'
import { webhookRoutes } from './webhooks.js'
import { requireJsonBody } from '../../validation.js'

/** The sandbox's own control plane under /_sandbox (sandbox.md). */
export const sandboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // the receiver takes whatever a callback sends; every other control route reads JSON (a form is
  // for /oauth/token only), so a form or text body here is the wrong content type, not a wrong body
  // (a route marked anyBody, the dashboard's demo receiver, takes anything too)
  await app.register(webhookRoutes)
  await app.register(async (json) => {
    json.addHook('preValidation', async (request) => {
      if (request.routeOptions.config.anyBody !== true) await requireJsonBody(request)
    })
    await json.register(healthRoutes)
    await json.register(accountControlRoutes)
    await json.register(clockRoutes)
    await json.register(scenarioRoutes)
    await json.register(messageRoutes)
    await json.register(flowControlRoutes)
    await json.register(callbackRoutes)
    await json.register(eventRoutes)
    await json.register(dashboardRoutes)
    await json.register(requestRoutes)
    await json.register(faultRoutes)
  })
}
