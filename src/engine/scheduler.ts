import type { Logger } from 'pino'
import { ApiError, ERRORS } from '../errors.js'
import type { Store } from '../store/index.js'
import type { DueEvent, DueKind } from '../store/events.js'
import { isStorageError } from '../store/faults.js'
import { MAX_TIME, type Clocks } from './clock.js'
import type { Faults } from './faults.js'

/**
 * What a due event leaves to do once its transaction has committed (a callback attempt): started by
 * the scheduler only after COMMIT, so nothing leaves the process for a change that was rolled back.
 */
export type Effect = () => Promise<void>
export type EventHandler = (event: DueEvent) => Effect | undefined

export interface AdvanceResult {
  now: number
  eventsRun: number
  /** set when `until: 'idle'` stopped at the clock's upper bound with events still due after it */
  eventsLeft?: number
}

/** A batch being run: its size, the effects it collected, the earliest due time among them. */
interface Batch { size: number, effects: Effect[], effectsAt: number }

// a runaway schedule (an event that keeps adding events due at once) stops here instead of hanging
const MAX_EVENTS_PER_RUN = 5_000_000
// events handled in one transaction (one commit) while draining; requests are served between batches
const BATCH = 500

/**
 * Runs due events (SQLite rows) in due order, per account, and is the only one to add them:
 * schedule() stores the row and arms the timer. One timer wakes it for the earliest row of any
 * realtime account; manual clocks move only by advance(). Each event is handled in the transaction
 * that deletes its row, so a crash either keeps the event or keeps all its effects; a batch whose
 * commit fails (disk full, database locked) is rolled back whole and tried again with backoff.
 */
export class Scheduler {
  #store: Store
  #clocks: Clocks
  #log: Logger
  #faults: Faults
  #handlers = new Map<DueKind, EventHandler>()
  #locks = new Map<string, Promise<unknown>>()
  #timer: unknown
  #timerAt = Infinity
  /** real time before which the timer does not fire again after a failed commit */
  #blockedUntil = 0
  #running = false
  /** events per transaction: halved after a storage error (a smaller commit may fit), doubled back after a success */
  #batch = BATCH
  /** stop() was called: a drain in progress ends at its next batch (the store is about to close) */
  #stopped = false
  /** settles when the account's background work (callback deliveries) has settled */
  #settle: (accountId: string) => Promise<void> = async () => {}
  /** settles when the effects waiting to start (callback attempts queued for a slot) are below their bound */
  #room: () => Promise<void> = async () => {}

  constructor (store: Store, clocks: Clocks, log: Logger, faults: Faults) {
    this.#store = store
    this.#clocks = clocks
    this.#log = log
    this.#faults = faults
  }

  on (kind: DueKind, handler: EventHandler): void {
    this.#handlers.set(kind, handler)
  }

  onSettle (settle: (accountId: string) => Promise<void>): void {
    this.#settle = settle
  }

  /** Backpressure: a drain that does not await its effects waits for room before its next batch. */
  onRoom (room: () => Promise<void>): void {
    this.#room = room
  }

  start (): void {
    this.#running = true
    this.#stopped = false
    this.#arm(0)
  }

  stop (): void {
    this.#running = false
    this.#stopped = true
    this.#disarm()
  }

