import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'
import type { FlowKind, FlowRequest } from '../schemas/failover.js'
import type { Channel as ChannelName, FlowStatus } from '../vocabulary.js'
import { Lru } from '../lru.js'
import { STATUSES } from '../engine/statuses.js'
import { pack, unpack } from './packed-json.js'

export type { ChannelName, FlowStatus }

export interface Flow {
  id: string
  accountId: string
  applicationId: string
  kind: FlowKind
  status: FlowStatus
  statusCode: string | null
  terminationChannel: ChannelName | null
  /** micro-units */
  totalPrice: number
  /** index in request.flow of the step running now, -1 before the first */
  request: FlowRequest
  /** per channel, from the X-Sandbox-Outcome header */
  outcomes: Record<string, string>
  warnings: string[]
  createdAt: number
  updatedAt: number
  createdReal: number
}

export interface Message {
  id: string
  flowId: string
  accountId: string
  stepIdx: number
  channel: ChannelName
  to: string
  status: string
  detailedStatus: string
  description: string
  statusAt: number
  final: boolean
  /** micro-units */
  price: number
  outcome: Record<string, unknown>
  data: Record<string, any>
  cleared: boolean
  createdAt: number
}

export interface HistoryEntry { status: string, detailedStatus: string, note: string | null, at: number }

export type SearchField = 'type' | 'to' | 'status' | 'terminationChannel' | 'flowKind'
export type SearchOperator = 'is' | 'is_not' | 'contains' | 'starts_with' | 'ends_with'
export interface SearchFilter { field: SearchField, op: SearchOperator, term: string }
export interface SearchQuery { filters: SearchFilter[], dateStart?: number, dateEnd?: number, page: number, size: number }

export interface MessageQuery { to?: string, channel?: string, trackingId?: string, status?: string, limit: number }

interface FlowRow {
  id: string,
  account_id: string,
  application_id: string,
  kind: FlowKind,
  status: FlowStatus,
  status_code: string | null
  termination_channel: ChannelName | null,
  total_price: number,
  /** joined from flow_requests (migration 007) where a query asks for it */
  request?: string,
  outcomes: string
  warnings: string,
  created_at: number,
  updated_at: number,
  created_real: number
}

interface MessageRow {
  id: string,
  flow_id: string,
  account_id: string,
  step_idx: number,
  channel: ChannelName,
  to_number: string,
  status: string
  detailed_status: string,
  status_at: number,
  final: number,
  price: number,
  outcome: string
  data: string,
  cleared: number,
  created_at: number
}

const toFlow = (r: FlowRow, request?: FlowRequest): Flow => ({
  id: r.id,
  accountId: r.account_id,
  applicationId: r.application_id,
  kind: r.kind,
  status: r.status,
  statusCode: r.status_code,
  terminationChannel: r.termination_channel,
  totalPrice: r.total_price,
  request: request ?? JSON.parse(unpack(r.request!)),
  outcomes: JSON.parse(r.outcomes),
  warnings: JSON.parse(r.warnings),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  createdReal: r.created_real
})

const toMessage = (r: MessageRow): Message => ({
  id: r.id,
  flowId: r.flow_id,
  accountId: r.account_id,
  stepIdx: r.step_idx,
  channel: r.channel,
  to: r.to_number,
  status: r.status,
  detailedStatus: r.detailed_status,
  // not stored (migration 010): the words of the status
  description: STATUSES[r.channel][r.status]?.description ?? '',
  statusAt: r.status_at,
  final: r.final === 1,
  price: r.price,
  outcome: JSON.parse(unpack(r.outcome)),
  data: JSON.parse(unpack(r.data)),
  cleared: r.cleared === 1,
  createdAt: r.created_at
})

const LIKE_ESCAPE = (s: string): string => s.replace(/[\\%_]/g, (c) => '\\' + c)

// terms match case-insensitively (§4): they are turned into the stored spelling first, so SQL compares exactly and indexes apply
const STORED_SPELLING: Partial<Record<SearchField, string[]>> = {
  status: ['Queued', 'InProgress', 'Succeeded', 'Failed'],
  flowKind: ['standard', 'transactional'],
  terminationChannel: ['Sms', 'Viber', 'Voice'],
  type: ['Sms', 'Viber', 'Voice']
}

