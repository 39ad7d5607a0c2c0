import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { openDatabase, type DB, type FileIdentity } from './database.js'
import { Checkpointer } from './checkpointer.js'
import { AccountStore, type ClockState } from './accounts.js'
import { AuthStore } from './auth.js'
import { CatalogStore } from './catalog.js'
import { EventStore } from './events.js'
import { FlowStore } from './flows.js'
import { CallbackStore } from './callbacks.js'
import { JournalStore } from './journal.js'
import { InboxStore } from './inbox.js'
import type { SeedAccount } from '../schemas/seed.js'
import { toMicros } from '../money.js'

export interface NewAccount {
  id: string
  seed: SeedAccount
  clock: ClockState
  createdAt: number
  /** replaces the seed's applications (fresh credentials for POST /_sandbox/accounts) */
  applications?: SeedAccount['applications']
}

/** Entries each read cache holds at most (0: none); SANDBOX_TRACKING_CACHE and SANDBOX_TOKEN_CACHE. */
export interface StoreCaches {
  trackingRecords?: number
  tokens?: number
  /** writes one group commit holds at most (SANDBOX_COMMIT_GROUP_MAX); 1 commits each on its own */
  groupMax?: number
}

interface Queued { fn: () => unknown, resolve: (value: any) => void, reject: (err: unknown) => void }

/** All state, in one SQLite database; the only place with SQL (STYLE.md). */
export class Store {
  readonly db: DB
  readonly accounts: AccountStore
  readonly auth: AuthStore
  readonly catalog: CatalogStore
  readonly flows: FlowStore
  readonly events: EventStore
  readonly callbacks: CallbackStore
  readonly journal: JournalStore
  readonly inbox: InboxStore

  // made once: better-sqlite3 builds a wrapper per db.transaction() call
  readonly #transaction: (fn: () => unknown) => unknown
  /** the database was empty when opened: its first start */
  readonly fresh: boolean
  readonly #path: string
  readonly #identity?: FileIdentity
  readonly #unlock: () => void
  #problem?: string
  /** writes waiting for the group commit, in arrival order */
  #queue: Queued[] = []
  #flushArmed = false
  readonly #groupMax: number
  /**
   * Asked once before each group commit: when it returns a maker of errors, each send of the group is
   * rejected with one of them, unwritten (db-watch: the database file gone, so a send is never
   * answered 200 into a file that is lost at exit).
   */
  beforeGroup?: () => (() => Error) | undefined
  /** WAL checkpoints in a worker thread (file databases only) */
  readonly checkpointer?: Checkpointer

  constructor (path: string, caches: StoreCaches = {}) {
    const opened = openDatabase(path)
    this.db = opened.db
    this.#path = path
    this.#identity = opened.identity
    this.fresh = opened.fresh
    this.#unlock = opened.unlock
    this.#transaction = this.db.transaction((fn: () => unknown) => fn())
    this.#groupMax = Math.max(1, caches.groupMax ?? 256)
    if (path !== ':memory:') this.checkpointer = new Checkpointer(this.db, resolve(path))
    this.accounts = new AccountStore(this.db)
    this.auth = new AuthStore(this.db, caches.tokens ?? 0)
    this.catalog = new CatalogStore(this.db, caches.trackingRecords ?? 0)
    this.flows = new FlowStore(this.db, caches.trackingRecords ?? 0)
    this.events = new EventStore(this.db)
    this.callbacks = new CallbackStore(this.db)
    this.journal = new JournalStore(this.db, caches.trackingRecords ?? 0)
    this.inbox = new InboxStore(this.db)
  }

