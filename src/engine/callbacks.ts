import type { Logger } from 'pino'
import type { Agent } from 'undici'
import type { Store } from '../store/index.js'
import type { Flow, Message } from '../store/flows.js'
import type { Callback, CallbackKind } from '../store/callbacks.js'
import type { DueEvent } from '../store/events.js'
import type { Ids } from '../ids.js'
import type { Clocks } from './clock.js'
import type { Schedule, SimulationHooks } from './simulation.js'
import type { Effect } from './scheduler.js'
import type { Faults } from './faults.js'
import { isStorageError } from '../store/faults.js'
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
  /** attempts that may wait for a slot before the scheduler holds back the next batch */
  queueMax: number
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
  // undici is loaded with the first callback, not at start (issue 15, "a quick start"): most runs send none
  let client: Promise<{ agent: Agent, request: typeof import('undici').request }> | undefined
  const load = async (): Promise<{ agent: Agent, request: typeof import('undici').request }> => {
    const loaded = await import('undici')
    // a CommonJS module: Node's loader names its exports, a bundle's chunk only has the default
    const undici = ((loaded as unknown as { default?: typeof loaded }).default ?? loaded)
    return { agent: new undici.Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connections, keepAliveTimeout: 4_000 }), request: undici.request }
  }
  const send = async (url: string, init: Parameters<FetchLike>[1]): Promise<{ status: number, body: { cancel: () => Promise<void> } }> => {
    const { agent, request } = await (client ??= load())
    const res = await request(url, { method: 'POST', headers: init.headers, body: init.body, signal: init.signal, dispatcher: agent })
    return { status: res.statusCode, body: { cancel: async () => { await res.body.dump() } } }
  }
  return Object.assign(send, { close: async () => { if (client !== undefined) await (await client).agent.close() } })
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
 * change that causes it, its body rendered at the end of that change (the state after all of it); its
 * attempts are due events on the account's clock, and an attempt leaves only after the transaction
 * that made it due has committed. One flow's callbacks leave in order; different flows' run
 * concurrently, at most `concurrency` on the wire. An attempt is `delivering` only once it holds a
 * slot (on the wire); one on the wire when the process died is recorded as interrupted and tried again
 * at start: at least once, always with the callback's one id.
 */
export class CallbackService {
  #store: Store
  #clocks: Clocks
  #ids: Ids
  #log: Logger
  #o: CallbackOptions
  #schedule: Schedule
  #faults: Faults
  /** per account: attempts queued for a slot or on the wire (advance waits for them) */
  #inFlight = new Map<string, Set<Promise<void>>>()
  /** attempts on the wire (a shutdown waits for these only) */
  #onWire = new Set<Promise<void>>()
  /** writes put off by a storage error, tried again with backoff (real-time timers) */
  #retries = new Set<unknown>()
  #slots: number
  #queue: Array<(go: boolean) => void> = []
  /** resolved when the queue of attempts waiting for a slot falls below queueMax */
  #roomWaiters: Array<() => void> = []
  #stopped = false
  #listeners: Array<(e: AttemptEvent) => void> = []
  #finishedSincePrune = 0
  /** the callbacks the change in progress causes, created when it ends */
  #collected: Array<{ flowId: string, accountId: string, url: string, kind: CallbackKind, at: number }> = []

  constructor (store: Store, clocks: Clocks, ids: Ids, log: Logger, options: CallbackOptions, schedule: Schedule, faults: Faults) {
    this.#store = store
    this.#clocks = clocks
    this.#ids = ids
    this.#log = log
    this.#o = options
    this.#slots = options.concurrency
    this.#schedule = schedule
    this.#faults = faults
  }

  onAttempt (listener: (e: AttemptEvent) => void): void {
    this.#listeners.push(listener)
  }

