import type { Store } from '../store/index.js'
import { ApiError, ERRORS } from '../errors.js'
import type { ClockMode, ClockState } from '../store/accounts.js'

/**
 * Where real time comes from. Only this module's default touches Date.now and setTimeout:
 * everything in engine/ and store/ asks a Clocks instance, and tests can pass their own source.
 */
export interface TimeSource {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (handle: unknown) => void
}

export const systemTime: TimeSource = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
}

export interface ClockView {
  now: number
  mode: ClockMode
  scale: number
}

/** The latest a sandbox clock may read (sandbox choice): far from the end of JavaScript dates, so every due time stays a date. */
export const MAX_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

/** Largest delay setTimeout takes; a longer wait is cut into steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * One clock per account (sandbox.md "Time"): realtime, sandbox time = base + (real − realBase) × scale,
 * or manual, standing still until advanced. States live in the accounts table and are cached here.
 */
export class Clocks {
  readonly time: TimeSource
  #store: Store
  #cache = new Map<string, ClockState>()

  constructor (store: Store, time: TimeSource = systemTime) {
    this.#store = store
    this.time = time
  }

  /** The state a new account starts with. */
  initial (mode: ClockMode, scale: number): ClockState {
    const real = this.time.now()
    return { mode, scale, baseSandbox: real, baseReal: real }
  }

  #state (accountId: string): ClockState {
    let state = this.#cache.get(accountId)
    if (!state) {
      state = this.#store.accounts.get(accountId)?.clock
      // an account deleted while a control call or an advance for it ran: the call answers 404
      if (!state) throw new ApiError(ERRORS.ACCOUNT_NOT_FOUND, `Account ${accountId} not found: it was deleted.`)
      this.#cache.set(accountId, state)
    }
    return state
  }

  now (accountId: string): number {
    return sandboxAt(this.#state(accountId), this.time.now())
  }

  view (accountId: string): ClockView {
    const state = this.#state(accountId)
    return { now: sandboxAt(state, this.time.now()), mode: state.mode, scale: state.scale }
  }

  /** Switches mode or scale and/or jumps to `now`; the caller has checked that `now` is not in the past. */
  set (accountId: string, change: { mode?: ClockMode, scale?: number, now?: number }): ClockView {
    const state = this.#state(accountId)
    const real = this.time.now()
    const next: ClockState = {
      mode: change.mode ?? state.mode,
      scale: change.scale ?? state.scale,
      baseSandbox: Math.min(change.now ?? sandboxAt(state, real), MAX_TIME),
      baseReal: real
    }
    this.#store.accounts.setClock(accountId, next)
    this.#cache.set(accountId, next)
    return this.view(accountId)
  }

  /** Real milliseconds until the account's clock reads `sandboxTime`; undefined when it never will by itself. */
  realDelay (accountId: string, sandboxTime: number): number | undefined {
    const state = this.#state(accountId)
    // the clock stops at MAX_TIME: what is due after it never comes
    if (sandboxTime > MAX_TIME) return undefined
    if (state.mode === 'manual') return sandboxTime <= sandboxAt(state, 0) ? 0 : undefined
    const wait = (sandboxTime - sandboxAt(state, this.time.now())) / state.scale
    return Math.min(Math.max(0, Math.ceil(wait)), MAX_TIMER_MS)
  }

  forget (accountId: string): void {
    this.#cache.delete(accountId)
  }
}

/** The clock's reading at real time `real`: a running clock stops at MAX_TIME (sandbox choice). */
function sandboxAt (state: ClockState, real: number): number {
  // a database written before the bound existed may hold a later time: it reads as the bound
  if (state.mode === 'manual') return Math.min(MAX_TIME, state.baseSandbox)
  return Math.min(MAX_TIME, state.baseSandbox + Math.floor((real - state.baseReal) * state.scale))
}
