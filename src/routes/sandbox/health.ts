import type { FastifyPluginAsync } from 'fastify'
import { HealthProblemSchema, HealthSchema } from '../../schemas/sandbox.js'
import { VERSION } from '../../version.js'
import type { App } from '../../app.js'
import { CONTROL } from './context.js'

/**
 * Liveness for container health checks: 200 while the server can keep what it is sent, 503 with the
 * problem once it cannot (the database file deleted or replaced under it, issue 11 point 4).
 * Open without the admin token: it tells nothing beyond that.
 */
export const healthRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App
  app.get('/health', {
    schema: { ...CONTROL, summary: 'Liveness: 503 when the database file is gone', response: { 200: HealthSchema, 503: HealthProblemSchema } }
  }, async (_request, reply) => {
    const problem = app.store.fileProblem()
    if (problem !== undefined) return await reply.code(503).send({ status: 'error', version: VERSION, problem })
    return { status: 'ok' as const, version: VERSION }
  })
}
