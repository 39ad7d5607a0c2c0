import { ApiError, ERRORS, validationError } from '../errors.js'
import type { Tracking } from '../schemas/tracking.js'
import type { Store } from '../store/index.js'
import { FLOW_STATUSES, type FlowStatus } from '../vocabulary.js'
import { canonical } from './channels.js'
import type { TimeSource } from './clock.js'
import { trackingRecord } from './tracking.js'

/*
 * sandbox.md: GET /_sandbox/flows/{trackingId}/wait, without HTTP. A wait listens to the engine's
 * change events (told after each commit), times out on the injected time source (FakeTime in tests),
 * and every wait in progress can be ended at once when the server closes.
 */

/** What a wait listens to: the engine's `message` and `completed` events. */
export interface FlowSignals {
  on: (event: 'message' | 'completed', listener: (e: { flow: { id: string } }) => void) => unknown
  off: (event: 'message' | 'completed', listener: (e: { flow: { id: string } }) => void) => unknown
}

export const DEFAULT_WAIT_STATUSES = 'Succeeded,Failed'

/** "succeeded, failed" → ['Succeeded', 'Failed'], in the provider's spelling; a 400 naming what is not a flow status. */
export function flowStatuses (list: string): FlowStatus[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const wanted = names.map((s) => canonical(FLOW_STATUSES, s) as FlowStatus | undefined)
  const bad = names.filter((_, i) => wanted[i] === undefined)
  if (bad.length > 0 || names.length === 0) {
    throw validationError([{ path: 'status', entry: ERRORS.VALIDATION, detail: `${bad.map((s) => `"${s}"`).join(', ') || 'nothing'} is not a flow status: give one or more of ${FLOW_STATUSES.join(', ')}, comma-separated.` }])
  }
  return wanted.filter((s): s is FlowStatus => s !== undefined)
}

export class FlowWaits {
  #store: Store
  #signals: FlowSignals
  #time: TimeSource
  #ends = new Set<() => void>()

  constructor (store: Store, signals: FlowSignals, time: TimeSource) {
    this.#store = store
    this.#signals = signals
    this.#time = time
  }

  /**
   * The flow's tracking record once it is in one of `wanted` (at once when it already is); a 408
   * after `timeoutMs` or when `signal` aborts (the client left); a 404 when the flow is not the
   * account's, or is removed while awaited.
   */
  async wait (accountId: string, trackingId: string, wanted: readonly FlowStatus[], timeoutMs: number, signal?: AbortSignal): Promise<Tracking> {
    // only the flow's status is needed on each change: the full record is built once, for the answer
    const reached = (): boolean => {
      const flow = this.#store.flows.flow(trackingId)
      if (!flow || flow.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
      return wanted.includes(flow.status)
    }
    if (!reached()) {
      await new Promise<void>((resolve, reject) => {
        const check = (e: { flow: { id: string } }): void => {
          if (e.flow.id !== trackingId) return
          // the flow (or its account) may be gone by now: answer with that error, never throw in the emitter
          try {
            if (reached()) done()
          } catch (err) {
            done(err instanceof ApiError ? err : new ApiError(ERRORS.TRACKING_NOT_FOUND))
          }
        }
        const done = (error?: ApiError): void => {
          this.#time.clearTimeout(timer)
          this.#signals.off('message', check)
          this.#signals.off('completed', check)
          signal?.removeEventListener('abort', gone)
          this.#ends.delete(gone)
          if (error) reject(error)
          else resolve()
        }
        const gone = (): void => done(new ApiError(ERRORS.WAIT_TIMEOUT))
        const timer = this.#time.setTimeout(() => done(new ApiError(ERRORS.WAIT_TIMEOUT, `The flow did not reach ${wanted.join(' or ')} within ${timeoutMs} ms.`)), timeoutMs)
        this.#signals.on('message', check)
        this.#signals.on('completed', check)
        signal?.addEventListener('abort', gone)
        this.#ends.add(gone)
      })
    }
    const flow = this.#store.flows.flow(trackingId)
    if (!flow || flow.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
    return trackingRecord(flow, this.#store.flows.messagesOf(flow.id))
  }

  /** Ends every wait in progress with a 408 (before the server closes, or close() would wait for their timeouts). */
  endAll (): void {
    for (const end of this.#ends) end()
  }
}
