import type { Logger } from 'pino'
import { storageErrorKind } from '../store/faults.js'
import type { TimeSource } from './clock.js'

// a failing write is tried again after 100 ms, doubling up to 30 s (real time)
export const BACKOFF_MIN_MS = 100
export const BACKOFF_MAX_MS = 30_000
// each kind of failure is logged at most once per interval, with how many more there were
export const FAULT_LOG_INTERVAL_MS = 30_000

/**
 * Backoff and quiet logging for writes that fail for the storage's sake (disk full, database locked):
 * one delay per place (`where`), growing while it keeps failing and reset by the first success; one
 * log line per kind of error per interval instead of one per event.
 */
export class Faults {
  #log: Logger
  #time: TimeSource
  #delay = new Map<string, number>()
  #logged = new Map<string, { at: number, more: number }>()

  constructor (log: Logger, time: TimeSource) {
    this.#log = log
    this.#time = time
  }

  /** Records a failure at `where`; returns how long to wait (ms) before trying again. */
  failed (where: string, err: unknown): number {
    const delay = Math.min(BACKOFF_MAX_MS, (this.#delay.get(where) ?? BACKOFF_MIN_MS / 2) * 2)
    this.#delay.set(where, delay)
    const kind = `${where}:${storageErrorKind(err)}`
    const now = this.#time.now()
    const last = this.#logged.get(kind)
    if (last === undefined || now - last.at >= FAULT_LOG_INTERVAL_MS) {
      this.#log.error({ err, where, retryInMs: delay, sameErrorsSinceLastLine: last?.more ?? 0 }, `${where}: a write failed, trying again with backoff`)
      this.#logged.set(kind, { at: now, more: 0 })
    } else {
      last.more++
    }
    return delay
  }

  /** A write at `where` succeeded: the backoff starts over (and the recovery is logged once). */
  ok (where: string): void {
    if (!this.#delay.has(where)) return
    this.#delay.delete(where)
    for (const kind of this.#logged.keys()) if (kind.startsWith(`${where}:`)) this.#logged.delete(kind)
    this.#log.info({ where }, `${where}: writes succeed again`)
  }

  /** Whether `where` is backing off now. */
  failing (where: string): boolean {
    return this.#delay.has(where)
  }
}
