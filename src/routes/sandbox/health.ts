import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { HealthSchema } from '../../schemas/sandbox.js'
import { ERRORS } from '../../errors.js'
import { VERSION } from '../../version.js'
import { CONTROL } from './context.js'

/**
 * Liveness for container health checks: 200 while the server can keep what it is sent, 503 (the
 * DATABASE_GONE envelope, with `status: "error"` and `problem`) once it cannot (the database file deleted or replaced under it, issue 11 point 4).
 * Open without the admin token: it tells nothing beyond that.
 */
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    schema: {
      ...CONTROL,
      summary: 'Liveness: 503 (DATABASE_GONE, with status "error" and the problem) when the database file is gone',
      response: { 200: HealthSchema, 503: Type.Ref('Error') }
    }
  }, async (_request, reply) => {
    const problem = app.store.fileProblem()
    // the catalog's envelope, plus the fields a health check reads
    if (problem !== undefined) {
      const entry = ERRORS.DATABASE_GONE
      return await reply.code(503).send({ code: entry.code, developerMessage: entry.message, type: entry.type, status: 'error', version: VERSION, problem })
    }
    return { status: 'ok' as const, version: VERSION }
  })
}
