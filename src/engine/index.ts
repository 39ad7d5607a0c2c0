import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import type { Store } from '../store/index.js'
import type { Flow, Message } from '../store/flows.js'
import type { ClockMode } from '../store/accounts.js'
import type { Ids } from '../ids.js'
import type { SeedAccount } from '../schemas/seed.js'
import { ApiError, ERRORS } from '../errors.js'
import { Clocks, MAX_TIME, type ClockView, type TimeSource } from './clock.js'
import { Scheduler, type AdvanceResult } from './scheduler.js'
import { Simulation } from './simulation.js'
import { checkFlow, flowWarnings, normalize, stepsIndex, type AcceptInput } from './accept.js'
import { iso, trackingRecord } from './tracking.js'
import { canonical, type Channel } from './channels.js'
import { FORCEABLE, DETAILED_STATUSES } from './statuses.js'
import { CallbackService, keepAliveFetch, type AttemptEvent, type CallbackOptions, type FetchLike } from './callbacks.js'
import { Faults } from './faults.js'

export interface EngineOptions {
  store: Store
  ids: Ids
  log: Logger
  time?: TimeSource
  /** what new accounts' clocks start as (SANDBOX_CLOCK, SANDBOX_TIME_SCALE) */
  clockMode: ClockMode
  timeScale: number
  callbacks: Omit<CallbackOptions, 'fetch'> & { fetch?: FetchLike }
}

// finished callbacks are pruned this often (real time), besides every 1000 deliveries
const PRUNE_EVERY_MS = 10 * 60_000

/** What the engine tells listeners (long-polls, the live event stream), after the change is stored. */
export interface EngineEventMap {
  message: [{ flow: Flow, message: Message, at: number }]
  completed: [{ flow: Flow, at: number }]
  callback: [AttemptEvent]
}

/** The 200 body of a send (§2, §3): the request as stored, with its trackingId and createdAt. */
function acceptResponse (flow: Flow): Record<string, unknown> {
  const response: Record<string, unknown> = { trackingId: flow.id }
  if (flow.kind === 'transactional') response.flowKind = 'transactional'
  response.flow = flow.request.flow
  if (flow.request.callback) response.callback = flow.request.callback
  if (flow.request.restrictions !== undefined) response.restrictions = flow.request.restrictions
  response.createdAt = iso(flow.createdAt)
  return response
}

/** The simulation behind the API: accepts flows, runs their due events, answers what happened. No HTTP here. */
export class Engine {
  readonly events = new EventEmitter<EngineEventMap>()
  readonly store: Store
  readonly clocks: Clocks
  readonly scheduler: Scheduler
  readonly simulation: Simulation
  readonly callbacks: CallbackService
  readonly ids: Ids
  readonly log: Logger
  #pruneTimer: unknown
  /** the keep-alive client made here (none when the caller passed its own fetch) */
  #http: ReturnType<typeof keepAliveFetch> | undefined
  #clockMode: ClockMode
  #timeScale: number

  constructor (o: EngineOptions) {
    this.store = o.store
    this.ids = o.ids
    this.log = o.log
    this.clocks = new Clocks(o.store, o.time)
    const faults = new Faults(o.log, this.clocks.time)
    this.scheduler = new Scheduler(o.store, this.clocks, o.log, faults)
    // the scheduler is the one place anything becomes due
    const schedule = (event: Parameters<Scheduler['schedule']>[0]): void => this.scheduler.schedule(event)
    this.simulation = new Simulation(o.store, o.ids, schedule)
    this.#clockMode = o.clockMode
    this.#timeScale = o.timeScale
    const handle = (event: Parameters<Simulation['handle']>[0]): undefined => { this.simulation.handle(event) }
    this.scheduler.on('message.status', handle)
    this.scheduler.on('message.expire', handle)
    this.events.setMaxListeners(0)
    if (o.callbacks.fetch === undefined) this.#http = keepAliveFetch(o.callbacks.timeoutMs, o.callbacks.concurrency)
    this.callbacks = new CallbackService(o.store, this.clocks, o.ids, o.log.child({ component: 'callbacks' }), {
      ...o.callbacks,
      fetch: o.callbacks.fetch ?? this.#http!
    }, schedule, faults)
    this.scheduler.on('callback.attempt', (event) => this.callbacks.handle(event))
    this.scheduler.onSettle(async (accountId) => await this.callbacks.settle(accountId))
    this.scheduler.onRoom(async () => await this.callbacks.room())
    this.callbacks.onAttempt((event) => this.events.emit('callback', event))
    // listeners hear of a change once its transaction has committed
    this.simulation.addHooks({
      messageChanged: (flow, message, at) => {
        const copy = { flow: { ...flow }, message: { ...message, data: { ...message.data } }, at }
        setImmediate(() => this.events.emit('message', copy))
      },
      flowCompleted: (flow, at) => {
        const copy = { flow: { ...flow }, at }
        setImmediate(() => this.events.emit('completed', copy))
      }
    })
    this.simulation.addHooks(this.callbacks.hooks)
  }

