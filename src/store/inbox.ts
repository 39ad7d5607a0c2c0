import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'

/** One arrival at the receiver POST /_sandbox/webhooks/{name}. */
export interface InboxItem {
  name: string
  /** wall clock, epoch ms */
  at: number
  method: string
  headers: Record<string, string>
  contentType: string | null
  /** the body as text, cut at the size limit when `truncated` */
  body: string
  /** bytes received */
  size: number
  truncated: boolean
}

export interface StoredInboxItem extends InboxItem {
  id: number
}

interface Row { id: number, name: string, at: number, method: string, headers: string, content_type: string | null, body: string, size: number, truncated: number }

/** The receiver's inboxes (migration 004), oldest first. */
export class InboxStore {
  #insert: Statement
  #list: Statement<[string, number], Row>
  #count: Statement<[string], { n: number }>
  #clear: Statement<[string]>
  #pruneAge: Statement<[number]>
  #pruneCount: Statement<[number]>

  constructor (db: DB) {
    this.#insert = db.prepare(`INSERT INTO inbox (name, at, method, headers, content_type, body, size, truncated)
      VALUES (@name, @at, @method, @headers, @contentType, @body, @size, @truncated)`)
    this.#list = db.prepare('SELECT * FROM inbox WHERE name = ? ORDER BY id LIMIT ?')
    this.#count = db.prepare('SELECT count(*) AS n FROM inbox WHERE name = ?')
    this.#clear = db.prepare('DELETE FROM inbox WHERE name = ?')
    this.#pruneAge = db.prepare('DELETE FROM inbox WHERE at < ?')
    this.#pruneCount = db.prepare('DELETE FROM inbox WHERE id <= (SELECT id FROM inbox ORDER BY id DESC LIMIT 1 OFFSET ?)')
  }

  insert (item: InboxItem): number {
    return Number(this.#insert.run({ ...item, headers: JSON.stringify(item.headers), truncated: item.truncated ? 1 : 0 }).lastInsertRowid)
  }

  list (name: string, limit: number): StoredInboxItem[] {
    return this.#list.all(name, limit).map((r) => ({
      id: r.id, name: r.name, at: r.at, method: r.method, headers: JSON.parse(r.headers), contentType: r.content_type, body: r.body, size: r.size, truncated: r.truncated === 1
    }))
  }

  count (name: string): number {
    return this.#count.get(name)!.n
  }

  clear (name: string): number {
    return this.#clear.run(name).changes
  }

  pruneOlderThan (before: number): number {
    return this.#pruneAge.run(before).changes
  }

  pruneBeyond (keep: number): number {
    return this.#pruneCount.run(keep).changes
  }
}
