import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'
import { pack, unpack } from './packed-json.js'

/** What can be due: each kind is handled by the simulation (src/engine/simulation.ts) or callbacks. */
export type DueKind = 'message.status' | 'message.expire' | 'callback.attempt'

export interface DueEvent {
  id: number
  accountId: string
  dueAt: number
  kind: DueKind
  flowId: string | null
  messageId: string | null
  payload: Record<string, unknown>
}

interface DueRow { id: number, account_id: string, due_at: number, kind: number, flow_id: string | null, message_id: string | null, payload: string }

// the kind as stored (migration 010): its place in this list
const KINDS: readonly DueKind[] = ['message.status', 'message.expire', 'callback.attempt']
const KIND_CODE = new Map(KINDS.map((kind, code) => [kind, code]))
/** callback.attempt as stored: src/store/callbacks.ts and migration 010's partial index use it in SQL */
export const CALLBACK_ATTEMPT = KIND_CODE.get('callback.attempt')!

const toEvent = (row: DueRow): DueEvent => ({
  id: row.id,
  accountId: row.account_id,
  dueAt: row.due_at,
  kind: KINDS[row.kind],
  flowId: row.flow_id,
  messageId: row.message_id,
  payload: JSON.parse(unpack(row.payload))
})

export class EventStore {
  #insert: Statement
  #nextDue: Statement<[string, number], DueRow>
  #first: Statement<[string], DueRow>
  #delete: Statement<[number]>
  #deleteForMessage: Statement<[string, number]>
  #deleteMessageEvents: Statement<[string]>
  #earliest: Statement<[], { account_id: string, due_at: number | null }>
  #countFor: Statement<[string], { n: number }>
  #deleteForAccount: Statement<[string]>

  constructor (db: DB) {
    // an event refers to its flow and message by their integer keys (migration 010), and is read with their ids
    this.#insert = db.prepare(`INSERT INTO due_events (account_id, due_at, kind, fid, mid, payload)
      VALUES (@accountId, @dueAt, @kind, (SELECT fid FROM flows WHERE id = @flowId), (SELECT mid FROM messages WHERE id = @messageId), @payload)`)
    const select = 'SELECT e.id, e.account_id, e.due_at, e.kind, f.id AS flow_id, m.id AS message_id, e.payload FROM due_events e LEFT JOIN flows f ON f.fid = e.fid LEFT JOIN messages m ON m.mid = e.mid'
    this.#nextDue = db.prepare(`${select} WHERE e.account_id = ? AND e.due_at <= ? ORDER BY e.due_at, e.id LIMIT 1`)
    this.#first = db.prepare(`${select} WHERE e.account_id = ? ORDER BY e.due_at, e.id LIMIT 1`)
    this.#delete = db.prepare('DELETE FROM due_events WHERE id = ?')
    this.#deleteForMessage = db.prepare('DELETE FROM due_events WHERE mid = (SELECT mid FROM messages WHERE id = ?) AND kind = ?')
    this.#deleteMessageEvents = db.prepare(`DELETE FROM due_events WHERE mid = (SELECT mid FROM messages WHERE id = ?)
      AND kind IN (${KIND_CODE.get('message.status')!}, ${KIND_CODE.get('message.expire')!})`)
    // one indexed look-up per account: a GROUP BY would read every pending row
    this.#earliest = db.prepare(`SELECT a.id AS account_id, (SELECT min(e.due_at) FROM due_events e WHERE e.account_id = a.id) AS due_at
      FROM accounts a`)
    this.#countFor = db.prepare('SELECT count(*) AS n FROM due_events WHERE account_id = ?')
    this.#deleteForAccount = db.prepare('DELETE FROM due_events WHERE account_id = ?')
  }

  add (event: Omit<DueEvent, 'id'>): number {
    return Number(this.#insert.run({
      accountId: event.accountId,
      dueAt: event.dueAt,
      kind: KIND_CODE.get(event.kind),
      flowId: event.flowId,
      messageId: event.messageId,
      // a callback attempt's payload stays plain JSON: the start-up look for attempts without an event reads it in SQL
      payload: event.kind === 'callback.attempt' ? JSON.stringify(event.payload) : pack(JSON.stringify(event.payload))
    }).lastInsertRowid)
  }

  /** The earliest event of the account due at or before `upTo`, or the earliest at all. */
  next (accountId: string, upTo?: number): DueEvent | undefined {
    const row = upTo === undefined ? this.#first.get(accountId) : this.#nextDue.get(accountId, upTo)
    return row && toEvent(row)
  }

  delete (id: number): void {
    this.#delete.run(id)
  }

  cancelForMessage (messageId: string, kind: DueKind): void {
    this.#deleteForMessage.run(messageId, KIND_CODE.get(kind)!)
  }

  /** A message ended: its pending status changes and its ttl expiry go, in one statement (one index walk). */
  cancelMessageEvents (messageId: string): void {
    this.#deleteMessageEvents.run(messageId)
  }

  /** For each account with pending events, its earliest due time. */
  earliestByAccount (): Array<{ accountId: string, dueAt: number }> {
    return this.#earliest.all().filter((r) => r.due_at !== null).map((r) => ({ accountId: r.account_id, dueAt: r.due_at! }))
  }

  deleteForAccount (accountId: string): void {
    this.#deleteForAccount.run(accountId)
  }

  pending (accountId: string): number {
    return this.#countFor.get(accountId)!.n
  }
}
