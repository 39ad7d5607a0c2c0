import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import fastifyStatic from '@fastify/static'
import { UI_DIR } from '../paths.js'

/**
 * GET /: the dashboard (sandbox.md "Seeing what happened"), plain files from src/ui/ with no build
 * step. One route per file found at start (wildcard: false), so an unknown path still gets the
 * provider-shaped 404 rather than a static-file miss. decorateReply is off because
 * @fastify/swagger-ui registers @fastify/static too and the reply decorators would clash.
 */
export const uiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(fastifyStatic, {
    root: UI_DIR,
    prefix: '/',
    index: 'index.html',
    wildcard: false,
    decorateReply: false,
    // the files change with the package, not while it runs; always revalidate so an upgrade shows at once
    cacheControl: true,
    maxAge: 0
  })
}
