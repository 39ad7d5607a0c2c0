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

/** The sandbox's own control plane under /_sandbox (sandbox.md). */
export const sandboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(healthRoutes)
  await app.register(accountControlRoutes)
  await app.register(clockRoutes)
  await app.register(scenarioRoutes)
  await app.register(messageRoutes)
  await app.register(flowControlRoutes)
  await app.register(callbackRoutes)
  await app.register(eventRoutes)
  await app.register(dashboardRoutes)
  await app.register(requestRoutes)
  await app.register(faultRoutes)
  await app.register(webhookRoutes)
}
