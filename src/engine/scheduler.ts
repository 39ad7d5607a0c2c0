import type { Logger } from 'pino'
import type { Store } from '../store/index.js'
import type { DueEvent, DueKind } from '../store/events.js'
import type { Clocks } from './clock.js'

export type EventHandler = (event: DueEvent) => void | Promise<void>

export interface AdvanceResult {
  now: number
  eventsRun: number
}

// a runaway schedule (an event that keeps adding events due at once) stops here instead of hanging
const MAX_EVENTS_PER_RUN = 5_000_000
// events handled in one transaction (one commit) while draining; requests are served between batches
const BATCH = 500

/**
 * Runs due events (SQLite rows) in due order, per account. One timer wakes it for the earliest
 * row of any realtime account; manual clocks move only by advance(). Each event is handled in the
 * transaction that deletes its row, so a crash either keeps the event or keeps all its effects.
 */
export class Scheduler {
  #store: Store
  #clocks: Clocks
  #log: Logger
  #handlers = new Map<DueKind, EventHandler>()
  #locks = new Map<string, Promise<unknown>>()
  #timer: unknown
  #timerAt = Infinity
  #running = false
  /** settles when the account's background work (callback deliveries) has settled */
  #settle: (accountId: string) => Promise<void> = async () => {}

  constructor (store: Store, clocks: Clocks, log: Logger) {
    this.#store = store
    this.#clocks = clocks
    this.#log = log
  }

  on (kind: DueKind, handler: EventHandler): void {
    this.#handlers.set(kind, handler)
  }

  onSettle (settle: (accountId: string) => Promise<void>): void {
    this.#settle = settle
  }

  start (): void {
    this.#running = true
    this.#arm(0)
  }

  stop (): void {
    this.#running = false
    this.#disarm()
  }

  /** A new event is due at `dueAt` on the account's clock: make sure the timer fires by then. */
  notify (accountId: string, dueAt: number): void {
    if (!this.#running) return
    const delay = this.#clocks.realDelay(accountId, dueAt)
    if (delay !== undefined) this.#arm(delay)
  }

  /** Re-reads every account's earliest event and sets the one timer for it (after clock changes). */
  rearm (): void {
    if (!this.#running) return
    this.#disarm()
    this.#arm(this.#nextDelay())
  }

  /** Runs every event of the account that is due by its clock now (or by `upTo`). */
  async run (accountId: string, upTo?: number): Promise<number> {
    return await this.#exclusive(accountId, async () => await this.#drain(accountId, () => upTo ?? this.#clocks.now(accountId), false))
  }

  /**
   * sandbox.md "Time": moves the account's clock forward by `seconds`, or from due event to due event
   * until none is left (`until: 'idle'`), running each event in order and waiting for its effects.
   */
  async advance (accountId: string, by: { seconds: number } | { until: 'idle' }): Promise<AdvanceResult> {
    const result = await this.#exclusive(accountId, async () => {
      const start = this.#clocks.now(accountId)
      if ('seconds' in by) {
        const target = start + Math.round(by.seconds * 1000)
        const eventsRun = await this.#drain(accountId, () => target, true)
        // a realtime clock kept running while the effects were awaited: never set it back
        const now = Math.max(target, this.#clocks.now(accountId))
        this.#clocks.set(accountId, { now })
        return { now, eventsRun }
      }
      let eventsRun = 0
      let now = start
      for (;;) {
        eventsRun += await this.#drain(accountId, () => Infinity, true, (dueAt) => { now = Math.max(now, dueAt) })
        await this.#settle(accountId)
        if (!this.#store.events.next(accountId) || eventsRun >= MAX_EVENTS_PER_RUN) break
      }
      now = Math.max(now, this.#clocks.now(accountId))
      this.#clocks.set(accountId, { now })
      return { now, eventsRun }
    })
    this.rearm()
    return result
  }

  /**
   * Runs due events in due order, up to BATCH of them per transaction (each in its own savepoint, so
   * one failing event rolls back alone). Effects that outlive the transaction (callback deliveries)
   * run concurrently; with `awaitEffects`, an event due later than a pending effect waits for it,
   * since that effect may schedule something (a retry) due before it.
   */
  async #drain (accountId: string, limit: () => number, awaitEffects: boolean, onEvent?: (dueAt: number) => void): Promise<number> {
    let n = 0
    const pending: Array<Promise<void>> = []
    let pendingAt = Infinity
    for (;;) {
      const handled = this.#store.transaction(() => {
        let count = 0
        for (; count < BATCH && n + count < MAX_EVENTS_PER_RUN; count++) {
          const event = this.#store.events.next(accountId, limit())
          if (!event || (awaitEffects && event.dueAt > pendingAt)) break
          onEvent?.(event.dueAt)
          const effect = this.#handle(event)
          if (effect && awaitEffects) {
            pending.push(effect)
            pendingAt = Math.min(pendingAt, event.dueAt)
          }
        }
        return count
      })
      n += handled
      if (pending.length > 0) {
        await Promise.all(pending.splice(0))
        pendingAt = Infinity
      } else if (handled < BATCH || n >= MAX_EVENTS_PER_RUN) {
        break
      }
      // let requests in between batches
      await new Promise((resolve) => setImmediate(resolve))
    }
    if (awaitEffects) await this.#settle(accountId)
    return n
  }

