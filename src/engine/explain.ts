import type { Store } from '../store/index.js'
import type { Flow, HistoryEntry, Message } from '../store/flows.js'
import type { AnyStep } from '../schemas/failover.js'
import { fromMicros } from '../money.js'
import type { FlowTimeline, TimelineStep } from '../schemas/dashboard.js'
import type { Channel } from '../vocabulary.js'
import { canonical, stepPrice } from './channels.js'
import { recipientView } from './outbox.js'
import { runOrder, stepTo } from './simulation.js'
import { STATUSES, SUCCESS } from './statuses.js'
import { iso } from './views.js'

export type { FlowTimeline, StatusChange, StepState, TimelineStep } from '../schemas/dashboard.js'

/*
 * The dashboard's flow timeline (sandbox.md "Seeing what happened"): every step in run order, every
 * status change with its sandbox time, what the recipient saw, and in words why each step handed
 * over to the next one or ended the flow. It reads stored state only, so it is tested without HTTP.
 */

const MINUTE = 60_000

// provider-api.md §5: what a Failed flow's statusCode means
export const STATUS_CODES: Record<string, string> = {
  0: 'server error',
  1: 'insufficient balance',
  2: 'no next step left',
  3: "the step's final status is not in its failoverOnStatuses"
}

const SOURCES: Record<string, string> = {
  header: 'X-Sandbox-Outcome header',
  scenario: 'scenario rule',
  magic: 'magic number',
  default: 'default'
}

/** "10 min", "2 s", "1 h 5 min", "10 min 0.5 s". */
export function duration (ms: number): string {
  if (ms === 0) return '0 s'
  const h = Math.floor(ms / 3_600_000)
  const min = Math.floor((ms % 3_600_000) / MINUTE)
  const s = (ms % MINUTE) / 1000
  const parts: string[] = []
  if (h > 0) parts.push(`${h} h`)
  if (min > 0) parts.push(`${min} min`)
  if (s > 0) parts.push(`${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')} s`)
  return parts.join(' ')
}

const money = (micros: number, currency: string): string => `${fromMicros(micros)} ${currency}`

/** The history entry at which the step's outcome was decided (a later SEEN does not count). */
function endingEntry (step: AnyStep, channel: Channel, history: HistoryEntry[]): HistoryEntry | undefined {
  const waitsForSeen = channel === 'Viber' && (step as { expireOnDelivery?: boolean }).expireOnDelivery === true
  return history.find((h) => STATUSES[channel][h.status]?.final === true && !(waitsForSeen && h.status === 'DELIVERED'))
}

/** What made the message end as it did: "EXPIRED at ttl 10 min", "Unsent: the balance cannot pay 0.036 EUR …". */
function cause (flow: Flow, m: Message, step: AnyStep, end: HistoryEntry, balance: { micros: number, currency: string, prices: Parameters<typeof stepPrice>[1] }): string {
  const after = end.at - m.createdAt
  const forced = end.note !== null && end.note.startsWith('forced') ? `, ${end.note}` : ''
  const ttl = (step as { ttl?: number }).ttl
  if (end.status === 'UNSENT' || end.status === 'Unsent') {
    return `Unsent: the balance cannot pay ${money(stepPrice(step, balance.prices), balance.currency)} (balance now ${money(balance.micros, balance.currency)})`
  }
  if (m.channel === 'Viber' && end.status === 'EXPIRED' && forced === '') {
    const atTtl = ttl !== undefined && after === Math.round(ttl * MINUTE) ? ` at ttl ${ttl} min` : ` after ${duration(after)}`
    const unseen = m.data.expiredOnDeliveryAt !== undefined ? ': delivered but not seen (expireOnDelivery)' : ''
    return `EXPIRED${atTtl}${unseen}`
  }
  if (m.channel === 'Sms' && end.status === 'Undelivered' && end.detailedStatus === 'Expired' && forced === '') {
    const atTtl = ttl !== undefined && after === Math.round(ttl * MINUTE) ? ` at ttl ${ttl} min` : ` after ${duration(after)}`
    return `Undelivered (Expired)${atTtl}`
  }
  if (SUCCESS[m.channel].includes(end.status)) return `${end.status}${forced}`
  const detail = end.detailedStatus !== end.status ? ` (${end.detailedStatus})` : ''
  return `${end.status}${detail} after ${duration(after)}${forced}`
}

/** The flow's end in the provider's words: "flow Failed (statusCode 2)". */
const flowEnd = (flow: Flow): string => `flow ${flow.status}${flow.statusCode !== null ? ` (statusCode ${flow.statusCode})` : ''}`

/**
 * Why a step that reached its final status handed over to `next` or ended the flow, following the
 * rules of provider-api.md §5 but naming what actually happened (the next message, the flow's status).
 */