  /** The simulation's hooks: what becomes a callback, per the flow's strategy. */
  readonly hooks: SimulationHooks = {
    messageChanged: (flow: Flow, _message: Message, at: number) => {
      const strategy = flow.request.callback?.strategy
      if (strategy === undefined || canonical(['OnCompletion'], strategy) !== undefined) return
      // §6 "on every message status change": a SEEN after completion too, after the completion callback
      this.#collect(flow, 'change', at)
    },
    flowCompleted: (flow: Flow, at: number) => {
      if (flow.request.callback) this.#collect(flow, 'completion', at)
    },
    changeEnded: () => this.#createCollected(),
    changeAborted: () => { this.#collected = [] }
  }

  #collect (flow: Flow, kind: CallbackKind, at: number): void {
    this.#collected.push({ flowId: flow.id, accountId: flow.accountId, url: flow.request.callback!.url, kind, at })
  }

  /** §6: each body is the record GET /failover/tracking/{id} returns once the whole change is stored. */
  #createCollected (): void {
    if (this.#collected.length === 0) return
    const collected = this.#collected
    this.#collected = []
    const bodies = new Map<string, string>()
    for (const c of collected) {
      let body = bodies.get(c.flowId)
      if (body === undefined) {
        const flow = this.#store.flows.flow(c.flowId)!
        body = JSON.stringify(trackingRecord(flow, this.#store.flows.messagesOf(flow.id)))
        bodies.set(c.flowId, body)
      }
      this.#create(c.accountId, c.flowId, c.kind, c.url, body, c.at, !this.#store.callbacks.busy(c.flowId))
    }
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
    this.#schedule({ accountId: callback.accountId, dueAt: at, kind: 'callback.attempt', flowId: callback.flowId, messageId: null, payload: { callbackId: callback.id } })
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

  /**
   * The `callback.attempt` event (inside its transaction): nothing is sent here. The attempt is an
   * effect the scheduler starts after COMMIT; it waits for a slot, and only then is it `delivering`.
   */
  handle (event: DueEvent): Effect | undefined {
    const callback = this.#store.callbacks.get(String(event.payload.callbackId))
    if (!callback || callback.state !== 'pending') return undefined
    return async () => await this.#track(callback.accountId, this.#attempt(callback.id, callback.accountId, event.dueAt))
  }

  /** One scheduled attempt: a slot, then `delivering` (committed), then the POST, then its record. */
  async #attempt (callbackId: string, accountId: string, at: number): Promise<void> {
    // stopping: a queued attempt stays pending, and its due event is made again at the next start
    if (!await this.#acquire()) return
    let callback: Callback | undefined
    try {
      callback = this.#store.transaction(() => {
        const c = this.#store.callbacks.get(callbackId)
        if (!c || c.state !== 'pending') return undefined // delivered by a redelivery, reset, pruned
        c.state = 'delivering'
        c.attempts += 1
        c.nextAttemptAt = null
        this.#store.callbacks.update(c)
        return c
      })
    } catch (err) {
      this.#release()
      if (!this.#store.db.open) return
      if (!isStorageError(err)) throw err
      // nothing was sent: the callback stays pending and the attempt is tried again when writes succeed
      this.#later('callbacks', err, () => { void this.#track(accountId, this.#attempt(callbackId, accountId, at)) })
      return
    }
    if (!callback) { this.#release(); return }
    this.#faults.ok('callbacks')
    await this.#wire(this.#sendAndRecord(callback, at, true))
  }

  /** POST /_sandbox/callbacks/{id}/redeliver: one more attempt now, outside the retry schedule. */
  async redeliver (callback: Callback): Promise<void> {
    const at = this.#clocks.now(callback.accountId)
    const previous = callback.state
    if (!await this.#acquire()) return
    let marked: Callback | undefined
    try {
      marked = this.#store.transaction(() => {
        const c = this.#store.callbacks.get(callback.id)
        if (!c) return undefined
        c.state = 'delivering'
        c.attempts += 1
        this.#store.callbacks.update(c)
        return c
      })
    } catch (err) {
      this.#release()
      throw err // a storage error: the route answers 503, nothing was sent
    }
    if (!marked) { this.#release(); return }
    await this.#track(callback.accountId, this.#wire(this.#sendAndRecord(marked, at, false, previous)))
  }

  async #wire (p: Promise<void>): Promise<void> {
    this.#onWire.add(p)
    try {
      await p
    } finally {
      this.#onWire.delete(p)
    }
  }

  /** The POST (the caller holds a slot; it is released when the answer is in), then its record. */
  async #sendAndRecord (callback: Callback, at: number, retry: boolean, previous?: Callback['state']): Promise<void> {
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
    this.#record(callback, { at, realAt, status, error, latencyMs }, retry, previous)
  }

  /** Stores an attempt's result; a storage error puts it off (the callback shows `delivering` meanwhile). */
  #record (callback: Callback, r: AttemptResult, retry: boolean, previous?: Callback['state']): void {
    try {
      this.#finishAttempt(callback, r, retry, previous)
      this.#faults.ok('callbacks')
    } catch (err) {
      if (!this.#store.db.open) return
      if (!isStorageError(err)) throw err
      // not retried on the request path (advance does not wait for the disk); a restart meanwhile
      // records it as interrupted and sends it again
      this.#later('callbacks', err, () => this.#record(callback, r, retry, previous))
    }
  }

  /** Runs `fn` again after the backoff for a storage error (real time), unless stopped meanwhile. */
  #later (where: string, err: unknown, fn: () => void): void {
    if (this.#stopped) return
    const delay = this.#faults.failed(where, err)
    const timer = this.#clocks.time.setTimeout(() => {
      this.#retries.delete(timer)
      if (this.#stopped || !this.#store.db.open) return
      try {
        fn()
      } catch (e) {
        this.#log.error({ err: e }, 'callback write failed')
      }
    }, delay)
    this.#retries.add(timer)
  }