  /**
   * Something is due: stores the row (in the caller's transaction) and makes sure the timer fires by
   * then. The only way a due event is made. A timer armed for a change that is rolled back fires,
   * finds nothing, and re-arms.
   */
  schedule (event: Omit<DueEvent, 'id'>): void {
    this.#store.events.add(event)
    if (!this.#running) return
    const delay = this.#clocks.realDelay(event.accountId, event.dueAt)
    if (delay !== undefined) this.#arm(delay)
  }

  /** Re-reads every account's earliest event and sets the one timer for it (after clock changes). */
  rearm (): void {
    if (!this.#running) return
    this.#disarm()
    try {
      this.#arm(this.#nextDelay())
    } catch (err) {
      // the storage cannot even be read: look again after the backoff
      this.#backOff(err)
      this.#arm(0)
    }
  }

  /**
   * Runs every event of the account that is due by its clock now (or by `upTo`), in batches that do
   * not wait for the deliveries they start (as the timer does). With `settle` (a jump of the clock) it
   * then waits for those deliveries, and runs what they made due by then (retries), until nothing due
   * is left: the callback attempts of a jump are stored before it answers, as an advance's are.
   */
  async run (accountId: string, upTo?: number, settle = false): Promise<number> {
    const moving = (): number => Math.min(upTo ?? this.#clocks.now(accountId), MAX_TIME)
    return await this.#exclusive(accountId, async () => {
      // a jump settles up to the time it jumped to, read once: a realtime clock keeps moving, and what
      // falls due after that time is the timer's (else steady traffic would keep the jump from answering)
      const target = moving()
      const limit = settle ? () => target : moving
      let n = await this.#drain(accountId, limit, false)
      while (settle && !this.#stopped && n < MAX_EVENTS_PER_RUN) {
        await this.#settle(accountId)
        if (this.#stopped || this.#store.events.next(accountId, target) === undefined) break
        n += await this.#drain(accountId, limit, false)
      }
      return n
    })
  }

  /**
   * sandbox.md "Time": moves the account's clock forward by `seconds`, or from due event to due event
   * until none is left (`until: 'idle'`), running each event in order and waiting for its effects.
   * The clock never passes MAX_TIME: `until: 'idle'` stops there and counts the events left after it.
   */
  async advance (accountId: string, by: { seconds: number } | { until: 'idle' }): Promise<AdvanceResult> {
    const result = await this.#exclusive(accountId, async () => {
      const start = this.#clocks.now(accountId)
      if ('seconds' in by) {
        const target = Math.min(MAX_TIME, start + Math.round(by.seconds * 1000))
        const eventsRun = await this.#drain(accountId, () => target, true)
        // a realtime clock kept running while the effects were awaited: never set it back
        const now = Math.max(target, this.#clocks.now(accountId))
        this.#clocks.set(accountId, { now })
        return { now, eventsRun }
      }
      let eventsRun = 0
      let now = start
      for (;;) {
        eventsRun += await this.#drain(accountId, () => MAX_TIME, true, (dueAt) => { now = Math.max(now, dueAt) })
        await this.#settle(accountId)
        if (!this.#store.events.next(accountId, MAX_TIME) || eventsRun >= MAX_EVENTS_PER_RUN) break
      }
      const result: AdvanceResult = { now, eventsRun }
      if (this.#store.events.next(accountId) !== undefined && eventsRun < MAX_EVENTS_PER_RUN) {
        // only events due after the last instant the clock can read are left: it stops there
        result.eventsLeft = this.#store.events.pending(accountId)
        now = MAX_TIME
      }
      result.now = Math.max(now, this.#clocks.now(accountId))
      this.#clocks.set(accountId, { now: result.now })
      return result
    })
    this.rearm()
    return result
  }

  /**
   * Runs due events in due order, up to BATCH of them per transaction (each in its own savepoint, so
   * one failing event rolls back alone; a storage error rolls the whole batch back and is thrown).
   * The effects of a batch start once it has committed and run concurrently; with `awaitEffects`, an
   * event due later than a pending effect waits for it, since that effect may schedule something (a
   * retry) due before it.
   */
  async #drain (accountId: string, limit: () => number, awaitEffects: boolean, onEvent?: (dueAt: number) => void): Promise<number> {
    let n = 0
    const pending: Array<Promise<void>> = []
    for (;;) {
      if (this.#stopped) return n
      const batch: Batch = { size: this.#batch, effects: [], effectsAt: Infinity }
      const size = batch.size
      let handled: number
      try {
        handled = this.#store.transaction(() => this.#runBatch(accountId, batch, n, limit, awaitEffects, onEvent))
      } catch (err) {
        if (isStorageError(err)) this.#batch = Math.max(1, size >> 1)
        // the clock the batch stored was rolled back with it: read it again from the database
        this.#clocks.forget(accountId)
        throw err
      }
      this.#batch = Math.min(BATCH, size * 2)
      // committed: what the batch caused may leave now
      this.#faults.ok('scheduler')
      n += handled
      for (const effect of batch.effects) {
        const started = this.#start(effect)
        if (awaitEffects) pending.push(started)
      }
      if (pending.length > 0) {
        await Promise.all(pending.splice(0))
      } else if (handled < size || n >= MAX_EVENTS_PER_RUN) {
        break
      }
      // let requests in between batches; on the timer path, the rows stay in SQLite while the queue is full
      await new Promise((resolve) => setImmediate(resolve))
      if (!awaitEffects) await this.#room()
    }
    if (awaitEffects) {
      // deliveries started before this run (by the timer) may finish now and make the next callback due
      await this.#settle(accountId)
      if (this.#store.events.next(accountId, limit()) !== undefined && n < MAX_EVENTS_PER_RUN) return n + await this.#drain(accountId, limit, awaitEffects, onEvent)
    }
    return n
  }

  /**
   * One batch, inside its transaction: up to `batch.size` due events, their effects collected (not
   * started). An advance (`awaitEffects`) also stores the clock at the last event's due time in the
   * same transaction: a crash in the middle of an advance leaves the clock where the committed events
   * are, never behind the times they stamped.
   */
  #runBatch (accountId: string, batch: Batch, done: number, limit: () => number, awaitEffects: boolean, onEvent?: (dueAt: number) => void): number {
    let count = 0
    let lastDueAt = -Infinity
    for (; count < batch.size && done + count < MAX_EVENTS_PER_RUN; count++) {
      const event = this.#store.events.next(accountId, limit())
      if (!event || (awaitEffects && event.dueAt > batch.effectsAt)) break
      onEvent?.(event.dueAt)
      lastDueAt = event.dueAt
      const effect = this.#handle(event)
      if (effect) {
        batch.effects.push(effect)
        if (awaitEffects) batch.effectsAt = Math.min(batch.effectsAt, event.dueAt)
      }
    }
    if (awaitEffects && lastDueAt > this.#clocks.now(accountId)) this.#clocks.set(accountId, { now: lastDueAt })
    return count
  }

  async #start (effect: Effect): Promise<void> {
    try {
      await effect()
    } catch (err) {
      this.#log.error({ err }, 'effect of a due event failed')
    }
  }

  #handle (event: DueEvent): Effect | undefined {
    const handler = this.#handlers.get(event.kind)
    try {
      // a savepoint inside the batch
      return this.#store.transaction(() => {
        this.#store.events.delete(event.id)
        return handler?.(event)
      })
    } catch (err) {
      // the storage failed: the whole batch rolls back and is tried again later, the event with it
      if (isStorageError(err)) throw err
      // a bug: the event's savepoint rolled back; drop the row so it cannot fail forever, and say so
      this.#store.events.delete(event.id)
      this.#log.error({ err, event }, 'due event failed')
      return undefined
    }
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
    const at = Math.max(this.#clocks.time.now() + delay, this.#blockedUntil)
    delay = at - this.#clocks.time.now()
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

  /** A failed commit (or a bug) is not retried at once: the timer waits, growing to 30 s; logged once per kind. */
  #backOff (err: unknown): void {
    this.#blockedUntil = this.#clocks.time.now() + this.#faults.failed('scheduler', err)
  }

  #tick (): void {
    this.#timer = undefined
    this.#timerAt = Infinity
    if (!this.#running) return
    let due: Array<{ accountId: string }>
    try {
      due = this.#store.events.earliestByAccount().filter(({ accountId, dueAt }) => this.#clocks.realDelay(accountId, dueAt) === 0)
    } catch (err) {
      this.#backOff(err)
      this.rearm()
      return
    }
    // an account deleted since its events were looked up has nothing left to run: not a failure
    const gone = (err: unknown): number => { if (err instanceof ApiError && err.entry === ERRORS.ACCOUNT_NOT_FOUND) return 0; throw err }
    void Promise.all(due.map(async ({ accountId }) => await this.run(accountId).catch(gone)))
      .then(() => { this.#blockedUntil = 0 }, (err) => this.#backOff(err))
      .finally(() => this.rearm())
  }
}