/** SQL for one search filter (provider-api.md §4). */
function filterSql (filter: SearchFilter): { sql: string, param: string } {
  const lower = filter.term.toLowerCase()
  const f = { ...filter, term: STORED_SPELLING[filter.field]?.find((v) => v.toLowerCase() === lower) ?? filter.term }
  const not = f.op === 'is_not'
  switch (f.field) {
    case 'status': return { sql: `f.status ${not ? '<>' : '='} ?`, param: f.term }
    case 'flowKind': return { sql: `f.kind ${not ? '<>' : '='} ?`, param: f.term }
    case 'terminationChannel':
      return { sql: `coalesce(f.termination_channel, '') ${not ? '<>' : '='} ?`, param: f.term }
    case 'type':
      return { sql: `${not ? 'NOT ' : ''}EXISTS (SELECT 1 FROM flow_steps s WHERE s.fid = f.fid AND s.type = ?)`, param: f.term }
    case 'to': {
      if (f.op === 'is' || f.op === 'is_not') {
        return { sql: `f.fid ${not ? 'NOT ' : ''}IN (SELECT s.fid FROM flow_steps s WHERE s.to_number = ?)`, param: f.term }
      }
      // SQLite's LIKE reads its pattern up to a NUL, so "\u0000" would match every number; a stored
      // number (E.164 digits) never holds one: such a term matches nothing (the bound term is never NULL)
      if (f.term.includes('\u0000')) return { sql: '? IS NULL', param: f.term }
      const term = LIKE_ESCAPE(f.term)
      const pattern = f.op === 'contains' ? `%${term}%` : f.op === 'starts_with' ? `${term}%` : `%${term}`
      return { sql: "EXISTS (SELECT 1 FROM flow_steps s WHERE s.fid = f.fid AND s.to_number LIKE ? ESCAPE '\\')", param: pattern }
    }
  }
}

/** Parsed requests kept at most, whatever SANDBOX_TRACKING_CACHE allows */
export const REQUEST_CACHE_MAX = 1000

// a page of flows, each with its request (flow_requests, migration 007)
const PAGE_SELECT = 'SELECT f.*, r.request FROM flows f JOIN flow_requests r ON r.fid = f.fid'
// a message row with its flow's id (the tables under a flow refer to it by its integer key: migration 010)
const MESSAGE_SELECT = 'SELECT m.*, f.id AS flow_id FROM messages m JOIN flows f ON f.fid = m.fid'

function searchWhere (accountId: string, q: SearchQuery): { clause: string, params: Array<string | number> } {
  // `to is <number>` selects a handful of flows through flow_steps_to: the unary + keeps SQLite from
  // walking all the account's flows by flows_account_created instead (issue 15: 81 ms → under 1 ms at 100k)
  const byNumber = q.filters.some((f) => f.field === 'to' && f.op === 'is')
  const where = [byNumber ? '+f.account_id = ?' : 'f.account_id = ?']
  const params: Array<string | number> = [accountId]
  if (q.dateStart !== undefined) { where.push('f.created_at >= ?'); params.push(q.dateStart) }
  if (q.dateEnd !== undefined) { where.push('f.created_at <= ?'); params.push(q.dateEnd) }
  for (const f of q.filters) {
    const { sql, param } = filterSql(f)
    where.push(sql)
    params.push(param)
  }
  return { clause: where.join(' AND '), params }
}

export class FlowStore {
  #db: DB
  #insertFlow: Statement
  #insertRequest: Statement<[number, string]>
  #insertStep: Statement
  #flow: Statement<[string], FlowRow>
  #flowWithRequest: Statement<[string], FlowRow & { request: string }>
  #updateFlow: Statement
  #insertMessage: Statement
  #message: Statement<[string], MessageRow>
  #messagesOf: Statement<[string], MessageRow>
  #updateMessage: Statement
  #addHistory: Statement
  #history: Statement<[string], { status: string, detailed_status: string, note: string | null, at: number }>
  #clearMessages: Statement<[string]>
  #deleteFlows: Statement<[string]>
  #countPending: Statement<[string], { n: number }>
  #cached = new Map<string, Statement>()
  /**
   * Each flow's tracking record as sent (the JSON text), by flow id (issue 15, "cached reads"). Every
   * write below that changes what the record shows forgets it, in the same call: a flow's row, its
   * messages, an account's flows; Store forgets them all when an account is deleted.
   */
  readonly records: Lru<string, { accountId: string, json: string }>
  /**
   * Each flow's request as parsed, by flow id: written once and never changed, it is read with the flow
   * by every event the flow runs (SANDBOX_TRACKING_CACHE, at most REQUEST_CACHE_MAX). Never mutated.
   */
  readonly requests: Lru<string, FlowRequest>