  #handle (event: DueEvent): Promise<void> | undefined {
    const handler = this.#handlers.get(event.kind)
    try {
      // a savepoint inside the batch; boxed, as better-sqlite3 refuses a transaction function returning a promise
      const { effect } = this.#store.transaction(() => {
        this.#store.events.delete(event.id)
        return { effect: handler?.(event) }
      })
      return effect instanceof Promise ? effect.catch((err) => this.#failed(event, err)) : undefined
    } catch (err) {
      // the event's savepoint rolled back: drop the row so it cannot fail forever, and say so
      this.#store.events.delete(event.id)
      this.#failed(event, err)
      return undefined
    }
  }

  #failed (event: DueEvent, err: unknown): void {
    this.#log.error({ err, event }, 'due event failed')
  }

  /** One runner per account at a time: a timer tick, an advance and a control call never interleave. */
  async #exclusive<T> (accountId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(accountId) ?? Promise.resolve()
    const next = previous.then(fn, fn)
    const tail = next.catch(() => {})
    this.#locks.set(accountId, tail)
    void tail.then(() => { if (this.#locks.get(accountId) === tail) this.#locks.delete(accountId) })
    return await next
  }

  #nextDelay (): number {
    let min = Infinity
    for (const { accountId, dueAt } of this.#store.events.earliestByAccount()) {
      const delay = this.#clocks.realDelay(accountId, dueAt)
      if (delay !== undefined && delay < min) min = delay
    }
    return min
  }

  #arm (delay: number): void {
    if (!this.#running || delay === Infinity) return
    const at = this.#clocks.time.now() + delay
    if (this.#timer !== undefined && this.#timerAt <= at) return
    this.#disarm()
    this.#timerAt = at
    this.#timer = this.#clocks.time.setTimeout(() => this.#tick(), delay)
  }

  #disarm (): void {
    if (this.#timer !== undefined) this.#clocks.time.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Infinity
  }

  #tick (): void {
    this.#timer = undefined
    this.#timerAt = Infinity
    if (!this.#running) return
    const due = this.#store.events.earliestByAccount().filter(({ accountId, dueAt }) => this.#clocks.realDelay(accountId, dueAt) === 0)
    void Promise.all(due.map(async ({ accountId }) => await this.run(accountId)))
      .catch((err) => this.#log.error({ err }, 'scheduler tick failed'))
      .finally(() => this.rearm())
  }
}
