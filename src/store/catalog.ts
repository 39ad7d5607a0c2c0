import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'
import { Lru } from '../lru.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** senders and templates kept in memory at most (issue 15: each send reads its step's sender and template) */
export const CATALOG_CACHE_MAX = 1000

/** Viber senders and transactional templates (provider-api.md §8). */
export interface Sender {
  id: string
  name: string
  active: boolean
}

export type TemplateStatus = 'PENDING' | 'APPROVED' | 'REJECTED'
export type TemplateCategory = 'TRANSACTIONAL' | 'OTP'

export interface Template {
  id: string
  senderInfoTrackingId: string
  name: string
  category: TemplateCategory
  /** language code → text with {{placeholder}}s */
  languages: Record<string, string>
  status: TemplateStatus
  createdAt: number
}

interface TemplateRow {
  id: string
  sender_id: string
  name: string
  category: TemplateCategory
  languages: string
  status: TemplateStatus
  created_at: number
}

const toTemplate = (row: TemplateRow): Template => ({
  id: row.id,
  senderInfoTrackingId: row.sender_id,
  name: row.name,
  category: row.category,
  languages: JSON.parse(row.languages),
  status: row.status,
  createdAt: row.created_at
})

export class CatalogStore {
  readonly #db: DB
  /**
   * Senders and templates as read, by account and id (null: none), frozen. Only reads outside a
   * transaction are kept (one inside may yet be rolled back), and every catalog write empties it, as
   * does forgetting an account (Store.forgetCached): a send reads them twice a step, ~20 µs in all.
   */
  readonly #cached: Lru<string, object | null>
  #insertSender: Statement
  #sender: Statement<[string, string], { id: string, name: string, active: number }>
  #insertTemplate: Statement
  #template: Statement<[string, string], TemplateRow>
  #templateAnyCase: Statement<[string, string], TemplateRow>
  #templates: Statement<[string], TemplateRow>
  #templatesOfSender: Statement<[string, string], TemplateRow>
  #deleteTemplate: Statement<[string, string]>
  #deleteTemplates: Statement<[string]>
  #setStatus: Statement<[string, string, string]>

  constructor (db: DB, cache = 0) {
    this.#db = db
    this.#cached = new Lru(Math.min(cache, CATALOG_CACHE_MAX))
    this.#insertSender = db.prepare('INSERT INTO senders (account_id, id, name, active) VALUES (?, ?, ?, ?)')
    this.#sender = db.prepare('SELECT id, name, active FROM senders WHERE account_id = ? AND id = ?')
    this.#insertTemplate = db.prepare(`INSERT INTO templates (account_id, id, sender_id, name, category, languages, status, created_at)
      VALUES (@accountId, @id, @senderInfoTrackingId, @name, @category, @languages, @status, @createdAt)`)
    this.#template = db.prepare('SELECT * FROM templates WHERE account_id = ? AND id = ?')
    // the account's templates are few: read by the account's key, compared without case
    this.#templateAnyCase = db.prepare('SELECT * FROM templates WHERE account_id = ? AND lower(id) = lower(?) ORDER BY created_at, id LIMIT 1')
    this.#templates = db.prepare('SELECT * FROM templates WHERE account_id = ? ORDER BY created_at, id')
    this.#templatesOfSender = db.prepare('SELECT * FROM templates WHERE account_id = ? AND sender_id = ? ORDER BY created_at, id')
    this.#deleteTemplate = db.prepare('DELETE FROM templates WHERE account_id = ? AND id = ?')
    this.#deleteTemplates = db.prepare('DELETE FROM templates WHERE account_id = ?')
    this.#setStatus = db.prepare('UPDATE templates SET status = ? WHERE account_id = ? AND id = ?')
  }

  /** Forgets every sender and template read (after a write, or an account deleted or reset). */
  forgetCached (): void {
    this.#cached.clear()
  }

  /** `read()`'s answer, from the cache when it holds the key (senders and templates have separate keys). */
  #read<T extends object> (key: string, read: () => T | undefined): Readonly<T> | undefined {
    const cached = this.#cached.get(key)
    if (cached !== undefined) return (cached ?? undefined) as Readonly<T> | undefined
    const found = read()
    if (!this.#db.inTransaction) this.#cached.set(key, found === undefined ? null : Object.freeze(found))
    return found
  }

  insertSender (accountId: string, sender: Sender): void {
    this.#cached.clear()
    this.#insertSender.run(accountId, sender.id, sender.name, sender.active ? 1 : 0)
  }

  sender (accountId: string, id: string): Readonly<Sender> | undefined {
    return this.#read(`s\n${accountId}\n${id}`, () => {
      const row = this.#sender.get(accountId, id)
      return row && { id: row.id, name: row.name, active: row.active === 1 }
    })
  }

  insertTemplate (accountId: string, template: Template): void {
    this.#cached.clear()
    this.#insertTemplate.run({ accountId, ...template, languages: JSON.stringify(template.languages) })
  }

  /**
   * A template by id. A UUID matches in any case, as UUIDs compare (RFC 9562 §4): `0AAC888F-…` finds
   * `0aac888f-…` and the other way round (the exact spelling first: the common case reads the key).
   */
  template (accountId: string, id: string): Readonly<Template> | undefined {
    return this.#read(`t\n${accountId}\n${id}`, () => {
      let row = this.#template.get(accountId, id)
      if (row === undefined && UUID.test(id)) row = this.#templateAnyCase.get(accountId, id)
      if (row === undefined) return undefined
      const template = toTemplate(row)
      Object.freeze(template.languages)
      return template
    })
  }

  templates (accountId: string, senderId?: string): Template[] {
    const rows = senderId === undefined ? this.#templates.all(accountId) : this.#templatesOfSender.all(accountId, senderId)
    return rows.map(toTemplate)
  }

  deleteTemplate (accountId: string, id: string): boolean {
    this.#cached.clear()
    return this.#deleteTemplate.run(accountId, id).changes > 0
  }

  deleteTemplates (accountId: string): void {
    this.#cached.clear()
    this.#deleteTemplates.run(accountId)
  }

  setTemplateStatus (accountId: string, id: string, status: TemplateStatus): void {
    this.#cached.clear()
    this.#setStatus.run(status, accountId, id)
  }
}
