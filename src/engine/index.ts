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
import { Simulation, type SendReads } from './simulation.js'
import { checkBalance, checkFlow, flowWarnings, normalize, stepsIndex, type AcceptInput } from './accept.js'
import { iso, trackingRecord } from './tracking.js'
import { canonical, type Channel } from './channels.js'
import { FORCEABLE, DETAILED_STATUSES } from './statuses.js'
import { CallbackService, keepAliveFetch, type AttemptEvent, type CallbackOptions, type FetchLike } from './callbacks.js'
import { Faults } from './faults.js'
import { FlowWaits } from './wait.js'
import { searchPage } from './search.js'
import { createTemplate, reviewTemplate } from './templates.js'
import { scenarioRules, type ScenarioRuleInput } from './scenarios.js'
import { clientApplication, issueToken, type ClientCredentials } from './tokens.js'
import { acceptedView, callbackView } from './views.js'
import type { FailoverResponse } from '../schemas/failover.js'
import type { Callback } from '../store/callbacks.js'
import type { StoredScenarioRule } from '../store/accounts.js'
import type { AccountCredentials } from '../schemas/sandbox.js'
import type { CallbackView } from '../schemas/callbacks.js'
import type { TokenRequest, TokenResponse } from '../schemas/oauth.js'
import type { NewTemplate, TemplateView } from '../schemas/templates.js'
import type { Tracking, TrackingPage } from '../schemas/tracking.js'
import type { FlowStatus } from '../vocabulary.js'

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

/** The simulation behind the API: accepts flows, runs their due events, answers what happened. No HTTP here. */
export class Engine {
  readonly events = new EventEmitter<EngineEventMap>()
  // the collaborators are private: routes ask the Engine for an operation (docs/architecture.md)
  readonly #store: Store
  readonly #clocks: Clocks
  readonly #scheduler: Scheduler
  readonly #simulation: Simulation
  readonly #callbacks: CallbackService
  readonly #ids: Ids
  readonly #log: Logger
  readonly #waits: FlowWaits
  #pruneTimer: unknown
  /** the keep-alive client made here (none when the caller passed its own fetch) */
  #http: ReturnType<typeof keepAliveFetch> | undefined
  #clockMode: ClockMode
  #timeScale: number