  /**
   * Runs fn in one transaction (nested calls become savepoints). Writes queued for the group commit
   * go first, in their own transaction: they arrived earlier, and nothing that happens after them may
   * commit (and so act) before them.
   */
  transaction<T> (fn: () => T): T {
    if (this.#queue.length > 0 && !this.db.inTransaction) this.flush()
    return this.#transaction(fn) as T
  }

  /**
   * Group commit (issue 15): queues `fn`, a write already validated, and settles once it has
   * committed. Every write queued in one turn of the event loop (at most SANDBOX_COMMIT_GROUP_MAX)
   * runs in one transaction, each in its own savepoint: one that throws rolls back alone and rejects
   * with its error; a commit that fails rejects them all. Nothing resolves before the COMMIT returned,
   * so an answer sent on resolution is never an answer about an uncommitted change.
   */
  async grouped<T> (fn: () => T): Promise<T> {
    return await new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve, reject })
      if (this.#queue.length >= this.#groupMax && !this.db.inTransaction) this.flush()
      else this.#arm()
    })
  }

  /** The flush at the end of this turn of the event loop (once, however many writes are queued). */
  #arm (): void {
    if (this.#flushArmed) return
    this.#flushArmed = true
    setImmediate(() => {
      this.#flushArmed = false
      this.flush()
    })
  }

  /** Commits the queued writes now, in one transaction (see grouped). */
  flush (): void {
    const queue = this.#queue
    if (queue.length === 0) return
    // inside someone's transaction the COMMIT would be theirs, later: the queue waits for the next turn
    if (this.db.inTransaction) {
      this.#arm()
      return
    }
    this.#queue = []
    const refused = this.beforeGroup?.()
    if (refused !== undefined) {
      for (const q of queue) q.reject(refused())
      return
    }
    const results: Array<{ ok: true, value: unknown } | { ok: false, err: unknown }> = []
    try {
      this.#transaction(() => {
        for (const q of queue) {
          try {
            results.push({ ok: true, value: this.#transaction(q.fn) })
          } catch (err) {
            // a storage error can end the whole transaction (SQLite rolls it back): then none of it stands
            if (!this.db.inTransaction) throw err
            results.push({ ok: false, err })
          }
        }
      })
    } catch (err) {
      for (const q of queue) q.reject(err)
      return
    }
    queue.forEach((q, i) => {
      const r = results[i]
      if (r.ok) q.resolve(r.value)
      else q.reject(r.err)
    })
  }

  createAccount (a: NewAccount): void {
    this.transaction(() => {
      this.accounts.insert(a.id, a.seed, a.clock, a.createdAt)
      for (const app of a.applications ?? a.seed.applications) {
        this.auth.insertApplication({ id: app.id, accountId: a.id, secret: app.secret, scopes: app.scopes, tokenLifetime: app.tokenLifetime })
      }
      for (const sender of a.seed.senders) this.catalog.insertSender(a.id, sender)
      this.#insertTemplates(a.id, a.seed, a.createdAt)
    })
  }

  /** Forgets every cached read (tracking records, tokens): an account was deleted or reset. */
  forgetCached (): void {
    this.flows.records.clear()
    this.flows.requests.clear()
    this.catalog.forgetCached()
    this.auth.tokens.clear()
  }

  /** sandbox.md: reset clears flows, messages and callbacks and restores the seed balance and templates. */
  resetAccount (accountId: string, seed: SeedAccount, now: number): void {
    this.forgetCached()
    this.transaction(() => {
      this.flows.deleteFlowsOf(accountId)
      this.events.deleteForAccount(accountId)
      this.catalog.deleteTemplates(accountId)
      this.#insertTemplates(accountId, seed, now)
      this.accounts.setBalance(accountId, toMicros(seed.balance))
    })
  }

  #insertTemplates (accountId: string, seed: SeedAccount, now: number): void {
    for (const t of seed.templates) {
      this.catalog.insertTemplate(accountId, {
        id: t.id,
        senderInfoTrackingId: t.senderInfoTrackingId,
        name: t.name,
        category: t.category,
        languages: t.languages,
        status: t.status,
        createdAt: now
      })
    }
  }

  /**
   * Issue 11, point 4: undefined while the database file is the one opened; else why not (deleted,
   * replaced). Once found, the problem stays: writes to an unlinked file are lost at the next start.
   */
  fileProblem (): string | undefined {
    if (this.#problem !== undefined || this.#identity === undefined) return this.#problem
    let now: { dev: number, ino: number } | undefined
    try {
      now = statSync(this.#path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined // unreadable now, maybe not gone: ask again later
    }
    if (now === undefined) this.#problem = `the database file ${this.#path} was deleted while the server ran: what it stores now is lost at exit; restart the server`
    else if (now.dev !== this.#identity.dev || now.ino !== this.#identity.ino) this.#problem = `the database file ${this.#path} was replaced while the server ran: the server still writes to the old one; restart the server`
    return this.#problem
  }

  /** Moves the WAL into the database file and empties it (at shutdown: no -wal left behind). */
  checkpoint (): void {
    if (this.db.open) this.db.pragma('wal_checkpoint(TRUNCATE)')
  }

  close (): void {
    if (this.db.open) this.flush()
    this.checkpointer?.stop()
    if (this.db.open) this.db.close()
    this.#unlock()
  }
}
