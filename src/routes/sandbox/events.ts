import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { iso, messageRecord } from '../../engine/tracking.js'
import type { App } from '../../app.js'
import { CONTROL } from './context.js'

// keeps proxies and browsers from closing an idle stream
const HEARTBEAT_MS = 15_000

/**
 * GET /_sandbox/events: server-sent events, live — `status` for every message status change,
 * `flow` when a flow completes, `callback` for every callback attempt. `?accountId=` narrows to one account
 * (EventSource cannot send headers).
 */
export const eventRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App
  // open streams never go idle: they are ended before the server closes, or close() would wait on them
  const open = new Set<() => void>()
  app.addHook('preClose', async () => { for (const end of open) end() })

  app.get('/events', {
    schema: {
      ...CONTROL,
      summary: 'Live status changes and callback attempts (text/event-stream)',
      querystring: Type.Object({ accountId: Type.Optional(Type.String()) }),
      produces: ['text/event-stream']
    }
  }, async (request, reply) => {
    const only = request.query.accountId
    reply.hijack()
    const raw = reply.raw
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    raw.write(': failover-sandbox events\n\n')
    const write = (event: string, data: unknown): void => { raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) }
    const engine = app.engine
    const onMessage = (e: Parameters<typeof engine.events.emit<'message'>>[1]): void => {
      if (only !== undefined && e.flow.accountId !== only) return
      write('status', { accountId: e.flow.accountId, trackingId: e.flow.id, flowKind: e.flow.kind, flowStatus: e.flow.status, at: iso(e.at), message: messageRecord(e.flow, e.message) })
    }
    const onCompleted = (e: Parameters<typeof engine.events.emit<'completed'>>[1]): void => {
      if (only !== undefined && e.flow.accountId !== only) return
      write('flow', { accountId: e.flow.accountId, trackingId: e.flow.id, flowKind: e.flow.kind, status: e.flow.status, statusCode: e.flow.statusCode, terminationChannel: e.flow.terminationChannel, at: iso(e.at) })
    }
    const onCallback = (e: Parameters<typeof engine.events.emit<'callback'>>[1]): void => {
      if (only !== undefined && e.accountId !== only) return
      write('callback', { ...e, at: iso(e.at), trackingId: e.flowId, nextAttemptAt: e.nextAttemptAt === null ? null : iso(e.nextAttemptAt) })
    }
    engine.events.on('message', onMessage)
    engine.events.on('completed', onCompleted)
    engine.events.on('callback', onCallback)
    const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS)
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
