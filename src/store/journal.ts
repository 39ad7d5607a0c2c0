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
  response_same_as: number | null
  /** the answer when it is shared with an earlier row (response_same_as) */
  shared_body: string | null
}

/** The answer last written in full for one tracking id of one account: the row that holds it. */
interface Written { body: string, id: number }

// an answer is shared only with a row at most this many rows older: a row pruned has at most this many
// rows after it to copy its answer into (#keepShared), and a long-polled answer is written again now and then
const SHARE_WINDOW = 10_000

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
  #deleteUpTo: Statement<[number]>
  #insertAll: (entries: JournalEntry[], written: Map<string, Written>) => void
  #keepShared: Statement<[{ cut: number }]>
  #maxId: Statement<[], { id: number | null }>
  #firstSince: Statement<[number], { id: number }>
  readonly #db: DB
  // the last answer written in full per account and tracking id (committed rows only), at most #remember
  readonly #written = new Map<string, Written>()
  readonly #remember: number
  // rows up to this id may have been pruned: nothing refers to them any more
  #floor = 0
  // the highest id written (or found at start): the next row's id is at most one more
  #lastId: number

  /** `remember`: tracking ids whose last answer is kept in memory to be shared (SANDBOX_TRACKING_CACHE); 0 shares nothing */
  constructor (db: DB, remember = 0) {
    this.#db = db
    this.#remember = remember
    this.#insert = db.prepare(`INSERT INTO requests (account_id, at, real_at, method, path, status, duration_ms, request_headers,
      request_body, response_body, tracking_id, error_code, fault, response_same_as)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.#list = db.prepare(`SELECT *, CASE WHEN response_same_as IS NULL THEN NULL ELSE
      (SELECT s.response_body FROM requests s WHERE s.id = requests.response_same_as) END AS shared_body
      FROM requests WHERE ${WHERE} ORDER BY id DESC LIMIT @limit`)
    this.#count = db.prepare(`SELECT count(*) AS n FROM requests WHERE ${WHERE}`)
    this.#clear = db.prepare('DELETE FROM requests WHERE account_id = ?')
    // both prunings drop a prefix of the ids: rows are written in the order they happen (no index on
    // real_at to keep up), and the newest `keep` are at most those above max(id) - keep (fewer where rows
    // were cleared in between; an O(log n) bound: the OFFSET it replaces walked every kept row, 6.6% of
    // a send's CPU at 100k rows: issue 15)
    this.#deleteUpTo = db.prepare('DELETE FROM requests WHERE id <= ?')
    this.#keepShared = db.prepare(`UPDATE requests SET response_body = (SELECT s.response_body FROM requests s WHERE s.id = requests.response_same_as),
      response_same_as = NULL WHERE response_same_as <= @cut AND +id > @cut`)
    // (through requests_shared, migration 011: only the rows that refer back past the cut; the unary +
    // keeps SQLite from walking every row after the cut by id instead)
    this.#maxId = db.prepare('SELECT max(id) AS id FROM requests')
    this.#firstSince = db.prepare('SELECT id FROM requests WHERE real_at >= ? ORDER BY id LIMIT 1')
    this.#lastId = this.#maxId.get()?.id ?? 0
    this.#insertAll = db.transaction((entries: JournalEntry[], written: Map<string, Written>) => {
      for (const e of entries) {
        const key = e.trackingId === null || e.responseBody === null ? undefined : `${e.accountId}\n${e.trackingId}`
        const earlier = key === undefined ? undefined : written.get(key) ?? this.#written.get(key)
        // the id this row will get is at most the last one written plus one (fewer when the newest rows were cleared)
        const shared = earlier !== undefined && earlier.body === e.responseBody && earlier.id > this.#floor && this.#lastId + 1 - earlier.id < SHARE_WINDOW
        // positional parameters: binding by name cost ~1.4 µs a row more (issue 15)
        const id = Number(this.#insert.run(e.accountId, e.at, e.realAt, e.method, e.path, e.status, e.durationMs, JSON.stringify(e.requestHeaders),
          e.requestBody, shared ? null : e.responseBody, e.trackingId, e.errorCode, e.fault === null ? null : JSON.stringify(e.fault),
          shared ? earlier.id : null).lastInsertRowid)
        this.#lastId = Math.max(this.#lastId, id)
        if (!shared && key !== undefined && this.#remember > 0) written.set(key, { body: e.responseBody!, id })
      }
    })
  }

  /**
   * Writes a batch in one transaction, in the order given. An answer equal to the last one written in
   * full for the same tracking id (and account), at most SHARE_WINDOW rows back, is stored as a
   * reference to that row: polling a flow that does not change writes ~300 bytes a request, not ~2 KB.
   */
  insertMany (entries: JournalEntry[]): void {
    if (entries.length === 0) return
    const written = new Map<string, Written>()
    this.#insertAll(entries, written)
    // remembered once committed: a batch rolled back leaves no row to refer to
    for (const [key, w] of written) {
      this.#written.delete(key)
      this.#written.set(key, w)
    }
    while (this.#written.size > this.#remember) this.#written.delete(this.#written.keys().next().value!)
  }

  list (accountId: string, filter: JournalFilter = {}): StoredJournalEntry[] {
    return this.#list.all(params(accountId, filter)).map(toEntry)
  }

  count (accountId: string, filter: JournalFilter = {}): number {
    return this.#count.get(params(accountId, filter))!.n
  }

  clear (accountId: string): number {
    // references stay within an account, whose rows all go: what is remembered of them goes too
    for (const key of this.#written.keys()) if (key.startsWith(`${accountId}\n`)) this.#written.delete(key)
    return this.#clear.run(accountId).changes
  }

  /** Drops entries recorded before `before` (wall clock): returns how many went. */
  pruneOlderThan (before: number): number {
    return this.#pruneUpTo((this.#firstSince.get(before)?.id ?? (this.#maxId.get()?.id ?? 0) + 1) - 1)
  }

  /** Keeps the newest `keep` entries of the whole sandbox. */
  pruneBeyond (keep: number): number {
    return this.#pruneUpTo((this.#maxId.get()?.id ?? 0) - keep)
  }

  /** Drops the rows up to `cut`; the rows after it that share their answers get their own copies first. */
  #pruneUpTo (cut: number): number {
    if (cut <= 0) return 0
    return this.#db.transaction(() => {
      this.#keepShared.run({ cut })
      this.#floor = Math.max(this.#floor, cut)
      return this.#deleteUpTo.run(cut).changes
    })()
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
    responseBody: r.response_same_as === null ? r.response_body : r.shared_body,
    trackingId: r.tracking_id,
    errorCode: r.error_code,
    fault: r.fault === null ? null : JSON.parse(r.fault)
  }
}