  start (): void {
    this.callbacks.recover()
    this.callbacks.prune()
    this.scheduler.start()
    const prune = (): void => {
      try {
        this.callbacks.prune()
      } catch (err) {
        this.log.error({ err }, 'pruning finished callbacks failed: tried again at the next interval')
      }
      this.#pruneTimer = this.clocks.time.setTimeout(prune, PRUNE_EVERY_MS)
    }
    this.#pruneTimer = this.clocks.time.setTimeout(prune, PRUNE_EVERY_MS)
  }

  /**
   * Stops the clock's timer, waits for the callback attempts on the wire only (each at most the
   * acknowledgement window; queued ones stay pending for the next start) and checkpoints the WAL.
   */
  async stop (): Promise<void> {
    this.scheduler.stop()
    if (this.#pruneTimer !== undefined) this.clocks.time.clearTimeout(this.#pruneTimer)
    await this.callbacks.stop()
    await this.#http?.close()
    try {
      this.store.checkpoint()
    } catch (err) {
      this.log.warn({ err }, 'the WAL checkpoint at shutdown failed: the next start replays it')
    }
  }

  createAccount (id: string, seed: SeedAccount, applications?: SeedAccount['applications'], clock?: { mode?: ClockMode, scale?: number }): void {
    const state = this.clocks.initial(clock?.mode ?? this.#clockMode, clock?.scale ?? this.#timeScale)
    this.store.createAccount({ id, seed, clock: state, createdAt: this.clocks.time.now(), applications })
  }

  deleteAccount (id: string): boolean {
    this.clocks.forget(id)
    // its flows and tokens go with it (ON DELETE CASCADE): so do their cached reads
    this.store.forgetCached()
    return this.store.accounts.delete(id)
  }

  /** POST /failover and /failover/transactional: validate, store, send the first step; the 200 body. */
  accept (input: AcceptInput): { flow: Flow, response: Record<string, unknown> } {
    checkFlow(this.store, input)
    const now = this.clocks.now(input.accountId)
    const flow = this.store.transaction(() => this.#insert(input, now))
    return { flow, response: acceptResponse(flow) }
  }

  /**
   * The same as accept, with the write in the store's group commit (issue 15): validated now, stored
   * with the other sends of this turn of the event loop, settled once that commit is done.
   */
  async submit (input: AcceptInput): Promise<{ flow: Flow, response: Record<string, unknown> }> {
    checkFlow(this.store, input)
    const now = this.clocks.now(input.accountId)
    const flow = await this.store.grouped(() => this.#insert(input, now))
    return { flow, response: acceptResponse(flow) }
  }

  /** Stores a checked flow and sends its first step (inside the caller's transaction). */
  #insert (input: AcceptInput, now: number): Flow {
    const request = normalize(input.body, input.unknown, () => this.store.accounts.nextSeq(input.accountId))
    const flow: Flow = {
      id: this.ids.uuid(),
      accountId: input.accountId,
      applicationId: input.applicationId,
      kind: input.kind,
      status: 'Queued',
      statusCode: null,
      terminationChannel: null,
      totalPrice: 0,
      currentStep: -1,
      request,
      outcomes: input.outcomes,
      warnings: flowWarnings(input),
      createdAt: now,
      updatedAt: now,
      createdReal: this.clocks.time.now()
    }
    this.store.flows.insertFlow(flow, stepsIndex(request))
    // the first step is sent at the instant the flow is accepted (sandbox choice)
    this.simulation.startFlow(flow, now)
    return flow
  }

  tracking (accountId: string, trackingId: string): Record<string, unknown> {
    return JSON.parse(this.trackingJson(accountId, trackingId))
  }

  /** GET /failover/tracking/{id}: the record as JSON text, from the store's bounded cache when it holds it. */
  trackingJson (accountId: string, trackingId: string): string {
    const records = this.store.flows.records
    const cached = records.get(trackingId)
    if (cached !== undefined) {
      if (cached.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
      return cached.json
    }
    const flow = this.store.flows.flow(trackingId)
    if (!flow || flow.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
    const json = JSON.stringify(trackingRecord(flow, this.store.flows.messagesOf(flow.id)))
    // read inside a transaction, the change may yet be rolled back: not cached then
    if (!this.store.db.inTransaction) records.set(trackingId, { accountId, json })
    return json
  }

  /** POST /_sandbox/messages/{id}/status: the only way a MANUAL message moves. Returns the message's trackingId. */
  forceStatus (accountId: string, messageId: string, status: string, detailedStatus?: string): string {
    const message = this.store.flows.message(messageId)
    if (!message || message.accountId !== accountId) throw new ApiError(ERRORS.MESSAGE_NOT_FOUND)
    const channel = message.channel as Channel
    const name = canonical(FORCEABLE[channel], status)
    if (!name) {
      throw new ApiError(ERRORS.VALIDATION, `status: "${status}" is not a ${channel} status a message can be moved to: use ${FORCEABLE[channel].join(', ')}.`, { status: 'unknown status' })
    }
    let detail: string | undefined
    if (detailedStatus !== undefined) {
      detail = canonical(DETAILED_STATUSES[channel], detailedStatus)
      if (!detail) {
        throw new ApiError(ERRORS.VALIDATION, `detailedStatus: "${detailedStatus}" is not a ${channel} detailedStatus: use ${DETAILED_STATUSES[channel].join(', ')}.`, { detailedStatus: 'unknown detailedStatus' })
      }
    }
    const now = this.clocks.now(accountId)
    const applied = this.store.transaction(() => this.simulation.applyStatus(message, name, detail, now, 'forced by POST /_sandbox/messages/{messageId}/status'))
    if (!applied) throw new ApiError(ERRORS.MESSAGE_NOT_PENDING, `The message is already ${message.status}: only a message without a final status can be moved.`)
    return message.flowId
  }

  clock (accountId: string): ClockView {
    return this.clocks.view(accountId)
  }

  /** POST /_sandbox/clock/advance: by seconds, or from due event to due event until none is left. */
  async advance (accountId: string, by: { seconds: number } | { until: 'idle' }): Promise<AdvanceResult> {
    if ('seconds' in by && this.clocks.now(accountId) + by.seconds * 1000 > MAX_TIME) {
      throw new ApiError(ERRORS.CLOCK_TOO_FAR, `seconds: ${ERRORS.CLOCK_TOO_FAR.message}`, { seconds: 'too far' })
    }
    return await this.scheduler.advance(accountId, by)
  }

  /** POST /_sandbox/clock: a jump forward runs what falls due before it answers. */
  async setClock (accountId: string, change: { mode?: ClockMode, scale?: number, now?: number }): Promise<ClockView> {
    const current = this.clocks.now(accountId)
    if (change.now !== undefined && (!Number.isFinite(change.now) || change.now > MAX_TIME)) {
      throw new ApiError(ERRORS.CLOCK_TOO_FAR, `now: ${ERRORS.CLOCK_TOO_FAR.message}`, { now: 'too far' })
    }
    if (change.now !== undefined && change.now < current) {
      throw new ApiError(ERRORS.CLOCK_BACKWARDS, `now: the clock only moves forward; it reads ${iso(current)}.`, { now: 'in the past' })
    }
    this.clocks.set(accountId, change)
    await this.scheduler.run(accountId)
    this.scheduler.rearm()
    return this.clocks.view(accountId)
  }
}
