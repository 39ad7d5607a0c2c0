import type { Store } from '../store/index.js'
import type { Flow, Message } from '../store/flows.js'
import type { Billing } from '../store/accounts.js'
import type { Sender, Template } from '../store/catalog.js'
import type { DueEvent } from '../store/events.js'
import type { Ids } from '../ids.js'
import type { AnyStep, SmsStep, TemplateViberStep, ViberStep } from '../schemas/failover.js'
import { canonical, smsEncoding, stepPrice, type Channel } from './channels.js'
import { resolveOutcome } from './outcomes.js'
import { BALANCE_STATUSES, INITIAL_STATUS, STATUSES, SUCCESS, TIMING, UNSENT_STATUS } from './statuses.js'
import { renderTemplate } from './render.js'

/**
 * What a send's checks read — the account's prices and rules, its senders and templates — handed to
 * the first step so a send reads each once (the write follows in the same or the next turn of the
 * event loop; the charge itself is an atomic UPDATE, so the balance is never taken from here).
 */
export interface SendReads {
  billing: Billing
  senders: Map<string, Sender | undefined>
  templates: Map<string, Template | undefined>
}

/** Told of every change, inside the transaction that makes it (callbacks and live events hang here). */
export interface SimulationHooks {
  messageChanged: (flow: Flow, message: Message, at: number) => void
  flowCompleted: (flow: Flow, at: number) => void
  /** the whole change is stored (still inside its transaction): what it caused can be rendered now */
  changeEnded?: () => void
  /** the change threw: forget what it caused */
  changeAborted?: () => void
}

/** Stores a due event and arms the timer for it (Scheduler.schedule): the only way anything becomes due. */
export type Schedule = (event: Omit<DueEvent, 'id'>) => void

const SECOND = 1000
const MINUTE = 60 * SECOND

/** The number a step is sent to, as one string (a Voice step's `to` is an object). */
export function stepTo (step: AnyStep): string {
  // the first of phone, viber, sip that is not blank (the provider's example sends blanks)
  if (step.type === 'Voice') return [step.to.phone, step.to.viber, step.to.sip].find((v) => typeof v === 'string' && v.trim() !== '') ?? ''
  return step.to
}

