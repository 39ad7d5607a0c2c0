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
  /** the number of the entry's answer in journal_answers (migration 012), or null: response_body holds it */
  answer: number | null
  /** that answer's text */
  answer_body: string | null
}

/** The answer last stored for one tracking id of one account, and its number. */
interface Written { body: string, answer: number }

// an entry refers only to one of the last SHARE_ANSWERS answers (a long-polled answer is stored again now
// and then). So the entries after any cut refer to no answer older than the first of them with an answer,
// minus SHARE_ANSWERS: pruning deletes that prefix of the answers and copies nothing (#pruneUpTo)
const SHARE_ANSWERS = 10_000

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
  #insertAnswer: Statement<[number, string]>
  #firstAnswerAfter: Statement<[number], { answer: number }>
  #deleteAnswersBelow: Statement<[number]>
  #deleteOrphanAnswers: Statement
  #maxId: Statement<[], { id: number | null }>
  #firstSince: Statement<[number], { id: number }>
  readonly #db: DB
  // the last answer stored per account and tracking id (committed rows only), at most #remember
  readonly #written = new Map<string, Written>()
  readonly #remember: number
  // answers below this number may have been pruned: no entry may refer to them any more
  #answerFloor = 0
  // the highest answer number given (or found at start); a batch rolled back leaves a gap
  #lastAnswer: number

  /** `remember`: tracking ids whose last answer is kept in memory to be shared (SANDBOX_TRACKING_CACHE); 0 shares nothing */
  constructor (db: DB, remember = 0) {
    this.#db = db
    this.#remember = remember
    this.#insert = db.prepare(`INSERT INTO requests (account_id, at, real_at, method, path, status, duration_ms, request_headers,
      request_body, response_body, tracking_id, error_code, fault, answer)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.#list = db.prepare(`SELECT *, CASE WHEN answer IS NULL THEN NULL ELSE
      (SELECT a.body FROM journal_answers a WHERE a.id = requests.answer) END AS answer_body
      FROM requests WHERE ${WHERE} ORDER BY id DESC LIMIT @limit`)
    this.#count = db.prepare(`SELECT count(*) AS n FROM requests WHERE ${WHERE}`)
    this.#clear = db.prepare('DELETE FROM requests WHERE account_id = ?')
    // both prunings drop a prefix of the ids: rows are written in the order they happen (no index on
    // real_at to keep up), and the newest `keep` are at most those above max(id) - keep (fewer where rows
    // were cleared in between; an O(log n) bound: the OFFSET it replaces walked every kept row, 6.6% of
    // a send's CPU at 100k rows: issue 15)
    this.#deleteUpTo = db.prepare('DELETE FROM requests WHERE id <= ?')
    // numbered here, never reusing a number in the life of the process (SQLite's rowid would start again
    // at 1 once every answer went): pruning relies on the numbers growing as answers are stored
    this.#insertAnswer = db.prepare('INSERT INTO journal_answers (id, body) VALUES (?, ?)')
    this.#firstAnswerAfter = db.prepare('SELECT answer FROM requests WHERE id > ? AND answer IS NOT NULL ORDER BY id LIMIT 1')
    this.#deleteAnswersBelow = db.prepare('DELETE FROM journal_answers WHERE id < ?')
    // after a clear (rare): the answers no entry refers to any more
    this.#deleteOrphanAnswers = db.prepare('DELETE FROM journal_answers WHERE id NOT IN (SELECT answer FROM requests WHERE answer IS NOT NULL)')
    this.#maxId = db.prepare('SELECT max(id) AS id FROM requests')
    this.#firstSince = db.prepare('SELECT id FROM requests WHERE real_at >= ? ORDER BY id LIMIT 1')
    this.#lastAnswer = (db.prepare('SELECT max(id) AS id FROM journal_answers').get() as { id: number | null }).id ?? 0
    this.#insertAll = db.transaction((entries: JournalEntry[], written: Map<string, Written>) => {
      for (const e of entries) {
        // an answer with a tracking id goes to journal_answers, stored once while it does not change
        const key = e.trackingId === null || e.responseBody === null ? undefined : `${e.accountId}\n${e.trackingId}`
        let answer: number | null = null
        if (key !== undefined) {
          const earlier = written.get(key) ?? this.#written.get(key)
          if (earlier !== undefined && earlier.body === e.responseBody && earlier.answer >= this.#answerFloor && this.#lastAnswer - earlier.answer < SHARE_ANSWERS) {
            answer = earlier.answer
          } else {
            answer = ++this.#lastAnswer
            this.#insertAnswer.run(answer, e.responseBody!)
            if (this.#remember > 0) written.set(key, { body: e.responseBody!, answer })
          }
        }
        // positional parameters: binding by name cost ~1.4 µs a row more (issue 15)
        this.#insert.run(e.accountId, e.at, e.realAt, e.method, e.path, e.status, e.durationMs, JSON.stringify(e.requestHeaders),
          e.requestBody, answer === null ? e.responseBody : null, e.trackingId, e.errorCode, e.fault === null ? null : JSON.stringify(e.fault), answer)
      }
    })
  }

  /**
   * Writes a batch in one transaction, in the order given. An answer equal to the last one written in
   * for the same tracking id (and account), one of the last SHARE_ANSWERS answers, is not stored again:
   * the entry refers to it, so polling a flow that does not change writes ~300 bytes a request, not ~2 KB.
   */
  insertMany (entries: JournalEntry[]): void {
    if (entries.length === 0) return
    const written = new Map<string, Written>()
    this.#insertAll(entries, written)
    // remembered once committed: a batch rolled back leaves no answer to refer to
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
    // answers are shared within an account only, whose entries all go: its answers and what is remembered of them go too
    for (const key of this.#written.keys()) if (key.startsWith(`${accountId}\n`)) this.#written.delete(key)
    return this.#db.transaction(() => {
      const deleted = this.#clear.run(accountId).changes
      this.#deleteOrphanAnswers.run()
      return deleted
    })()
  }

  /** Drops entries recorded before `before` (wall clock): returns how many went. */
  pruneOlderThan (before: number): number {
    return this.#pruneUpTo((this.#firstSince.get(before)?.id ?? (this.#maxId.get()?.id ?? 0) + 1) - 1)
  }

  /** Keeps the newest `keep` entries of the whole sandbox. */
  pruneBeyond (keep: number): number {
    return this.#pruneUpTo((this.#maxId.get()?.id ?? 0) - keep)
  }

  /**
   * Drops the rows up to `cut`, and the answers no row after it can refer to: those older than the first
   * kept row's answer by more than SHARE_ANSWERS (see SHARE_ANSWERS), or all of them when no kept row has one.
   */
  #pruneUpTo (cut: number): number {
    if (cut <= 0) return 0
    return this.#db.transaction(() => {
      const deleted = this.#deleteUpTo.run(cut).changes
      const first = this.#firstAnswerAfter.get(cut)?.answer
      const floor = first === undefined ? this.#lastAnswer + 1 : first - SHARE_ANSWERS
      if (floor > this.#answerFloor) {
        this.#deleteAnswersBelow.run(floor)
        this.#answerFloor = floor
      }
      return deleted
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
    responseBody: r.answer === null ? r.response_body : r.answer_body,
    trackingId: r.tracking_id,
    errorCode: r.error_code,
    fault: r.fault === null ? null : JSON.parse(r.fault)
  }
}