  constructor (db: DB, recordCache = 0) {
    this.#db = db
    this.records = new Lru(recordCache)
    // a flow's events come close together while it runs: a small window is enough (and each parsed
    // request weighs a few KB, so the bound stays far below the records')
    this.requests = new Lru(Math.min(recordCache, REQUEST_CACHE_MAX))
    this.#insertFlow = db.prepare(`INSERT INTO flows (id, account_id, application_id, kind, status, outcomes, warnings,
      created_at, updated_at, created_real) VALUES (@id, @accountId, @applicationId, @kind, @status, @outcomes, @warnings,
      @createdAt, @updatedAt, @createdReal)`)
    // migration 007: the request is written once, beside the flow row that every change rewrites
    this.#insertRequest = db.prepare('INSERT INTO flow_requests (fid, request) VALUES (?, ?)')
    this.#insertStep = db.prepare('INSERT INTO flow_steps (fid, idx, type, to_number) VALUES (?, ?, ?, ?)')
    this.#flow = db.prepare('SELECT * FROM flows WHERE id = ?')
    this.#flowWithRequest = db.prepare(`${PAGE_SELECT} WHERE f.id = ?`)
    this.#updateFlow = db.prepare(`UPDATE flows SET status = @status, status_code = @statusCode, termination_channel = @terminationChannel,
      total_price = @totalPrice, updated_at = @updatedAt WHERE id = @id`)
    this.#insertMessage = db.prepare(`INSERT INTO messages (id, fid, account_id, step_idx, channel, to_number, status, detailed_status,
      status_at, final, price, outcome, data, created_at) VALUES (@id, (SELECT fid FROM flows WHERE id = @flowId), @accountId, @stepIdx, @channel, @to, @status,
      @detailedStatus, @statusAt, @final, @price, @outcome, @data, @createdAt)`)
    this.#message = db.prepare(`${MESSAGE_SELECT} WHERE m.id = ?`)
    // §4: messages in the order their steps ran (ascending order, ties in array order), not array order
    this.#messagesOf = db.prepare(`${MESSAGE_SELECT} WHERE f.id = ? ORDER BY m.created_at, m.mid`)
    this.#updateMessage = db.prepare(`UPDATE messages SET status = @status, detailed_status = @detailedStatus,
      status_at = @statusAt, final = @final, price = @price, data = @data WHERE id = @id`)
    this.#addHistory = db.prepare('INSERT INTO message_history (mid, status, detailed_status, note, at) VALUES ((SELECT mid FROM messages WHERE id = ?), ?, ?, ?, ?)')
    this.#history = db.prepare('SELECT h.status, h.detailed_status, h.note, h.at FROM message_history h JOIN messages m ON m.mid = h.mid WHERE m.id = ? ORDER BY h.id')
    this.#clearMessages = db.prepare('UPDATE messages SET cleared = 1 WHERE account_id = ?')
    this.#deleteFlows = db.prepare('DELETE FROM flows WHERE account_id = ?')
    this.#countPending = db.prepare("SELECT count(*) AS n FROM flows WHERE account_id = ? AND status IN ('Queued', 'InProgress')")
  }

  insertFlow (flow: Omit<Flow, 'status' | 'statusCode' | 'terminationChannel' | 'totalPrice'>, steps: Array<{ type: string, to: string }>): void {
    // the rows under the flow refer to it by its integer key (migration 010)
    const fid = Number(this.#insertFlow.run({
      ...flow,
      status: 'Queued',
      outcomes: JSON.stringify(flow.outcomes),
      warnings: JSON.stringify(flow.warnings)
    }).lastInsertRowid)
    this.#insertRequest.run(fid, pack(JSON.stringify(flow.request)))
    this.requests.set(flow.id, flow.request)
    steps.forEach((s, i) => this.#insertStep.run(fid, i, s.type, s.to))
  }

  flow (id: string): Flow | undefined {
    const cached = this.requests.get(id)
    if (cached !== undefined) {
      const row = this.#flow.get(id)
      return row && toFlow(row, cached)
    }
    // one statement for the row and its request (an advance reads each flow's request once: issue 15)
    const row = this.#flowWithRequest.get(id)
    if (row === undefined) return undefined
    const request = JSON.parse(unpack(row.request)) as FlowRequest
    this.requests.set(id, request)
    return toFlow(row, request)
  }

  updateFlow (flow: Flow): void {
    this.records.delete(flow.id)
    this.#updateFlow.run(flow)
  }

  insertMessage (m: Message): void {
    this.records.delete(m.flowId)
    this.#insertMessage.run({ ...m, final: m.final ? 1 : 0, outcome: pack(JSON.stringify(m.outcome)), data: pack(JSON.stringify(m.data)) })
  }

  message (id: string): Message | undefined {
    const row = this.#message.get(id)
    return row && toMessage(row)
  }

  messagesOf (flowId: string): Message[] {
    return this.#messagesOf.all(flowId).map(toMessage)
  }

  updateMessage (m: Message): void {
    this.records.delete(m.flowId)
    // packed when written first (what a pending flow keeps), plain from its first change on: packing costs a
    // few µs a write, and every event of an advance rewrites a message (unpack reads both the same)
    this.#updateMessage.run({ ...m, final: m.final ? 1 : 0, data: JSON.stringify(m.data) })
  }

  addHistory (messageId: string, entry: HistoryEntry): void {
    this.#addHistory.run(messageId, entry.status, entry.detailedStatus, entry.note, entry.at)
  }

  history (messageId: string): HistoryEntry[] {
    return this.#history.all(messageId).map((r) => ({ status: r.status, detailedStatus: r.detailed_status, note: r.note, at: r.at }))
  }

  clearMessages (accountId: string): void {
    this.#clearMessages.run(accountId)
  }

  deleteFlowsOf (accountId: string): void {
    this.records.clear()
    this.requests.clear()
    this.#deleteFlows.run(accountId)
  }

  pendingFlows (accountId: string): number {
    return this.#countPending.get(accountId)!.n
  }

  #statement (sql: string): Statement {
    let st = this.#cached.get(sql)
    if (!st) {
      st = this.#db.prepare(sql)
      this.#cached.set(sql, st)
    }
    return st
  }

  /** One page of an account's flows, newest first, and how many match in all. */
  search (accountId: string, q: SearchQuery): { flows: Flow[], total: number } {
    const { clause, params } = searchWhere(accountId, q)
    const total = (this.#statement(`SELECT count(*) AS n FROM flows f WHERE ${clause}`).get(...params) as { n: number }).n
    const rows = this.#statement(`${PAGE_SELECT} WHERE ${clause} ORDER BY f.created_at DESC, f.rowid DESC LIMIT ? OFFSET ?`)
      .all(...params, q.size, q.page * q.size) as FlowRow[]
    return { flows: rows.map((r) => toFlow(r, this.requests.get(r.id))), total }
  }

  /** SQLite's plan for a search's page (EXPLAIN QUERY PLAN), one line per step: what the tests check indexes with. */
  searchPlan (accountId: string, q: SearchQuery): string[] {
    const { clause, params } = searchWhere(accountId, q)
    const plan = this.#db.prepare(`EXPLAIN QUERY PLAN ${PAGE_SELECT} WHERE ${clause} ORDER BY f.created_at DESC, f.rowid DESC LIMIT ? OFFSET ?`)
      .all(...params, q.size, q.page * q.size) as Array<{ detail: string }>
    return plan.map((row) => row.detail)
  }

  /** What the sandbox "sent" for an account, newest first (sandbox.md "Seeing what happened"). */
  messages (accountId: string, q: MessageQuery): Message[] {
    const where = ['m.account_id = ?', 'm.cleared = 0']
    const params: Array<string | number> = [accountId]
    if (q.to !== undefined) { where.push('m.to_number = ?'); params.push(q.to) }
    if (q.channel !== undefined) { where.push('m.channel = ? COLLATE NOCASE'); params.push(q.channel) }
    if (q.trackingId !== undefined) { where.push('f.id = ?'); params.push(q.trackingId) }
    if (q.status !== undefined) { where.push('m.status = ? COLLATE NOCASE'); params.push(q.status) }
    const rows = this.#statement(`${MESSAGE_SELECT} WHERE ${where.join(' AND ')} ORDER BY m.created_at DESC, m.mid DESC LIMIT ?`)
      .all(...params, q.limit) as MessageRow[]
    return rows.map(toMessage)
  }
}