  constructor (o: EngineOptions) {
    this.#store = o.store
    this.#ids = o.ids
    this.#log = o.log
    this.#clocks = new Clocks(o.store, o.time)
    this.#waits = new FlowWaits(o.store, this.events, this.#clocks.time)
    const faults = new Faults(o.log, this.#clocks.time)
    this.#scheduler = new Scheduler(o.store, this.#clocks, o.log, faults)
    // the scheduler is the one place anything becomes due
    const schedule = (event: Parameters<Scheduler['schedule']>[0]): void => this.#scheduler.schedule(event)
    this.#simulation = new Simulation(o.store, o.ids, schedule)
    this.#clockMode = o.clockMode
    this.#timeScale = o.timeScale
    const handle = (event: Parameters<Simulation['handle']>[0]): undefined => { this.#simulation.handle(event) }
    this.#scheduler.on('message.status', handle)
    this.#scheduler.on('message.expire', handle)
    this.events.setMaxListeners(0)
    if (o.callbacks.fetch === undefined) this.#http = keepAliveFetch(o.callbacks.timeoutMs, o.callbacks.concurrency)
    this.#callbacks = new CallbackService(o.store, this.#clocks, o.ids, o.log.child({ component: 'callbacks' }), {
      ...o.callbacks,
      fetch: o.callbacks.fetch ?? this.#http!
    }, schedule, faults)
    this.#scheduler.on('callback.attempt', (event) => this.#callbacks.handle(event))
    this.#scheduler.onSettle(async (accountId) => await this.#callbacks.settle(accountId))
    this.#scheduler.onRoom(async () => await this.#callbacks.room())
    this.#callbacks.onAttempt((event) => this.events.emit('callback', event))
    // listeners hear of a change once its transaction has committed
    this.#simulation.addHooks({
      messageChanged: (flow, message, at) => {
        // nobody listening (no live stream, no long-poll): no copy, no callback per change (issue 15: an advance over 100k flows makes 200k)
        if (this.events.listenerCount('message') === 0) return
        const copy = { message: { ...message, data: { ...message.data } }, at }
        // the flow as the whole change left it (a delivery that completes the flow says Succeeded, as
        // its callback does), copied after the change: a later change reads a fresh Flow from the store
        // (flows are never shared cached objects), so only this change's own steps reach this one
        setImmediate(() => this.events.emit('message', { ...copy, flow: { ...flow } }))
      },
      flowCompleted: (flow, at) => {
        if (this.events.listenerCount('completed') === 0) return
        const copy = { flow: { ...flow }, at }
        setImmediate(() => this.events.emit('completed', copy))
      }
    })
    this.#simulation.addHooks(this.#callbacks.hooks)
  }

  start (): void {
    this.#callbacks.recover()
    this.#callbacks.prune()
    this.#scheduler.start()
    const prune = (): void => {
      try {
        this.#callbacks.prune()
      } catch (err) {
        this.#log.error({ err }, 'pruning finished callbacks failed: tried again at the next interval')
      }
      this.#pruneTimer = this.#clocks.time.setTimeout(prune, PRUNE_EVERY_MS)
    }
    this.#pruneTimer = this.#clocks.time.setTimeout(prune, PRUNE_EVERY_MS)
  }

  /**
   * Stops the clock's timer, waits for the callback attempts on the wire only (each at most the
   * acknowledgement window; queued ones stay pending for the next start) and checkpoints the WAL.
   */
  async stop (): Promise<void> {
    this.#scheduler.stop()
    if (this.#pruneTimer !== undefined) this.#clocks.time.clearTimeout(this.#pruneTimer)
    await this.#callbacks.stop()
    await this.#http?.close()
    try {
      this.#store.checkpoint()
    } catch (err) {
      this.#log.warn({ err }, 'the WAL checkpoint at shutdown failed: the next start replays it')
    }
  }

  createAccount (id: string, seed: SeedAccount, applications?: SeedAccount['applications'], clock?: { mode?: ClockMode, scale?: number }): void {
    const state = this.#clocks.initial(clock?.mode ?? this.#clockMode, clock?.scale ?? this.#timeScale)
    this.#store.createAccount({ id, seed, clock: state, createdAt: this.#clocks.time.now(), applications })
  }

  deleteAccount (id: string): boolean {
    this.#clocks.forget(id)
    // its flows and tokens go with it (ON DELETE CASCADE): so do their cached reads
    this.#store.forgetCached()
    return this.#store.accounts.delete(id)
  }

  /** POST /failover and /failover/transactional: validate, store, send the first step; the 200 body. */
  accept (input: AcceptInput): { flow: Flow, response: FailoverResponse } {
    const reads = checkFlow(this.#store, input)
    const now = this.#clocks.now(input.accountId)
    const flow = this.#store.transaction(() => this.#insert(input, now, { ...reads, billing: checkBalance(this.#store, input) }))
    return { flow, response: acceptedView(flow) }
  }

  /**
   * The same as accept, with the write in the store's group commit (issue 15): validated now, stored
   * with the other sends of this turn of the event loop, settled once that commit is done. The balance
   * is checked in the group (a read outside a transaction costs a send ~13 µs: one of its own).
   */
  async submit (input: AcceptInput): Promise<{ flow: Flow, response: FailoverResponse }> {
    const reads = checkFlow(this.#store, input)
    const now = this.#clocks.now(input.accountId)
    const flow = await this.#store.grouped(() => this.#insert(input, now, { ...reads, billing: checkBalance(this.#store, input) }))
    return { flow, response: acceptedView(flow) }
  }

  /** Stores a checked flow and sends its first step (inside the caller's transaction). */
  #insert (input: AcceptInput, now: number, reads: SendReads): Flow {
    const request = normalize(input.body, input.unknown, () => this.#store.accounts.nextSeq(input.accountId))
    const flow: Flow = {
      id: this.#ids.uuid(),
      accountId: input.accountId,
      applicationId: input.applicationId,
      kind: input.kind,
      status: 'Queued',
      statusCode: null,
      terminationChannel: null,
      totalPrice: 0,
      request,
      outcomes: input.outcomes,
      warnings: flowWarnings(input),
      createdAt: now,
      updatedAt: now,
      createdReal: this.#clocks.time.now()
    }
    this.#store.flows.insertFlow(flow, stepsIndex(request))
    // the first step is sent at the instant the flow is accepted (sandbox choice)
    this.#simulation.startFlow(flow, now, reads)
    return flow
  }

  tracking (accountId: string, trackingId: string): Tracking {
    return JSON.parse(this.trackingJson(accountId, trackingId))
  }

  /** GET /failover/tracking/{id}: the record as JSON text, from the store's bounded cache when it holds it. */
  trackingJson (accountId: string, trackingId: string): string {
    const records = this.#store.flows.records
    const cached = records.get(trackingId)
    if (cached !== undefined) {
      if (cached.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
      return cached.json
    }
    const flow = this.#store.flows.flow(trackingId)
    if (!flow || flow.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
    const json = JSON.stringify(trackingRecord(flow, this.#store.flows.messagesOf(flow.id)))
    // read inside a transaction, the change may yet be rolled back: not cached then
    if (!this.#store.db.inTransaction) records.set(trackingId, { accountId, json })
    return json
  }

  /** POST /_sandbox/messages/{id}/status: the only way a MANUAL message moves. Returns the message's trackingId. */
  forceStatus (accountId: string, messageId: string, status: string, detailedStatus?: string): string {
    const message = this.#store.flows.message(messageId)
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
    const now = this.#clocks.now(accountId)
    const applied = this.#store.transaction(() => this.#simulation.applyStatus(message, name, detail, now, 'forced by POST /_sandbox/messages/{messageId}/status'))
    if (!applied) throw new ApiError(ERRORS.MESSAGE_NOT_PENDING, `The message is already ${message.status}: only a message without a final status can be moved.`)
    return message.flowId
  }

  clock (accountId: string): ClockView {
    return this.#clocks.view(accountId)
  }

  /** POST /_sandbox/clock/advance: by seconds, or from due event to due event until none is left. */
  async advance (accountId: string, by: { seconds: number } | { until: 'idle' }): Promise<AdvanceResult> {
    if ('seconds' in by && this.#clocks.now(accountId) + by.seconds * 1000 > MAX_TIME) {
      throw new ApiError(ERRORS.CLOCK_TOO_FAR, `seconds: ${ERRORS.CLOCK_TOO_FAR.message}`, { seconds: 'too far' })
    }
    return await this.#scheduler.advance(accountId, by)
  }

  /**
   * POST /_sandbox/clock: a jump forward runs what falls due before it answers, and stores the callback
   * attempts it causes, as an advance does (`jumped`: the clock was just set by clockToWall).
   */
  async setClock (accountId: string, change: { mode?: ClockMode, scale?: number, now?: number }, jumped = false): Promise<ClockView> {
    const current = this.#clocks.now(accountId)
    if (change.now !== undefined && (!Number.isFinite(change.now) || change.now > MAX_TIME)) {
      throw new ApiError(ERRORS.CLOCK_TOO_FAR, `now: ${ERRORS.CLOCK_TOO_FAR.message}`, { now: 'too far' })
    }
    if (change.now !== undefined && change.now < current) {
      throw new ApiError(ERRORS.CLOCK_BACKWARDS, `now: the clock only moves forward; it reads ${iso(current)}.`, { now: 'in the past' })
    }
    this.#clocks.set(accountId, change)
    await this.#scheduler.run(accountId, undefined, jumped || change.now !== undefined)
    this.#scheduler.rearm()
    return this.#clocks.view(accountId)
  }

  // ── what the routes need, so they never reach into the collaborators ──

  /** The account's sandbox time (ms). */
  now (accountId: string): number {
    return this.#clocks.now(accountId)
  }

  /** Wall-clock time (ms) from the injected time source: token expiry, the journal, the receiver. */
  wallNow (): number {
    return this.#clocks.time.now()
  }

  /** The injected real-time source, for waits outside the engine (long-polls, fault delays). */
  get time (): TimeSource {
    return this.#clocks.time
  }

  /** A new id from the one generator (seeded in tests). */
  newId (): string {
    return this.#ids.uuid()
  }

  /**
   * POST /_sandbox/accounts: a new account from `template` (the seed's first account) with fresh
   * credentials shaped like the provider's; name, balance and clock as given.
   */
  newAccount (template: SeedAccount, options: { name?: string, balance?: number, clock?: ClockMode, scale?: number }): AccountCredentials {
    const accountId = this.#ids.uuid()
    // shaped like the provider's credentials (sandbox.md "Accounts are namespaces"): a Basic header stays short
    const applicationId = this.#ids.applicationId()
    const applicationSecret = this.#ids.applicationSecret()
    const seed = { ...template, name: options.name ?? template.name, balance: options.balance ?? template.balance }
    const apps = [{ ...template.applications[0], id: applicationId, secret: applicationSecret }]
    this.createAccount(accountId, seed, apps, options.clock === undefined && options.scale === undefined ? undefined : { mode: options.clock, scale: options.scale })
    return { accountId, applicationId, applicationSecret }
  }

  /** POST /_sandbox/reset: the account's flows, messages, callbacks and due events go; its seed balance and templates come back. */
  reset (accountId: string): void {
    const account = this.#store.accounts.get(accountId)
    if (!account) throw new ApiError(ERRORS.ACCOUNT_NOT_FOUND)
    this.#store.resetAccount(accountId, account.seed, this.#clocks.now(accountId))
  }

  /** GET /_sandbox/callbacks: the account's callbacks, newest first, or a flow's. */
  callbackViews (accountId: string, filter: { trackingId?: string, limit: number }): CallbackView[] {
    const list = filter.trackingId !== undefined
      ? this.#store.callbacks.ofFlow(filter.trackingId).filter((c) => c.accountId === accountId)
      : this.#store.callbacks.ofAccount(accountId, filter.limit)
    return list.map((c) => this.#callbackView(c))
  }

  /** POST /_sandbox/callbacks/{id}/redeliver: one more attempt now; answers after it. */
  async redeliver (accountId: string, callbackId: string): Promise<CallbackView> {
    const callback = this.#store.callbacks.get(callbackId)
    if (!callback || callback.accountId !== accountId) throw new ApiError(ERRORS.CALLBACK_NOT_FOUND)
    if (callback.state === 'delivering') throw new ApiError(ERRORS.CONFLICT, 'An attempt of this callback is in flight: try again when it has finished.')
    await this.#callbacks.redeliver(callback)
    return this.#callbackView(this.#store.callbacks.get(callback.id)!)
  }

  /** POST /_sandbox/messages/{id}/reply: the recipient answers a Viber message; its first attempt runs before this returns. */
  async reply (accountId: string, messageId: string, text: string): Promise<CallbackView> {
    const message = this.#store.flows.message(messageId)
    if (!message || message.accountId !== accountId) throw new ApiError(ERRORS.MESSAGE_NOT_FOUND)
    const flow = this.#store.flows.flow(message.flowId)!
    const url = (flow.request.flow[message.stepIdx] as { inboundUrl?: string }).inboundUrl
    if (message.channel !== 'Viber' || url === undefined) {
      throw new ApiError(ERRORS.VALIDATION, `messageId: only a Viber message whose step has an inboundUrl can be answered (this is a ${message.channel} message${message.channel === 'Viber' ? ' without inboundUrl' : ''}).`, { messageId: 'no inboundUrl' })
    }
    const callback = this.#callbacks.reply(flow, message, url, text, this.#clocks.now(accountId))
    await this.#scheduler.run(accountId)
    await this.#callbacks.settle(accountId)
    return this.#callbackView(this.#store.callbacks.get(callback.id)!)
  }

  /** Prunes finished callbacks now (as the timer does every 10 minutes); how many went. */
  pruneCallbacks (): number {
    return this.#callbacks.prune()
  }

  #callbackView (c: Callback): CallbackView {
    return callbackView(c, this.#store.callbacks.attempts(c.id))
  }

  /** POST /oauth/token's credentials alone: a 401 before its body is read (engine/tokens.ts). */
  checkClient (credentials: ClientCredentials | undefined): void {
    clientApplication(this.#store, credentials)
  }

  /** POST /oauth/token (engine/tokens.ts): tokens expire on the wall clock. */
  issueToken (credentials: ClientCredentials | undefined, body: TokenRequest): TokenResponse {
    return issueToken(this.#store, credentials, body, () => this.#ids.uuid(), this.#clocks.time.now())
  }

  /** POST /viber/transactional/templates (engine/templates.ts). */
  createTemplate (accountId: string, senderId: string, body: NewTemplate): TemplateView {
    return createTemplate(this.#store, accountId, senderId, body, () => this.#ids.uuid(), this.#clocks.now(accountId))
  }

  /** POST /_sandbox/templates/{id}/approve|reject (engine/templates.ts). */
  reviewTemplate (accountId: string, templateId: string, status: 'APPROVED' | 'REJECTED'): TemplateView {
    return reviewTemplate(this.#store, accountId, templateId, status)
  }

  /** POST /failover/tracking (engine/search.ts). */
  search (accountId: string, body: unknown, query: Parameters<typeof searchPage>[3]): TrackingPage {
    return searchPage(this.#store, accountId, body, query)
  }

  /** PUT /_sandbox/scenarios (engine/scenarios.ts): the rules as stored. */
  setScenarios (accountId: string, input: readonly ScenarioRuleInput[]): StoredScenarioRule[] {
    const rules = scenarioRules(input)
    this.#store.accounts.setScenarios(accountId, rules)
    return rules
  }

  /** GET /_sandbox/flows/{id}/wait (engine/wait.ts): the record once the flow is in one of `wanted`. */
  async waitForFlow (accountId: string, trackingId: string, wanted: readonly FlowStatus[], timeoutMs: number, signal?: AbortSignal): Promise<Tracking> {
    return await this.#waits.wait(accountId, trackingId, wanted, timeoutMs, signal)
  }

  /** Ends every wait in progress with a 408 (before the server closes). */
  endWaits (): void {
    this.#waits.endAll()
  }

  /**
   * POST /_sandbox/clock {"now": "wall"}: the clock reads wall time again, backwards too (sandbox
   * choice: the only way back); the jump is stored as is, then due events run as for any change.
   */
  async clockToWall (accountId: string, change: { mode?: ClockMode, scale?: number }): Promise<ClockView> {
    this.#clocks.set(accountId, { ...change, now: this.#clocks.time.now() })
    return await this.setClock(accountId, {}, true)
  }

  /** Stops the timer and nothing else: a test's simulated crash (nothing settles, nothing is checkpointed). */
  halt (): void {
    this.#scheduler.stop()
  }
}
