import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'
import { CALLBACK_ATTEMPT } from './events.js'

/**
 * waiting: an earlier callback of the same flow has not finished (callbacks of a flow leave in order);
 * pending: an attempt is due (a due_events row), or queued for a concurrency slot once that row is taken;
 * delivering: an attempt is on the wire (it holds a slot);
 * delivered / failed: finished (failed = gave up after the last retry).
 */
export type CallbackState = 'waiting' | 'pending' | 'delivering' | 'delivered' | 'failed'
export type CallbackKind = 'change' | 'completion' | 'inbound'

export interface Callback {
  id: string
  accountId: string
  flowId: string
  seq: number
  kind: CallbackKind
  url: string
  body: string
  state: CallbackState
  attempts: number
  nextAttemptAt: number | null
  createdAt: number
  createdReal: number
  finishedAt: number | null
}

export interface Attempt {
  callbackId: string
  attempt: number
  sandboxAt: number
  realAt: number
  status: number | null
  error: string | null
  latencyMs: number
}

interface CallbackRow {
  id: string,
  account_id: string,
  flow_id: string,
  seq: number,
  kind: CallbackKind,
  url: string,
  body: string,
  state: CallbackState
  attempts: number,
  next_attempt_at: number | null,
  created_at: number,
  created_real: number,
  finished_at: number | null
}
interface AttemptRow { callback_id: string, attempt: number, sandbox_at: number, real_at: number, status: number | null, error: string | null, latency_ms: number }

const toCallback = (r: CallbackRow): Callback => ({
  id: r.id,
  accountId: r.account_id,
  flowId: r.flow_id,
  seq: r.seq,
  kind: r.kind,
  url: r.url,
  body: r.body,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  createdAt: r.created_at,
  createdReal: r.created_real,
  finishedAt: r.finished_at
})

const toAttempt = (r: AttemptRow): Attempt => ({
  callbackId: r.callback_id, attempt: r.attempt, sandboxAt: r.sandbox_at, realAt: r.real_at, status: r.status, error: r.error, latencyMs: r.latency_ms
})

export class CallbackStore {
  #insert: Statement
  #get: Statement<[string], CallbackRow>
  #nextSeq: Statement<[string], { seq: number }>
  #unfinished: Statement<[string], { n: number }>
  #active: Statement<[string], { n: number }>
  #nextWaiting: Statement<[string], CallbackRow>
  #update: Statement
  #ofFlow: Statement<[string], CallbackRow>
  #ofAccount: Statement<[string, number], CallbackRow>
  #delivering: Statement<[], CallbackRow>
  #pendingWithoutEvent: Statement<[], CallbackRow>
  #insertAttempt: Statement
  #attempts: Statement<[string], AttemptRow>
  #pruneAge: Statement<[string, number]>
  #pruneCount: Statement<[number]>