function whyEnded (flow: Flow, m: Message, step: AnyStep, end: HistoryEntry, next: Message | undefined, balance: Parameters<typeof cause>[4]): string {
  const because = cause(flow, m, step, end, balance)
  const listed = step.failoverOnStatuses ?? []
  const inList = listed.some((s) => canonical([end.status], s) !== undefined)
  const done = flow.status === 'Succeeded' || flow.status === 'Failed'
  if (inList) {
    if (next) return `${because}; ${end.status} is in failoverOnStatuses → next step: ${next.channel}`
    if (done) return `${because}; ${end.status} is in failoverOnStatuses but no step is left → ${flowEnd(flow)}`
    return `${because}; ${end.status} is in failoverOnStatuses`
  }
  if (next) return `${because} → next step: ${next.channel}`
  if (!done) return because
  if (SUCCESS[m.channel].includes(end.status) || end.status === 'UNSENT' || end.status === 'Unsent') return `${because} → ${flowEnd(flow)}`
  const names = listed.length > 0 ? listed.join(', ') : 'none'
  return `${because}; ${end.status} is not in failoverOnStatuses (${names}) → ${flowEnd(flow)}`
}

/** What a message still waits for, while it has no final status. */
function whyPending (m: Message, step: AnyStep): string {
  const outcome = String(m.outcome.outcome)
  const source = SOURCES[String(m.outcome.source)] ?? String(m.outcome.source)
  if (outcome === 'MANUAL') return `${m.status}: MANUAL outcome (${source}); waits for POST /_sandbox/messages/${m.id}/status`
  const ttl = (step as { ttl?: number }).ttl
  const expiry = m.channel === 'Voice' || ttl === undefined
    ? ''
    : `; ${m.channel === 'Viber' ? 'EXPIRED' : 'Undelivered (Expired)'} at ttl ${ttl} min (${iso(m.createdAt + Math.round(ttl * MINUTE))})`
  const seen = m.channel === 'Viber' && m.status === 'DELIVERED' ? '; expireOnDelivery: waits for SEEN' : ''
  return `${m.status}: outcome ${outcome} (${source})${seen}${expiry}`
}

function summary (flow: Flow, started: Message[]): string {
  const last = started[started.length - 1]
  const where = last ? ` at step ${started.length} (${last.channel})` : ''
  const after = duration(flow.updatedAt - flow.createdAt)
  if (flow.status === 'Succeeded') return `Succeeded${where}, ${after} after it was accepted`
  if (flow.status === 'Failed') {
    const meaning = flow.statusCode !== null && STATUS_CODES[flow.statusCode] !== undefined ? `: ${STATUS_CODES[flow.statusCode]}` : ''
    return `Failed (statusCode ${flow.statusCode ?? 'null'}${meaning})${where}, ${after} after it was accepted`
  }
  return last ? `${flow.status}: step ${started.length} (${last.channel}) is ${last.status}` : flow.status
}

/** The flow's timeline, its steps in run order (provider-api.md §2: ascending order, ties in array order). */
export function explainFlow (store: Store, flow: Flow): FlowTimeline {
  const account = store.accounts.get(flow.accountId)!
  const balance = { micros: account.balance, currency: account.currency.code, prices: account.prices }
  const messages = store.flows.messagesOf(flow.id)
  const byStep = new Map(messages.map((m) => [m.stepIdx, m]))
  const done = flow.status === 'Succeeded' || flow.status === 'Failed'
  const steps = runOrder(flow.request.flow).map((idx): TimelineStep => {
    const step = flow.request.flow[idx]
    const m = byStep.get(idx)
    const base = {
      index: idx,
      order: step.order,
      channel: step.type,
      to: stepTo(step),
      failoverOnStatuses: step.failoverOnStatuses ?? [],
      ttl: step.type === 'Voice' ? null : ((step as { ttl?: number }).ttl ?? null),
      inboundUrl: step.type === 'Viber' ? (step.inboundUrl ?? null) : null
    }
    if (!m) {
      return {
        ...base,
        state: done ? 'skipped' : 'waiting',
        messageId: null,
        status: null,
        detailedStatus: null,
        price: null,
        outcome: null,
        changes: [],
        recipient: null,
        why: done ? `not run: the flow ended (${flow.status}) before this step` : 'not started: runs if the steps before it fail over'
      }
    }
    const history = store.flows.history(m.id)
    const end = m.final ? endingEntry(step, m.channel, history) : undefined
    // messages are stored in the order their steps started: the one after m is the step m handed over to
    const next = messages[messages.indexOf(m) + 1]
    return {
      ...base,
      state: end ? 'ended' : 'pending',
      messageId: m.id,
      status: m.status,
      detailedStatus: m.detailedStatus,
      price: fromMicros(m.price),
      outcome: { outcome: String(m.outcome.outcome), source: String(m.outcome.source) },
      changes: history.map((h) => ({ status: h.status, detailedStatus: h.detailedStatus, note: h.note, at: iso(h.at), offsetMs: h.at - flow.createdAt })),
      recipient: recipientView(flow, m),
      why: end ? whyEnded(flow, m, step, end, next, balance) : whyPending(m, step)
    }
  })
  return {
    trackingId: flow.id,
    accountId: flow.accountId,
    flowKind: flow.kind,
    status: flow.status,
    statusCode: flow.statusCode,
    terminationChannel: flow.terminationChannel,
    totalPrice: fromMicros(flow.totalPrice),
    currency: account.currency.code,
    createdAt: iso(flow.createdAt),
    createdReal: iso(flow.createdReal),
    updatedAt: iso(flow.updatedAt),
    callback: flow.request.callback ?? null,
    warnings: flow.warnings,
    why: summary(flow, messages),
    steps
  }
}
