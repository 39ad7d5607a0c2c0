import type { FastifyPluginAsync } from 'fastify'
import { HealthSchema } from '../../schemas/sandbox.js'
import { VERSION } from '../../version.js'
import { CONTROL } from './context.js'

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health', { schema: { ...CONTROL, summary: 'Liveness', response: { 200: HealthSchema } } }, async () => ({ status: 'ok' as const, version: VERSION }))
}
