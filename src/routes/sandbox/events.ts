import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type TSchema } from 'typebox'
import { iso, messageRecord } from '../../engine/tracking.js'
import { ApiError, ERRORS } from '../../errors.js'
import { errorResponses } from '../../schemas/common.js'
import { CONTROL, controlAccount } from './context.js'

// keeps proxies and browsers from closing an idle stream
const HEARTBEAT_MS = 15_000

/**
 * GET /_sandbox/events: server-sent events, live — `status` for every message status change,
 * `flow` when a flow completes, `callback` for every callback attempt. One account's events only
 * (sandbox.md "Accounts are namespaces"): `?accountId=` (EventSource cannot send headers), else
 * X-Sandbox-Account, else the bearer token's account, else `sandbox`. A client that falls more than
 * SANDBOX_EVENTS_BUFFER_BYTES behind (it stopped reading) is dropped, so it cannot grow the server's memory.
 */
export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // open streams never go idle: they are ended before the server closes, or close() would wait on them
  const open = new Set<() => void>()
  app.addHook('preClose', async () => { for (const end of open) end() })

  app.get('/events', {
    schema: {
      ...CONTROL,
      summary: 'Live status changes and callback attempts (text/event-stream)',
      querystring: Type.Object({ accountId: Type.Optional(Type.String({ description: 'the account (EventSource cannot send X-Sandbox-Account)' })) }),
      response: {
        200: {
          description: 'A text/event-stream: `status`, `flow` and `callback` events of one account, a `: ping` comment every 15 s',
          content: { 'text/event-stream': { schema: Type.String() } }
        } as unknown as TSchema,
        ...errorResponses(404)
      }
    }
  }, async (request, reply) => {
    const named = request.query.accountId?.trim()
    let only: string
    if (named !== undefined && named !== '') {
      if (!app.store.accounts.get(named)) throw new ApiError(ERRORS.ACCOUNT_NOT_FOUND, `Account ${named} not found: create one with POST /_sandbox/accounts.`)
      only = named
    } else only = controlAccount(app, request)
    const limit = app.config.SANDBOX_EVENTS_BUFFER_BYTES
    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    raw.write(': failover-sandbox events\n\n')
    let dropped = false
    // backpressure: what the socket has not taken yet stays in writableLength; past the bound the client is dropped
    const send = (text: string): void => {
      if (dropped || raw.destroyed) return
      raw.write(text)
      if (raw.writableLength > limit) {
        dropped = true
        request.log.warn({ accountId: only, buffered: raw.writableLength, limit }, 'live-stream client fell behind: dropped')
        stop()
        raw.destroy()
      }
    }
    const write = (event: string, data: unknown): void => { send(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) }
    const engine = app.engine
    const onMessage = (e: Parameters<typeof engine.events.emit<'message'>>[1]): void => {
      if (e.flow.accountId !== only) return
      write('status', { accountId: e.flow.accountId, trackingId: e.flow.id, flowKind: e.flow.kind, flowStatus: e.flow.status, at: iso(e.at), message: messageRecord(e.flow, e.message) })
    }
    const onCompleted = (e: Parameters<typeof engine.events.emit<'completed'>>[1]): void => {
      if (e.flow.accountId !== only) return
      write('flow', { accountId: e.flow.accountId, trackingId: e.flow.id, flowKind: e.flow.kind, status: e.flow.status, statusCode: e.flow.statusCode, terminationChannel: e.flow.terminationChannel, at: iso(e.at) })
    }
    const onCallback = (e: Parameters<typeof engine.events.emit<'callback'>>[1]): void => {
      if (e.accountId !== only) return
      write('callback', { ...e, at: iso(e.at), trackingId: e.flowId, nextAttemptAt: e.nextAttemptAt === null ? null : iso(e.nextAttemptAt) })
    }
    engine.events.on('message', onMessage)
    engine.events.on('completed', onCompleted)
    engine.events.on('callback', onCallback)
    const heartbeat = setInterval(() => send(': ping\n\n'), HEARTBEAT_MS)
    const stop = (): void => {
      clearInterval(heartbeat)
      engine.events.off('message', onMessage)
      engine.events.off('completed', onCompleted)
      engine.events.off('callback', onCallback)
    }
    const end = (): void => { stop(); raw.end() }
    open.add(end)
    raw.on('close', () => { stop(); open.delete(end) })
  })
}
