import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'
import type { Scope } from '../schemas/seed.js'
import { Lru } from '../lru.js'

export interface Application {
  id: string
  accountId: string
  secret: string
  scopes: Scope[]
  /** seconds */
  tokenLifetime: number
}

export interface AccessToken {
  token: string
  applicationId: string
  accountId: string
  scopes: Scope[]
  /** real epoch ms: tokens live on the wall clock, not an account's sandbox clock */
  expiresAt: number
}

interface ApplicationRow { id: string, account_id: string, secret: string, scopes: string, token_lifetime: number }
interface TokenRow { token: string, application_id: string, account_id: string, scopes: string, expires_at: number }

const splitScopes = (s: string): Scope[] => (s === '' ? [] : s.split(' ') as Scope[])

export class AuthStore {
  #insertApp: Statement
  #getApp: Statement<[string], ApplicationRow>
  #appsOf: Statement<[string], ApplicationRow>
  #insertToken: Statement
  #getToken: Statement<[string], TokenRow>
  #purge: Statement<[number]>
  #db: DB
  #live: Statement<[string, string, number], TokenRow>
  /**
   * Tokens as read, by token (issue 15, "cached reads"). A token row never changes; it goes with its
   * account (deletion) or once expired, and every caller checks expiresAt: Store forgets them all
   * when an account is deleted or reset.
   */
  readonly tokens: Lru<string, AccessToken>

  constructor (db: DB, tokenCache = 0) {
    this.#db = db
    this.tokens = new Lru(tokenCache)
    this.#insertApp = db.prepare(`INSERT INTO applications (id, account_id, secret, scopes, token_lifetime)
      VALUES (@id, @accountId, @secret, @scopes, @tokenLifetime)`)
    this.#getApp = db.prepare('SELECT * FROM applications WHERE id = ?')
    this.#appsOf = db.prepare('SELECT * FROM applications WHERE account_id = ? ORDER BY id')
    this.#insertToken = db.prepare(`INSERT INTO access_tokens (token, application_id, account_id, scopes, expires_at)
      VALUES (@token, @applicationId, @accountId, @scopes, @expiresAt)`)
    this.#getToken = db.prepare('SELECT * FROM access_tokens WHERE token = ?')
    this.#purge = db.prepare('DELETE FROM access_tokens WHERE expires_at <= ?')
    this.#live = db.prepare('SELECT * FROM access_tokens WHERE application_id = ? AND scopes = ? AND expires_at > ? ORDER BY expires_at DESC LIMIT 1')
  }

  insertApplication (app: Application): void {
    this.#insertApp.run({ ...app, scopes: app.scopes.join(' ') })
  }

  application (id: string): Application | undefined {
    const row = this.#getApp.get(id)
    return row && { id: row.id, accountId: row.account_id, secret: row.secret, scopes: splitScopes(row.scopes), tokenLifetime: row.token_lifetime }
  }

  applicationsOf (accountId: string): Application[] {
    return this.#appsOf.all(accountId).map((row) => ({
      id: row.id, accountId: row.account_id, secret: row.secret, scopes: splitScopes(row.scopes), tokenLifetime: row.token_lifetime
    }))
  }

  insertToken (token: AccessToken): void {
    this.#insertToken.run({ ...token, scopes: token.scopes.join(' ') })
  }

  token (token: string): AccessToken | undefined {
    const cached = this.tokens.get(token)
    if (cached !== undefined) return cached
    const row = this.#getToken.get(token)
    if (row === undefined) return undefined
    const found: AccessToken = { token: row.token, applicationId: row.application_id, accountId: row.account_id, scopes: splitScopes(row.scopes), expiresAt: row.expires_at }
    // read inside a transaction, the row may yet be rolled back: not cached then
    if (!this.#db.inTransaction) this.tokens.set(token, found)
    return found
  }

  /** The application's unexpired token for exactly these scopes, if it has one. */
  liveToken (applicationId: string, scopes: Scope[], now: number): AccessToken | undefined {
    const row = this.#live.get(applicationId, scopes.join(' '), now)
    return row && { token: row.token, applicationId: row.application_id, accountId: row.account_id, scopes: splitScopes(row.scopes), expiresAt: row.expires_at }
  }

  purgeExpired (now: number): number {
    return this.#purge.run(now).changes
  }
}
