import type { Statement } from 'better-sqlite3'
import type { DB } from './database.js'
import type { SeedAccount } from '../schemas/seed.js'
import { toMicros } from '../money.js'

import type { Channel, ClockMode } from '../vocabulary.js'

export type { ClockMode } from '../vocabulary.js'

/** An account's clock: sandbox time = baseSandbox + (real - baseReal) × scale, frozen in manual mode. */
export interface ClockState {
  mode: ClockMode
  scale: number
  baseSandbox: number
  baseReal: number
}

export interface Prices {
  sms: number
  viberTransactional: number
  viberPromotional: number
  voice: number
}

export interface Currency { code: string, name: string, sign: string }

export interface StoredScenarioRule {
  to?: string
  channel: Channel
  outcome: string
  afterSeconds?: number
}

export interface Account {
  id: string
  name: string
  /** micro-units */
  balance: number
  currency: Currency
  /** micro-units */
  prices: Prices
  clock: ClockState
  scenarios: StoredScenarioRule[]
  seed: SeedAccount
  createdAt: number
}

interface AccountRow {
  id: string
  name: string
  balance: number
  currency: string
  prices: string
  clock_mode: ClockMode
  clock_scale: number
  clock_base_sandbox: number
  clock_base_real: number
  scenarios: string
  seed: string
  created_at: number
}

function toAccount (row: AccountRow): Account {
  return {
    id: row.id,
    name: row.name,
    balance: row.balance,
    currency: JSON.parse(row.currency),
    prices: JSON.parse(row.prices),
    clock: { mode: row.clock_mode, scale: row.clock_scale, baseSandbox: row.clock_base_sandbox, baseReal: row.clock_base_real },
    scenarios: JSON.parse(row.scenarios),
    seed: JSON.parse(row.seed),
    createdAt: row.created_at
  }
}

export function seedPrices (seed: SeedAccount): Prices {
  return {
    sms: toMicros(seed.prices.sms),
    viberTransactional: toMicros(seed.prices.viberTransactional),
    viberPromotional: toMicros(seed.prices.viberPromotional),
    voice: toMicros(seed.prices.voice)
  }
}

/** What a send needs of its account: no seed, no clock (the hot path reads this, not the whole row). */
export interface Billing {
  id: string
  balance: number
  currency: Currency
  prices: Prices
  scenarios: StoredScenarioRule[]
}

// distinct currency, price and scenario texts kept parsed (a send reads all three)
const PARSED_MAX = 256

/** JSON text parsed, frozen two levels deep (an object or array of flat objects): shared, so never changed. */
function parseFrozen (text: string): any {
  const value = JSON.parse(text)
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) if (typeof child === 'object' && child !== null) Object.freeze(child)
    Object.freeze(value)
  }
  return value
}

export class AccountStore {
  /**
   * The account's currency, prices and scenario rules, parsed once per distinct text (a send reads its
   * account's billing, and parsing the three was ~3% of its CPU): the balance is read every time, the
   * texts are the key, so a change to them is a new key and nothing goes stale.
   */
  readonly #parsed = new Map<string, any>()
  #billing: Statement<[string], { id: string, balance: number, currency: string, prices: string, scenarios: string }>
  #insert: Statement
  #get: Statement<[string], AccountRow>
  #list: Statement<[], AccountRow>
  #count: Statement<[], { n: number }>
  #delete: Statement<[string]>
  #charge: Statement<[number, string, number]>
  #setBalance: Statement<[number, string]>
  #nextSeq: Statement<[string], { seq: number }>
  #setClock: Statement
  #setScenarios: Statement<[string, string]>

  constructor (db: DB) {
    this.#insert = db.prepare(`INSERT INTO accounts (id, name, balance, currency, prices, clock_mode, clock_scale,
      clock_base_sandbox, clock_base_real, seed, created_at)
      VALUES (@id, @name, @balance, @currency, @prices, @mode, @scale, @baseSandbox, @baseReal, @seed, @createdAt)`)
    this.#get = db.prepare('SELECT * FROM accounts WHERE id = ?')
    this.#billing = db.prepare('SELECT id, balance, currency, prices, scenarios FROM accounts WHERE id = ?')
    this.#list = db.prepare('SELECT * FROM accounts ORDER BY created_at, id')
    this.#count = db.prepare('SELECT count(*) AS n FROM accounts')
    this.#delete = db.prepare('DELETE FROM accounts WHERE id = ?')
    this.#charge = db.prepare('UPDATE accounts SET balance = balance - ? WHERE id = ? AND balance >= ?')
    this.#setBalance = db.prepare('UPDATE accounts SET balance = ? WHERE id = ?')
    this.#nextSeq = db.prepare('UPDATE accounts SET next_seq = next_seq + 1 WHERE id = ? RETURNING next_seq - 1 AS seq')
    this.#setClock = db.prepare(`UPDATE accounts SET clock_mode = @mode, clock_scale = @scale,
      clock_base_sandbox = @baseSandbox, clock_base_real = @baseReal WHERE id = @id`)
    this.#setScenarios = db.prepare('UPDATE accounts SET scenarios = ? WHERE id = ?')
  }

  insert (id: string, seed: SeedAccount, clock: ClockState, createdAt: number): void {
    this.#insert.run({
      id,
      name: seed.name,
      balance: toMicros(seed.balance),
      currency: JSON.stringify(seed.currency),
      prices: JSON.stringify(seedPrices(seed)),
      ...clock,
      seed: JSON.stringify(seed),
      createdAt
    })
  }

  get (id: string): Account | undefined {
    const row = this.#get.get(id)
    return row && toAccount(row)
  }

  billing (id: string): Billing | undefined {
    const row = this.#billing.get(id)
    return row && { id: row.id, balance: row.balance, currency: this.#parse(row.currency), prices: this.#parse(row.prices), scenarios: this.#parse(row.scenarios) }
  }

  #parse (text: string): any {
    let value = this.#parsed.get(text)
    if (value === undefined) {
      if (this.#parsed.size >= PARSED_MAX) this.#parsed.clear()
      value = parseFrozen(text)
      this.#parsed.set(text, value)
    }
    return value
  }

  list (): Account[] {
    return this.#list.all().map(toAccount)
  }

  count (): number {
    return this.#count.get()!.n
  }

  delete (id: string): boolean {
    return this.#delete.run(id).changes > 0
  }

  /** Takes amount from the balance if it is there; false (nothing taken) when it is not. */
  charge (id: string, amount: number): boolean {
    return this.#charge.run(amount, id, amount).changes > 0
  }

  setBalance (id: string, balance: number): void {
    this.#setBalance.run(balance, id)
  }

  nextSeq (id: string): number {
    return this.#nextSeq.get(id)!.seq
  }

  setClock (id: string, clock: ClockState): void {
    this.#setClock.run({ id, ...clock })
  }

  setScenarios (id: string, rules: StoredScenarioRule[]): void {
    this.#setScenarios.run(JSON.stringify(rules), id)
  }
}
