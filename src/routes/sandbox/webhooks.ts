import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { truncate } from '../../journal.js'
import { errorResponses } from '../../schemas/common.js'
import { WebhookArrivalsSchema, WebhookNameSchema } from '../../schemas/levers.js'
import { CONTROL, jsonOf } from './context.js'

// pruning runs after this many arrivals, or this long after the last run (wall clock)
const PRUNE_EVERY_ROWS = 1000
const PRUNE_EVERY_MS = 60_000

/**
 * sandbox.md "A receiver inside the sandbox": POST /_sandbox/webhooks/{name} takes anything and answers
 * 200 once the arrival is stored. Inboxes are one namespace for the whole sandbox (a callback carries no
 * account). This plugin reads every body as bytes: no content type is refused, no JSON is parsed.
 */
export const webhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const max = app.config.SANDBOX_INBOX_MAX_BODY_BYTES
  const time = app.engine.time
  let sincePrune = 0
  let lastPrune = time.now()
  const prune = (): void => {
    sincePrune = 0
    lastPrune = time.now()
    app.store.inbox.pruneOlderThan(lastPrune - app.config.SANDBOX_INBOX_RETENTION_HOURS * 3_600_000)
    app.store.inbox.pruneBeyond(app.config.SANDBOX_INBOX_MAX_ROWS)
  }

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  app.post('/webhooks/:name', {
    schema: {
      ...CONTROL,
      summary: 'The receiver: stores whatever arrives (callbacks, inbound replies) and answers 200',
      description: 'Any content type, any body up to 1 MB. Needs no admin token and accepts the sandbox\'s own callbacks.',
      // callbacks arrive without the admin token (sandbox.md "Guarding the control plane")
      security: [],
      params: WebhookNameSchema,
      response: { 200: Type.Object({ received: Type.Integer({ description: "the arrival's id" }) }), ...errorResponses(400, 413) }
    }
  }, async (request) => {
    const raw = request.body
    const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : raw === undefined || raw === null ? '' : String(raw)
    const size = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(text)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
    const contentType = request.headers['content-type'] ?? null
    const id = app.store.inbox.insert({
      name: request.params.name, at: time.now(), method: request.method, headers, contentType, body: truncate(text, max), size, truncated: size > max
    })
    if (++sincePrune >= PRUNE_EVERY_ROWS || time.now() - lastPrune >= PRUNE_EVERY_MS) prune()
    return { received: id }
  })

  app.get('/webhooks/:name', {
    schema: {
      ...CONTROL,
      summary: 'What arrived at the receiver, oldest first, with headers and body',
      params: WebhookNameSchema,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 1000 })) }),
      response: { 200: WebhookArrivalsSchema, ...errorResponses(400) }
    }
  }, async (request) => app.store.inbox.list(request.params.name, request.query.limit ?? 1000).map((item) => {
    return {
      id: item.id,
      at: new Date(item.at).toISOString(),
      method: item.method,
      headers: item.headers,
      contentType: item.contentType,
      body: item.body,
      ...(!item.truncated && /json/i.test(item.contentType ?? '') ? jsonOf(item.body) : {}),
      size: item.size,
      truncated: item.truncated
    }
  }))

  app.delete('/webhooks/:name', {
    schema: { ...CONTROL, summary: 'Clear one inbox', params: WebhookNameSchema, response: { 200: Type.Object({ deleted: Type.Integer() }), ...errorResponses(400) } }
  }, async (request) => ({ deleted: app.store.inbox.clear(request.params.name) }))
}