  #finishAttempt (callback: Callback, r: AttemptResult, retry: boolean, previous?: Callback['state']): void {
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
  }

  /**
   * At start: attempts that were on the wire when the process stopped are recorded as interrupted and
   * tried again now; pending callbacks whose due event was already taken (queued for a slot) get it back,
   * using no retry.
   */
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
      for (const c of this.#store.callbacks.pendingWithoutEvent()) {
        this.#due(c, c.nextAttemptAt ?? this.#clocks.now(c.accountId))
      }
    })
  }

  /** Settles when the account's deliveries (queued or on the wire) have finished (advance waits for their effects). */
  async settle (accountId: string): Promise<void> {
    for (;;) {
      const pending = this.#inFlight.get(accountId)
      if (!pending || pending.size === 0) return
      await Promise.allSettled([...pending])
    }
  }

  /**
   * Shutdown: queued attempts stay pending (nothing is marked, no retry is used), writes put off by a
   * storage error are dropped; waits only for the attempts on the wire, each bounded by the
   * acknowledgement window.
   */
  async stop (): Promise<void> {
    this.#stopped = true
    for (const go of this.#queue.splice(0)) go(false)
    for (const go of this.#roomWaiters.splice(0)) go()
    for (const timer of this.#retries) this.#clocks.time.clearTimeout(timer)
    this.#retries.clear()
    await Promise.allSettled([...this.#onWire])
  }

  async #track (accountId: string, p: Promise<void>): Promise<void> {
    let set = this.#inFlight.get(accountId)
    if (!set) this.#inFlight.set(accountId, set = new Set())
    const tracked = p.catch((err) => this.#log.error({ err }, 'callback delivery failed')).finally(() => set.delete(tracked))
    set.add(tracked)
    await tracked
  }

  /** A concurrency slot; false when the service is stopping (the attempt is not made). */
  async #acquire (): Promise<boolean> {
    if (this.#stopped) return false
    if (this.#slots > 0) { this.#slots--; return true }
    return await new Promise<boolean>((resolve) => this.#queue.push(resolve))
  }

  #release (): void {
    const next = this.#queue.shift()
    if (next) next(true)
    else this.#slots++
    if (this.#queue.length < this.#o.queueMax) for (const go of this.#roomWaiters.splice(0)) go()
  }

  /**
   * Settles once fewer than queueMax attempts wait for a slot (SANDBOX_CALLBACK_QUEUE_MAX): the
   * scheduler's timer path waits here between batches, so due attempts stay rows in SQLite rather
   * than promises in memory.
   */
  async room (): Promise<void> {
    if (this.#stopped || this.#queue.length < this.#o.queueMax) return
    await new Promise<void>((resolve) => this.#roomWaiters.push(resolve))
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

interface AttemptResult { at: number, realAt: number, status: number | null, error: string | null, latencyMs: number }
