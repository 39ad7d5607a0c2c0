import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { requireToken, requireScopes } from '../auth.js'
import { ERRORS, validationError, type Problem } from '../errors.js'
import { canonical } from '../engine/channels.js'
import { trackingRecord } from '../engine/tracking.js'
import { errorResponses } from '../schemas/common.js'
import { SearchBodySchema, SearchQuerySchema } from '../schemas/tracking.js'
import type { SearchField, SearchFilter, SearchOperator } from '../store/flows.js'
import { isObject, requireJsonBody } from '../validation.js'

// provider-api.md §4: searchable fields and the operators each takes
const FIELDS: SearchField[] = ['type', 'to', 'status', 'terminationChannel', 'flowKind']
const OPERATORS: Record<SearchField, SearchOperator[]> = {
  type: ['is', 'is_not'],
  to: ['is', 'is_not', 'contains', 'starts_with', 'ends_with'],
  status: ['is', 'is_not'],
  terminationChannel: ['is', 'is_not'],
  flowKind: ['is', 'is_not']
}
const MAX_FILTERS = 20
const MAX_TERM = 1000

/** The search body as filters, or every problem with it. */
export function parseFilters (body: unknown): SearchFilter[] {
  if (body === undefined || body === null) return []
  const list = Array.isArray(body) ? body : [body]
  const problems: Problem[] = []
  if (!Array.isArray(body) && !isObject(body)) {
    throw validationError([{ path: '', entry: ERRORS.VALIDATION, detail: 'The body must be a filter object or an array of filters.' }])
  }
  if (list.length > MAX_FILTERS) problems.push({ path: '', entry: ERRORS.VALIDATION, detail: `send at most ${MAX_FILTERS} filters.` })
  const filters: SearchFilter[] = []
  list.slice(0, MAX_FILTERS).forEach((raw, i) => {
    const at = Array.isArray(body) ? `[${i}]` : ''
    const p = (name: string): string => (at ? `${at}.${name}` : name)
    if (!isObject(raw)) { problems.push({ path: at, entry: ERRORS.VALIDATION, detail: 'must be an object {fieldName, searchOperator, searchTerm}.' }); return }
    const field = typeof raw.fieldName === 'string' ? canonical(FIELDS, raw.fieldName) as SearchField | undefined : undefined
    if (!field) { problems.push({ path: p('fieldName'), entry: ERRORS.VALIDATION, detail: `must be one of ${FIELDS.join(', ')}.` }); return }
    const opName = raw.searchOperator ?? 'is'
    const op = typeof opName === 'string' ? canonical(OPERATORS[field], opName) as SearchOperator | undefined : undefined
    if (!op) problems.push({ path: p('searchOperator'), entry: ERRORS.VALIDATION, detail: `must be one of ${OPERATORS[field].join(', ')} for ${field}.` })
    if (typeof raw.searchTerm !== 'string' || raw.searchTerm === '') problems.push({ path: p('searchTerm'), entry: ERRORS.FIELD_REQUIRED, detail: 'is required: a non-empty string.' })
    else if (raw.searchTerm.length > MAX_TERM) problems.push({ path: p('searchTerm'), entry: ERRORS.VALIDATION, detail: `must be at most ${MAX_TERM} characters.` })
    if (op && typeof raw.searchTerm === 'string') filters.push({ field, op, term: raw.searchTerm })
  })
  if (problems.length > 0) throw validationError(problems)
  return filters
}

export const trackingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireToken(app.store, () => app.engine.clocks.time.now()))
  app.addHook('preValidation', requireJsonBody)

  app.get('/failover/tracking/:trackingId', {
    schema: {
      tags: ['Provider API'],
      summary: 'Track a flow',
      security: [{ bearer: [] }],
      params: Type.Object({ trackingId: Type.String() }),
      response: { 200: Type.Ref('Tracking'), ...errorResponses(401, 403, 404) }
    }
  }, async (request) => {
    requireScopes(request.principal!, 'failover')
    return app.engine.tracking(request.principal!.accountId, request.params.trackingId)
  })

  app.post('/failover/tracking', {
    schema: {
      tags: ['Provider API'],
      summary: 'Search flows',
      description: 'Filters are ANDed; newest first; page is 0-based (§4).',
      security: [{ bearer: [] }],
      querystring: SearchQuerySchema,
      // optional: a search without filters may send no body, even with Content-Type: application/json
      body: Type.Optional(SearchBodySchema),
      response: { 200: Type.Ref('TrackingPage'), ...errorResponses(400, 401, 403) }
    }
  }, async (request) => {
    requireScopes(request.principal!, 'failover')
    const filters = parseFilters(request.body)
    const q = request.query
    const page = q.page ?? 0
    const size = q.size ?? 10
    const date = (v: string | undefined): number | undefined => (v === undefined ? undefined : Date.parse(v))
    const { flows, total } = app.store.flows.search(request.principal!.accountId, {
      filters, page, size, dateStart: date(q.dateStart), dateEnd: date(q.dateEnd)
    })
    const totalPages = Math.ceil(total / size)
    return {
      content: flows.map((f) => trackingRecord(f, app.store.flows.messagesOf(f.id))),
      totalPages,
      totalElements: total,
      number: page,
      size,
      numberOfElements: flows.length,
      first: page === 0,
      last: page >= totalPages - 1
    }
  })
}
