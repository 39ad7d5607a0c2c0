import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ERRORS, validationError } from '../../errors.js'
import { errorResponses } from '../../schemas/common.js'
import { CountSchema, JournalListSchema, JournalQuerySchema, type JournalEntryView, type JournalQuery } from '../../schemas/levers.js'
import type { JournalFilter, StoredJournalEntry } from '../../store/journal.js'
import { CONTROL, controlAccount, jsonOf } from './context.js'

/** The journal's query as the store takes it; a `since` that is not a time is a 400. */
export function journalFilter (q: JournalQuery): JournalFilter {
  let since: number | undefined
  if (q.since !== undefined) {
    since = /^\d+$/.test(q.since) ? Number(q.since) : Date.parse(q.since)
    if (Number.isNaN(since)) throw validationError([{ path: 'since', entry: ERRORS.VALIDATION, detail: 'must be an ISO-8601 time or epoch milliseconds.' }])
  }
  let status: JournalFilter['status']
  if (q.status === 'none') status = 'none'
  else if (q.status?.endsWith('xx') === true) status = { min: Number(q.status[0]) * 100, max: Number(q.status[0]) * 100 + 99 }
  else if (q.status !== undefined) status = Number(q.status)
  return { method: q.method, path: q.path, status, trackingId: q.trackingId, since, body: q.body, limit: q.limit }
}

export function journalView (e: StoredJournalEntry): JournalEntryView {
  const view: JournalEntryView = {
    id: e.id,
    at: new Date(e.at).toISOString(),
    realAt: new Date(e.realAt).toISOString(),
    method: e.method,
    path: e.path,
    status: e.status,
    durationMs: e.durationMs,
    request: { headers: e.requestHeaders, body: e.requestBody, ...jsonOf(e.requestBody) },
    response: { body: e.responseBody, ...jsonOf(e.responseBody) }
  }
  if (e.trackingId !== null) view.trackingId = e.trackingId
  if (e.errorCode !== null) view.errorCode = e.errorCode
  if (e.fault !== null) view.fault = e.fault as JournalEntryView['fault']
  return view
}

/** sandbox.md "Request journal": what the client actually sent, and what it got. */
export const requestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/requests', {
    schema: {
      ...CONTROL,
      summary: 'The request journal: every request to the emulated API, newest first',
      description: 'Whatever the answer: 2xx, every 4xx, every injected fault. Secrets (Authorization, client secrets, tokens) are redacted.',
      querystring: JournalQuerySchema,
      response: { 200: JournalListSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    app.journal.settle()
    return app.store.journal.list(accountId, journalFilter(request.query)).map(journalView)
  })

  app.get('/requests/count', {
    schema: {
      ...CONTROL,
      summary: 'How many journaled requests match the filters',
      querystring: Type.Omit(JournalQuerySchema, ['limit'], { additionalProperties: false }),
      response: { 200: CountSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    app.journal.settle()
    return { count: app.store.journal.count(accountId, journalFilter(request.query)) }
  })

  app.delete('/requests', {
    schema: { ...CONTROL, summary: "Clear the account's journal", response: { 200: Type.Object({ deleted: Type.Integer() }), ...errorResponses(404) } }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    app.journal.flush()
    return { deleted: app.store.journal.clear(accountId) }
  })
}