/** Step indexes in the order they run: ascending `order`, ties in array order (§2). */
export function runOrder (steps: AnyStep[]): number[] {
  return steps.map((s, i) => [s.order, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i)
}

/**
 * The flow state machine of provider-api.md §5. Every method runs inside the caller's transaction
 * and takes the sandbox time `at` at which it happens: it never reads a clock itself.
 */
export class Simulation {
  #store: Store
  #ids: Ids
  #schedule: Schedule
  #hooks: SimulationHooks[] = []

  constructor (store: Store, ids: Ids, schedule: Schedule) {
    this.#store = store
    this.#ids = ids
    this.#schedule = schedule
  }

  addHooks (hooks: SimulationHooks): void {
    this.#hooks.push(hooks)
  }

  /**
   * One change (a send, a due event, a forced status) with everything it leads to (failover, completion);
   * the hooks hear when it has ended, so what it causes is built from the state after all of it.
   */
  #change<T> (fn: () => T): T {
    let result: T
    try {
      result = fn()
      for (const h of this.#hooks) h.changeEnded?.()
    } catch (err) {
      for (const h of this.#hooks) h.changeAborted?.()
      throw err
    }
    return result
  }

  /** Sends the first step; `reads` are what the send's checks already read (issue 14: read once). */
  startFlow (flow: Flow, at: number, reads?: SendReads): void {
    this.#change(() => this.#startStep(flow, runOrder(flow.request.flow)[0], at, reads))
  }

  handle (event: DueEvent): void {
    const message = event.messageId ? this.#store.flows.message(event.messageId) : undefined
    if (!message) return
    this.#change(() => {
      if (event.kind === 'message.status') {
        const p = event.payload as { status: string }
        this.#apply(message, p.status, undefined, event.dueAt)
      } else if (event.kind === 'message.expire') {
        this.#expire(message, event.dueAt)
      }
    })
  }

  #startStep (flow: Flow, idx: number, at: number, reads?: SendReads): void {
    const step = flow.request.flow[idx]
    const account = reads?.billing ?? this.#store.accounts.billing(flow.accountId)!
    const channel = step.type
    const price = stepPrice(step, account.prices)
    const to = stepTo(step)
    const outcome = resolveOutcome(channel, to, flow.outcomes, account.scenarios)
    // an Unsent outcome is the balance failing on purpose: nothing is charged, as when it really cannot pay
    const unsentOutcome = outcome.outcome === UNSENT_STATUS[channel]
    const paid = !unsentOutcome && this.#store.accounts.charge(account.id, price)
    const status = paid ? INITIAL_STATUS[channel] : UNSENT_STATUS[channel]
    const info = STATUSES[channel][status]
    const message: Message = {
      id: this.#ids.uuid(),
      flowId: flow.id,
      accountId: flow.accountId,
      stepIdx: idx,
      channel,
      to,
      status,
      detailedStatus: info.detailedStatus,
      description: info.description,
      statusAt: at,
      final: !paid,
      price: paid ? price : 0,
      outcome,
      data: this.#messageData(flow, step, reads),
      cleared: false,
      createdAt: at
    }
    flow.status = 'InProgress'
    flow.terminationChannel = channel
    flow.totalPrice += message.price
    flow.updatedAt = at
    this.#store.flows.insertMessage(message)
    this.#store.flows.addHistory(message.id, { status, detailedStatus: info.detailedStatus, note: paid ? null : unsentOutcome ? `outcome ${status} (${outcome.source})` : 'insufficient balance', at })
    this.#store.flows.updateFlow(flow)
    this.#changed(flow, message, at)
    if (paid) this.#plan(message, step, at)
    else this.#finishStep(flow, message, at, '1')
  }

  #messageData (flow: Flow, step: AnyStep, reads?: SendReads): Record<string, unknown> {
    switch (step.type) {
      case 'Sms': {
        const enc = smsEncoding(step.message.body)
        return { smsId: this.#ids.uuid(), parts: enc.parts, encoding: enc.encoding }
      }
      case 'Viber': {
        const sender = reads?.senders.has(step.senderInfoTrackingId) === true
          ? reads.senders.get(step.senderInfoTrackingId)
          : this.#store.catalog.sender(flow.accountId, step.senderInfoTrackingId)
        const data: Record<string, unknown> = { from: sender?.name ?? step.senderInfoTrackingId }
        if ('templateId' in step && step.templateId !== undefined) {
          const t = step as TemplateViberStep
          const template = reads?.templates.has(t.templateId) === true ? reads.templates.get(t.templateId) : this.#store.catalog.template(flow.accountId, t.templateId)
          data.renderedText = template ? renderTemplate(Object.hasOwn(template.languages, t.templateLang) ? template.languages[t.templateLang] : '', t.templateParams ?? {}) : ''
        }
        return data
      }
      case 'Voice':
        return { conversationTrackingId: this.#ids.uuid() }
    }
  }

  /** Lays the message's future out as due events, per sandbox.md "Outcomes" timing. */
  #plan (message: Message, step: AnyStep, t0: number): void {
    const outcome = message.outcome.outcome as string
    if (outcome === 'MANUAL') return
    const after = (fallback: number): number => t0 + (typeof message.outcome.afterSeconds === 'number' ? message.outcome.afterSeconds : fallback) * SECOND
    const status = (dueAt: number, name: string): void => this.#due(message, 'message.status', dueAt, { status: name })
    switch (message.channel) {
      case 'Viber': {
        const viber = step as ViberStep
        const final = after(TIMING.viberFinal)
        if (outcome === 'DELIVERED' || outcome === 'SEEN' || outcome === 'DELIVERED_UNSEEN') {
          status(final, 'DELIVERED')
          if (outcome !== 'DELIVERED_UNSEEN') status(final + TIMING.viberSeenAfterDelivery * SECOND, 'SEEN')
        } else if (outcome !== 'EXPIRED') {
          status(final, outcome)
        }
        // §5: a Viber message not delivered (or, with expireOnDelivery, not seen) by its ttl is EXPIRED
        this.#due(message, 'message.expire', t0 + Math.round((viber.ttl ?? 10) * MINUTE), {})
        break
      }
      case 'Sms': {
        const sms = step as SmsStep
        const final = after(TIMING.smsFinal)
        const sent = t0 + TIMING.smsSent * SECOND
        if (outcome === 'Expired' || sent < final) status(sent, 'Sent')
        if (outcome !== 'Expired') status(final, outcome)
        this.#due(message, 'message.expire', t0 + (sms.ttl ?? 1200) * MINUTE, {})
        break
      }
      case 'Voice': {
        const final = after(TIMING.voiceFinal)
        const before = (offset: number, name: string): void => { if (t0 + offset * SECOND < final) status(t0 + offset * SECOND, name) }
        before(TIMING.voiceInitiated, 'Initiated')
        before(TIMING.voiceRinging, 'Ringing')
        if (outcome === 'Completed' || outcome === 'Terminated') before(TIMING.voiceAnswered, 'InProgress')
        status(final, outcome)
        break
      }
    }
  }

  #due (message: Message, kind: 'message.status' | 'message.expire', dueAt: number, payload: Record<string, unknown>): void {
    this.#schedule({ accountId: message.accountId, dueAt, kind, flowId: message.flowId, messageId: message.id, payload })
  }

  #expire (message: Message, at: number): void {
    if (message.final) return
    if (message.channel === 'Viber') this.#apply(message, 'EXPIRED', undefined, at)
    else if (message.channel === 'Sms') this.#apply(message, 'Undelivered', 'Expired', at)
  }

  /**
   * Moves a message to `status` (already in the provider's spelling) at `at`. Scheduled changes and
   * forced ones (POST /_sandbox/messages/{id}/status) both come here. Returns false when the message
   * had already ended and the change does not apply.
   */
  applyStatus (message: Message, status: string, detailedStatus: string | undefined, at: number, note?: string): boolean {
    return this.#change(() => this.#apply(message, status, detailedStatus, at, note))
  }

  #apply (message: Message, status: string, detailedStatus: string | undefined, at: number, note?: string): boolean {
    const flow = this.#store.flows.flow(message.flowId)!
    const step = flow.request.flow[message.stepIdx]
    const channel = message.channel
    const info = STATUSES[channel][status]
    // SEEN may follow DELIVERED after the step has ended: the message shows it, the flow is done
    const lateSeen = message.final && channel === 'Viber' && status === 'SEEN' && message.status === 'DELIVERED'
    if (!info || (message.final && !lateSeen)) return false

    let final = info.final
    if (channel === 'Viber') {
      if (status === 'DELIVERED') {
        message.data.deliveredAt = at
        if ((step as ViberStep).expireOnDelivery === true) final = false
      } else if (status === 'SEEN') {
        message.data.deliveredAt ??= at
        message.data.seenAt = at
      } else if (status === 'EXPIRED' && message.data.deliveredAt !== undefined) {
        message.data.expiredOnDeliveryAt = at
      }
    } else if (channel === 'Sms') {
      if (status === 'Sent') message.data.sentAt = at
      if (final) message.data.latency = at - message.createdAt
    } else if (channel === 'Voice') {
      if (status === 'InProgress') message.data.answeredAt = at
      if (final) message.data.duration = message.data.answeredAt !== undefined ? Math.round((at - message.data.answeredAt) / SECOND) : 0
    }
    if (status === UNSENT_STATUS[channel] && message.price > 0) {
      // a forced Unsent costs nothing: the charge made at the send goes back to the balance
      this.#store.accounts.charge(flow.accountId, -message.price)
      flow.totalPrice -= message.price
      message.price = 0
    }
    message.status = status
    message.detailedStatus = detailedStatus ?? info.detailedStatus
    message.description = info.description
    message.statusAt = at
    const ended = final && !message.final
    message.final = message.final || final
    this.#store.flows.updateMessage(message)
    this.#store.flows.addHistory(message.id, { status, detailedStatus: message.detailedStatus, note: note ?? null, at })
    if (lateSeen) {
      // the flow has completed and stays as it was; the message shows SEEN, and OnChange/OnStep call back
      this.#changed(flow, message, at)
      return true
    }
    flow.updatedAt = at
    this.#store.flows.updateFlow(flow)
    this.#changed(flow, message, at)
    if (ended) {
      this.#store.events.cancelMessageEvents(message.id)
      // a delivered Viber message is still seen 5 s later (sandbox.md "Outcomes"), after the flow has ended
      const seenLater = message.outcome.outcome === 'DELIVERED' || message.outcome.outcome === 'SEEN'
      if (channel === 'Viber' && status === 'DELIVERED' && seenLater) {
        this.#due(message, 'message.status', at + TIMING.viberSeenAfterDelivery * SECOND, { status: 'SEEN' })
      }
      // §5: "1" is the balance (Unsent, or a call cut off when it ran out), "3" any other unlisted final status
      this.#finishStep(flow, message, at, BALANCE_STATUSES[channel].includes(status) ? '1' : '3')
    }
    return true
  }

  /**
   * §5: a final status listed in the step's failoverOnStatuses starts the next step (statusCode "2" when
   * none is left); a delivery succeeds the flow; any other final status fails it with `failCode`.
   */
  #finishStep (flow: Flow, message: Message, at: number, failCode: string): void {
    const step = flow.request.flow[message.stepIdx]
    const listed = (step.failoverOnStatuses ?? []).some((s) => canonical([message.status], s) !== undefined)
    if (listed) {
      const order = runOrder(flow.request.flow)
      const next = order[order.indexOf(message.stepIdx) + 1]
      if (next !== undefined) return this.#startStep(flow, next, at)
      // a Voice step may list Unsent: when it was the last, the flow still failed for the balance ("1")
      return this.#complete(flow, 'Failed', failCode === '1' ? '1' : '2', at)
    }
    if (SUCCESS[message.channel as Channel].includes(message.status)) return this.#complete(flow, 'Succeeded', null, at)
    this.#complete(flow, 'Failed', failCode, at)
  }

  #complete (flow: Flow, status: 'Succeeded' | 'Failed', statusCode: string | null, at: number): void {
    flow.status = status
    flow.statusCode = statusCode
    flow.updatedAt = at
    this.#store.flows.updateFlow(flow)
    for (const h of this.#hooks) h.flowCompleted(flow, at)
  }

  #changed (flow: Flow, message: Message, at: number): void {
    for (const h of this.#hooks) h.messageChanged(flow, message, at)
  }
}
