import type { Logger } from 'pino'
import { Agent, request } from 'undici'
import type { Store } from '../store/index.js'
import type { Flow, Message } from '../store/flows.js'
import type { Callback, CallbackKind } from '../store/callbacks.js'
import type { DueEvent } from '../store/events.js'
import type { Ids } from '../ids.js'
import type { Clocks } from './clock.js'
import type { SimulationHooks } from './simulation.js'
import { trackingRecord } from './tracking.js'
import { canonical } from './channels.js'

const MINUTE = 60_000
// provider-api.md §6: retries after 1m, 2m, 5m, 10m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 6h52m (24 h in all), then give up
export const RETRY_DELAYS_MS = [1, 2, 5, 10, 20, 30, 60, 120, 180, 240, 360, 412].map((m) => m * MINUTE)
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1

export type FetchLike = (url: string, init: { method: string, headers: Record<string, string>, body: string, signal: AbortSignal }) => Promise<{ status: number, body?: { cancel: () => Promise<void> } | null }>

export interface CallbackOptions {
  timeoutMs: number
  concurrency: number
  userAgent: string
  retentionHours: number
  maxRows: number
  fetch: FetchLike
}

/** One finished HTTP attempt, as the live event stream and /_sandbox/callbacks show it. */
export interface AttemptEvent {
  callbackId: string
  accountId: string
  flowId: string
  kind: CallbackKind
  attempt: number
  at: number
  status: number | null
  error: string | null
  latencyMs: number
  state: Callback['state']
  nextAttemptAt: number | null
}

/**
 * The default outbound HTTP: undici's request on one keep-alive agent, cheaper per attempt than fetch.
 * A 2xx must arrive within the acknowledgement window (§6): headers and body alike time out.
 */
export function keepAliveFetch (timeoutMs: number, connections: number): FetchLike & { close: () => Promise<void> } {
  const agent = new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connections, keepAliveTimeout: 4_000 })
  const send = async (url: string, init: Parameters<FetchLike>[1]): Promise<{ status: number, body: { cancel: () => Promise<void> } }> => {
    const res = await request(url, { method: 'POST', headers: init.headers, body: init.body, signal: init.signal, dispatcher: agent })
    return { status: res.statusCode, body: { cancel: async () => { await res.body.dump() } } }
  }
  return Object.assign(send, { close: async () => await agent.close() })
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_ABORTED'])

/** Why a request failed, in a few words (refused connection, DNS failure, timeout…). */
function describeFailure (err: unknown, timeoutMs: number): string {
  const e = err as { name?: string, code?: string, message?: string, cause?: { code?: string, message?: string } }
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || TIMEOUT_CODES.has(e.code ?? '')) return `timeout: no answer within ${timeoutMs} ms`
  const code = e.cause?.code ?? e.code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'DNS lookup failed'
  if (code === 'ECONNRESET') return 'connection reset'
  return [code, e.cause?.message ?? e.message].filter(Boolean).join(': ') || 'request failed'
}

/**
 * Durable callback delivery (provider-api.md §6). A callback is a row made in the transaction of the
 * change that causes it; its attempts are due events on the account's clock; one flow's callbacks
 * leave in order, different flows' run concurrently (bounded). An attempt in flight when the process
 * died is recorded as interrupted and tried again at start: at least once.
 */
export class CallbackService {
  #store: Store
  #clocks: Clocks
  #ids: Ids
  #log: Logger
  #o: CallbackOptions
  #inFlight = new Map<string, Set<Promise<void>>>()
  #slots: number
  #queue: Array<() => void> = []
  #listeners: Array<(e: AttemptEvent) => void> = []
  #finishedSincePrune = 0
  /** called when a callback becomes due outside a scheduler run, so the timer can be set */
  onDue: (accountId: string, dueAt: number) => void = () => {}

  constructor (store: Store, clocks: Clocks, ids: Ids, log: Logger, options: CallbackOptions) {
    this.#store = store
    this.#clocks = clocks
    this.#ids = ids
    this.#log = log
    this.#o = options
    this.#slots = options.concurrency
  }

  onAttempt (listener: (e: AttemptEvent) => void): void {
    this.#listeners.push(listener)
  }

