import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'

/** One request to the emulated API as the journal keeps it (secrets already redacted). */
export interface JournalEntry {
  accountId: string
  /** sandbox time of the account, epoch ms */
  at: number
  /** wall clock, epoch ms */
  realAt: number
  method: string
  path: string
  /** null: no answer was sent (a dropped or hung connection) */
  status: number | null
  durationMs: number
  requestHeaders: Record<string, string>
  requestBody: string | null
  responseBody: string | null
  trackingId: string | null
  errorCode: string | null
  fault: Record<string, unknown> | null
}

export interface StoredJournalEntry extends JournalEntry {
  id: number
}

export interface JournalFilter {
  method?: string
  /** exact path, or a prefix when it ends with `*` */
  path?: string
  /** an exact status, a class ({min: 400, max: 499}), or 'none': no answer was sent */
  status?: number | { min: number, max: number } | 'none'
  trackingId?: string
  /** sandbox epoch ms: entries at or after */
  since?: number
  /** a substring of the request body */
  body?: string
  limit?: number
}

interface Row {
  id: number
  account_id: string
  at: number
  real_at: number
  method: string
  path: string
  status: number | null
  duration_ms: number
  request_headers: string
  request_body: string | null
  response_body: string | null
  tracking_id: string | null
  error_code: string | null
  fault: string | null
}

// one WHERE for the list and the count: each filter is off when its parameter is NULL
const WHERE = `account_id = @account AND (@method IS NULL OR method = @method)
  AND (@path IS NULL OR path = @path) AND (@prefix IS NULL OR substr(path, 1, length(@prefix)) = @prefix)
  AND (@status IS NULL OR status BETWEEN @status AND @statusMax) AND (@none IS NULL OR status IS NULL)
  AND (@trackingId IS NULL OR tracking_id = @trackingId) AND (@since IS NULL OR at >= @since)
  AND (@body IS NULL OR instr(request_body, @body) > 0)`

/** The request journal (migration 004): rows are written in batches, in the order the requests finished. */
export class JournalStore {
  #insert: Statement
  #list: Statement<[Record<string, unknown>], Row>
  #count: Statement<[Record<string, unknown>], { n: number }>
  #clear: Statement<[string]>
  #pruneAge: Statement<[number]>
  #pruneCount: Statement<[number]>
  #insertAll: (entries: JournalEntry[]) => void

  constructor (db: DB) {
    this.#insert = db.prepare(`INSERT INTO requests (account_id, at, real_at, method, path, status, duration_ms, request_headers,
      request_body, response_body, tracking_id, error_code, fault)
      VALUES (@accountId, @at, @realAt, @method, @path, @status, @durationMs, @requestHeaders, @requestBody, @responseBody,
      @trackingId, @errorCode, @fault)`)
    this.#list = db.prepare(`SELECT * FROM requests WHERE ${WHERE} ORDER BY id DESC LIMIT @limit`)
    this.#count = db.prepare(`SELECT count(*) AS n FROM requests WHERE ${WHERE}`)
    this.#clear = db.prepare('DELETE FROM requests WHERE account_id = ?')
    // rows are written in the order they happen: the old ones are a prefix of the ids (no index on real_at to keep up)
    this.#pruneAge = db.prepare(`DELETE FROM requests WHERE id < coalesce((SELECT id FROM requests WHERE real_at >= ? ORDER BY id LIMIT 1),
      (SELECT max(id) + 1 FROM requests))`)
    // ids grow by one per row: the newest `keep` are at most those above max(id) - keep (fewer where rows
    // were cleared in between; an O(log n) bound: the
    // OFFSET it replaces walked every kept row, 6.6% of a send's CPU at 100k rows: issue 15)
    this.#pruneCount = db.prepare('DELETE FROM requests WHERE id <= (SELECT max(id) FROM requests) - ?')
    this.#insertAll = db.transaction((entries: JournalEntry[]) => {
      for (const e of entries) {
        this.#insert.run({
          ...e,
          requestHeaders: JSON.stringify(e.requestHeaders),
          fault: e.fault === null ? null : JSON.stringify(e.fault)
        })
      }
    })
  }

  /** Writes a batch in one transaction, in the order given. */
  insertMany (entries: JournalEntry[]): void {
    if (entries.length > 0) this.#insertAll(entries)
  }

  list (accountId: string, filter: JournalFilter = {}): StoredJournalEntry[] {
    return this.#list.all(params(accountId, filter)).map(toEntry)
  }

  count (accountId: string, filter: JournalFilter = {}): number {
    return this.#count.get(params(accountId, filter))!.n
  }

  clear (accountId: string): number {
    return this.#clear.run(accountId).changes
  }

  /** Drops entries recorded before `before` (wall clock): returns how many went. */
  pruneOlderThan (before: number): number {
    return this.#pruneAge.run(before).changes
  }

  /** Keeps the newest `keep` entries of the whole sandbox. */
  pruneBeyond (keep: number): number {
    return this.#pruneCount.run(keep).changes
  }
}

function params (accountId: string, f: JournalFilter): Record<string, unknown> {
  const prefix = f.path?.endsWith('*') === true ? f.path.slice(0, -1) : null
  const status = f.status === undefined || f.status === 'none' ? null : typeof f.status === 'number' ? { min: f.status, max: f.status } : f.status
  return {
    account: accountId,
    method: f.method?.toUpperCase() ?? null,
    path: f.path !== undefined && prefix === null ? f.path : null,
    prefix,
    status: status?.min ?? null,
    statusMax: status?.max ?? null,
    none: f.status === 'none' ? 1 : null,
    trackingId: f.trackingId ?? null,
    since: f.since ?? null,
    body: f.body ?? null,
    limit: f.limit ?? 100
  }
}

function toEntry (r: Row): StoredJournalEntry {
  return {
    id: r.id,
    accountId: r.account_id,
    at: r.at,
    realAt: r.real_at,
    method: r.method,
    path: r.path,
    status: r.status,
    durationMs: r.duration_ms,
    requestHeaders: JSON.parse(r.request_headers),
    requestBody: r.request_body,
    responseBody: r.response_body,
    trackingId: r.tracking_id,
    errorCode: r.error_code,
    fault: r.fault === null ? null : JSON.parse(r.fault)
  }
}