  constructor (db: DB) {
    this.#insert = db.prepare(`INSERT INTO callbacks (id, account_id, flow_id, seq, kind, url, body, state, attempts, next_attempt_at,
      created_at, created_real) VALUES (@id, @accountId, @flowId, @seq, @kind, @url, @body, @state, @attempts, @nextAttemptAt,
      @createdAt, @createdReal)`)
    this.#get = db.prepare('SELECT * FROM callbacks WHERE id = ?')
    this.#nextSeq = db.prepare('SELECT coalesce(max(seq), 0) + 1 AS seq FROM callbacks WHERE flow_id = ?')
    this.#unfinished = db.prepare("SELECT count(*) AS n FROM callbacks WHERE flow_id = ? AND kind <> 'inbound' AND state IN ('waiting', 'pending', 'delivering')")
    this.#active = db.prepare("SELECT count(*) AS n FROM callbacks WHERE flow_id = ? AND kind <> 'inbound' AND state IN ('pending', 'delivering')")
    this.#nextWaiting = db.prepare("SELECT * FROM callbacks WHERE flow_id = ? AND state = 'waiting' ORDER BY seq LIMIT 1")
    this.#update = db.prepare(`UPDATE callbacks SET state = @state, attempts = @attempts, next_attempt_at = @nextAttemptAt,
      finished_at = @finishedAt WHERE id = @id`)
    this.#ofFlow = db.prepare('SELECT * FROM callbacks WHERE flow_id = ? ORDER BY seq')
    this.#ofAccount = db.prepare('SELECT * FROM callbacks WHERE account_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?')
    this.#delivering = db.prepare("SELECT * FROM callbacks WHERE state = 'delivering'")
    this.#pendingWithoutEvent = db.prepare(`SELECT * FROM callbacks c WHERE c.state = 'pending' AND NOT EXISTS (SELECT 1 FROM due_events e
      WHERE e.fid = (SELECT f.fid FROM flows f WHERE f.id = c.flow_id) AND e.kind = ${CALLBACK_ATTEMPT} AND json_extract(e.payload, '$.callbackId') = c.id)`)
    this.#insertAttempt = db.prepare(`INSERT INTO callback_attempts (callback_id, attempt, sandbox_at, real_at, status, error, latency_ms)
      VALUES (@callbackId, @attempt, @sandboxAt, @realAt, @status, @error, @latencyMs)`)
    this.#attempts = db.prepare('SELECT * FROM callback_attempts WHERE callback_id = ? ORDER BY attempt, id')
    this.#pruneAge = db.prepare("DELETE FROM callbacks WHERE account_id = ? AND state IN ('delivered', 'failed') AND finished_at < ?")
    this.#pruneCount = db.prepare(`DELETE FROM callbacks WHERE id IN (SELECT id FROM callbacks WHERE state IN ('delivered', 'failed')
      ORDER BY finished_at DESC, rowid DESC LIMIT -1 OFFSET ?)`)
  }

  insert (c: Callback): void {
    this.#insert.run(c)
  }

  get (id: string): Callback | undefined {
    const row = this.#get.get(id)
    return row && toCallback(row)
  }

  nextSeq (flowId: string): number {
    return this.#nextSeq.get(flowId)!.seq
  }

  /** Whether an earlier callback of the flow has still to finish (a new one must wait its turn). */
  busy (flowId: string): boolean {
    return this.#unfinished.get(flowId)!.n > 0
  }

  /** Whether one of the flow's callbacks is due or in flight (the next waiting one must not start yet). */
  active (flowId: string): boolean {
    return this.#active.get(flowId)!.n > 0
  }

  nextWaiting (flowId: string): Callback | undefined {
    const row = this.#nextWaiting.get(flowId)
    return row && toCallback(row)
  }

  update (c: Callback): void {
    this.#update.run(c)
  }

  ofFlow (flowId: string): Callback[] {
    return this.#ofFlow.all(flowId).map(toCallback)
  }

  ofAccount (accountId: string, limit: number): Callback[] {
    return this.#ofAccount.all(accountId, limit).map(toCallback)
  }

  /** Callbacks whose attempt was in flight when the process stopped. */
  delivering (): Callback[] {
    return this.#delivering.all().map(toCallback)
  }

  /** Pending callbacks without a due event: their attempt was queued for a slot when the process stopped. */
  pendingWithoutEvent (): Callback[] {
    return this.#pendingWithoutEvent.all().map(toCallback)
  }

  addAttempt (a: Attempt): void {
    this.#insertAttempt.run(a)
  }

  attempts (callbackId: string): Attempt[] {
    return this.#attempts.all(callbackId).map(toAttempt)
  }

  /** Drops finished callbacks older than `before` (sandbox time) for one account. */
  pruneOlderThan (accountId: string, before: number): number {
    return this.#pruneAge.run(accountId, before).changes
  }

  /** Keeps at most `keep` finished callbacks in all. */
  pruneBeyond (keep: number): number {
    return this.#pruneCount.run(keep).changes
  }
}