  /** The simulation's hooks: what becomes a callback, per the flow's strategy. */
  readonly hooks: SimulationHooks = {
    messageChanged: (flow: Flow, _message: Message, at: number) => {
      const strategy = flow.request.callback?.strategy
      if (strategy === undefined || canonical(['OnCompletion'], strategy) !== undefined) return
      // a change after completion (a late SEEN) makes no callback: the completion one stays the last
      if (flow.status === 'Succeeded' || flow.status === 'Failed') return
      this.#enqueue(flow, 'change', at)
    },
    flowCompleted: (flow: Flow, at: number) => {
      if (flow.request.callback) this.#enqueue(flow, 'completion', at)
    }
  }

  #enqueue (flow: Flow, kind: CallbackKind, at: number): void {
    const body = JSON.stringify(trackingRecord(flow, this.#store.flows.messagesOf(flow.id)))
    this.#create(flow.accountId, flow.id, kind, flow.request.callback!.url, body, at, !this.#store.callbacks.busy(flow.id))
  }

  #create (accountId: string, flowId: string, kind: CallbackKind, url: string, body: string, at: number, due: boolean): Callback {
    const callback: Callback = {
      id: this.#ids.uuid(),
      accountId,
      flowId,
      seq: this.#store.callbacks.nextSeq(flowId),
      kind,
      url,
      body,
      state: due ? 'pending' : 'waiting',
      attempts: 0,
      nextAttemptAt: due ? at : null,
      createdAt: at,
      createdReal: this.#clocks.time.now(),
      finishedAt: null
    }
    this.#store.callbacks.insert(callback)
    if (due) this.#due(callback, at)
    return callback
  }

