import { ERRORS, validationError, type Problem } from '../errors.js'
import type { TrackingPage } from '../schemas/tracking.js'
import type { SearchField, SearchFilter, SearchOperator } from '../store/flows.js'
import type { Store } from '../store/index.js'
import { isObject } from '../validation.js'
import { canonical } from './channels.js'
import { trackingRecord } from './tracking.js'

/*
 * POST /failover/tracking without HTTP (provider-api.md §4): the filters a search body names, and
 * the page of tracking records they select.
 */

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

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const DAY_MS = 86_400_000

/** The search's page: newest first, `page` 0-based, dates as ISO-8601 (the query's, already checked by its schema). */
export function searchPage (store: Store, accountId: string, body: unknown, q: { page?: number, size?: number, dateStart?: string, dateEnd?: string }): TrackingPage {
  const filters = parseFilters(body)
  const page = q.page ?? 0
  const size = q.size ?? 10
  const date = (v: string | undefined): number | undefined => (v === undefined ? undefined : Date.parse(v))
  // a date alone is the whole day (UTC): from its first millisecond, to its last (both ends are included)
  const end = (v: string | undefined): number | undefined => (v !== undefined && DATE_ONLY.test(v) ? Date.parse(v) + DAY_MS - 1 : date(v))
  const { flows, total } = store.flows.search(accountId, { filters, page, size, dateStart: date(q.dateStart), dateEnd: end(q.dateEnd) })
  const totalPages = Math.ceil(total / size)
  return {
    content: flows.map((f) => trackingRecord(f, store.flows.messagesOf(f.id))),
    totalPages,
    totalElements: total,
    number: page,
    size,
    numberOfElements: flows.length,
    first: page === 0,
    last: page >= totalPages - 1
  }
}
