import { openDatabase, type DB } from './database.js'
import { AccountStore, type ClockState } from './accounts.js'
import { AuthStore } from './auth.js'
import { CatalogStore } from './catalog.js'
import { EventStore } from './events.js'
import { FlowStore } from './flows.js'
import { CallbackStore } from './callbacks.js'
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

/** All state, in one SQLite database; the only place with SQL (STYLE.md). */
export class Store {
  readonly db: DB
  readonly accounts: AccountStore
  readonly auth: AuthStore
  readonly catalog: CatalogStore
  readonly flows: FlowStore
  readonly events: EventStore
  readonly callbacks: CallbackStore

  // made once: better-sqlite3 builds a wrapper per db.transaction() call
  readonly #transaction: (fn: () => unknown) => unknown

  constructor (path: string) {
    this.db = openDatabase(path)
    this.#transaction = this.db.transaction((fn: () => unknown) => fn())
    this.accounts = new AccountStore(this.db)
    this.auth = new AuthStore(this.db)
    this.catalog = new CatalogStore(this.db)
    this.flows = new FlowStore(this.db)
    this.events = new EventStore(this.db)
    this.callbacks = new CallbackStore(this.db)
  }

  /** Runs fn in one transaction (nested calls become savepoints). */
  transaction<T> (fn: () => T): T {
    return this.#transaction(fn) as T
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

  /** sandbox.md: reset clears flows, messages and callbacks and restores the seed balance and templates. */
  resetAccount (accountId: string, seed: SeedAccount, now: number): void {
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

  close (): void {
    if (this.db.open) this.db.close()
  }
}