  #due (callback: Callback, at: number): void {
    this.#store.events.add({ accountId: callback.accountId, dueAt: at, kind: 'callback.attempt', flowId: callback.flowId, messageId: null, payload: { callbackId: callback.id } })
  }

  /** sandbox.md: a recipient's Viber reply, POSTed to the step's inboundUrl (durably, like a callback). */
  reply (flow: Flow, message: Message, url: string, text: string, at: number): Callback {
    const body = JSON.stringify({
      messageId: this.#ids.uuid(),
      inReplyTo: message.id,
      trackingId: flow.id,
      channel: 'Viber',
      from: message.to,
      to: (flow.request.flow[message.stepIdx] as { senderInfoTrackingId: string }).senderInfoTrackingId,
      text,
      receivedAt: new Date(at).toISOString()
    })
    return this.#store.transaction(() => this.#create(flow.accountId, flow.id, 'inbound', url, body, at, true))
  }

  /** The `callback.attempt` event: marks the attempt in flight (in the event's transaction) and sends it. */
  handle (event: DueEvent): Promise<void> | undefined {
    const callback = this.#store.callbacks.get(String(event.payload.callbackId))
    if (!callback || callback.state !== 'pending') return undefined
    callback.state = 'delivering'
    callback.attempts += 1
    callback.nextAttemptAt = null
    this.#store.callbacks.update(callback)
    return this.#track(callback.accountId, this.#send(callback, event.dueAt, true))
  }

  /** POST /_sandbox/callbacks/{id}/redeliver: one more attempt now, outside the retry schedule. */
  async redeliver (callback: Callback): Promise<void> {
    const at = this.#clocks.now(callback.accountId)
    const previous = callback.state
    callback.state = 'delivering'
    callback.attempts += 1
    this.#store.callbacks.update(callback)
    await this.#track(callback.accountId, this.#send(callback, at, false, previous))
  }

  async #send (callback: Callback, at: number, retry: boolean, previous?: Callback['state']): Promise<void> {
    await this.#acquire()
    const realAt = this.#clocks.time.now()
    let status: number | null = null
    let error: string | null = null
    try {
      const res = await this.#o.fetch(callback.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': this.#o.userAgent,
          'x-sandbox-callback-id': callback.id,
          'x-sandbox-attempt': String(callback.attempts),
          'x-sandbox-tracking-id': callback.flowId
        },
        body: callback.body,
        signal: AbortSignal.timeout(this.#o.timeoutMs)
      })
      status = res.status
      await res.body?.cancel().catch(() => {})
      if (status < 200 || status > 299) error = `HTTP ${status}`
    } catch (err) {
      error = describeFailure(err, this.#o.timeoutMs)
    } finally {
      this.#release()
    }
    const latencyMs = this.#clocks.time.now() - realAt
    this.#finishAttempt(callback, { at, realAt, status, error, latencyMs }, retry, previous)
  }

  #finishAttempt (callback: Callback, r: { at: number, realAt: number, status: number | null, error: string | null, latencyMs: number }, retry: boolean, previous?: Callback['state']): void {
    if (!this.#store.db.open) return
    let event: AttemptEvent | undefined
    this.#store.transaction(() => {
      const current = this.#store.callbacks.get(callback.id)
      if (!current) return // pruned or reset while in flight
      this.#store.callbacks.addAttempt({ callbackId: callback.id, attempt: callback.attempts, sandboxAt: r.at, realAt: r.realAt, status: r.status, error: r.error, latencyMs: r.latencyMs })
      const ok = r.error === null
      if (ok) {
        current.state = 'delivered'
        current.finishedAt = r.at
      } else if (retry && callback.attempts < MAX_ATTEMPTS) {
        current.state = 'pending'
        current.nextAttemptAt = r.at + RETRY_DELAYS_MS[callback.attempts - 1]
        this.#due(current, current.nextAttemptAt)
      } else {
        current.state = retry ? 'failed' : (previous === 'delivered' ? 'delivered' : 'failed')
        current.finishedAt ??= r.at
      }
      current.attempts = callback.attempts
      this.#store.callbacks.update(current)
      if (current.state === 'delivered' || current.state === 'failed') this.#promoteNext(current, r.at)
      event = { callbackId: current.id, accountId: current.accountId, flowId: current.flowId, kind: current.kind, attempt: callback.attempts, at: r.at, status: r.status, error: r.error, latencyMs: r.latencyMs, state: current.state, nextAttemptAt: current.nextAttemptAt }
    })
    if (!event) return
    if (event.nextAttemptAt !== null) this.onDue(event.accountId, event.nextAttemptAt)
    for (const l of this.#listeners) l(event)
    if (++this.#finishedSincePrune >= 1000) this.prune()
  }

  /** The next callback of the flow may leave once this one has finished. */
  #promoteNext (finished: Callback, at: number): void {
    if (finished.kind === 'inbound') return
    const next = this.#store.callbacks.nextWaiting(finished.flowId)
    if (!next || this.#store.callbacks.active(finished.flowId)) return
    next.state = 'pending'
    next.nextAttemptAt = at
    this.#store.callbacks.update(next)
    this.#due(next, at)
    this.onDue(next.accountId, at)
  }

  /** At start: attempts that were in flight when the process stopped are recorded and tried again now. */
  recover (): void {
    this.#store.transaction(() => {
      for (const c of this.#store.callbacks.delivering()) {
        const now = this.#clocks.now(c.accountId)
        this.#store.callbacks.addAttempt({ callbackId: c.id, attempt: c.attempts, sandboxAt: now, realAt: this.#clocks.time.now(), status: null, error: 'interrupted: the sandbox stopped during this attempt', latencyMs: 0 })
        c.state = 'pending'
        c.nextAttemptAt = now
        this.#store.callbacks.update(c)
        this.#due(c, now)
      }
    })
  }

  /** Settles when the account's deliveries in flight have finished (advance waits for their effects). */
  async settle (accountId: string): Promise<void> {
    for (;;) {
      const pending = this.#inFlight.get(accountId)
      if (!pending || pending.size === 0) return
      await Promise.allSettled([...pending])
    }
  }

  async #track (accountId: string, p: Promise<void>): Promise<void> {
    let set = this.#inFlight.get(accountId)
    if (!set) this.#inFlight.set(accountId, set = new Set())
    const tracked = p.catch((err) => this.#log.error({ err }, 'callback delivery failed')).finally(() => set.delete(tracked))
    set.add(tracked)
    await tracked
  }

  async #acquire (): Promise<void> {
    if (this.#slots > 0) { this.#slots--; return }
    await new Promise<void>((resolve) => this.#queue.push(resolve))
  }

  #release (): void {
    const next = this.#queue.shift()
    if (next) next()
    else this.#slots++
  }

  /** Bounded history: finished callbacks past the retention age (per account clock) or the row cap are dropped. */
  prune (): number {
    this.#finishedSincePrune = 0
    if (!this.#store.db.open) return 0
    let n = 0
    for (const account of this.#store.accounts.list()) {
      n += this.#store.callbacks.pruneOlderThan(account.id, this.#clocks.now(account.id) - this.#o.retentionHours * 3_600_000)
    }
    n += this.#store.callbacks.pruneBeyond(this.#o.maxRows)
    return n
  }
}
