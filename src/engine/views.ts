import type { Account } from '../store/accounts.js'
import type { Attempt, Callback } from '../store/callbacks.js'
import type { Template } from '../store/catalog.js'
import type { Flow } from '../store/flows.js'
import type { FailoverResponse } from '../schemas/failover.js'
import type { AccountView, Balance } from '../schemas/account.js'
import type { CallbackView } from '../schemas/callbacks.js'
import type { Clock } from '../schemas/sandbox.js'
import type { TemplateView } from '../schemas/templates.js'
import { fromMicros } from '../money.js'
import type { ClockView } from './clock.js'
import { placeholders } from './render.js'

/*
 * The control plane's and the template API's answers, each typed by its schema in src/schemas/: the
 * compile-time shape and the OpenAPI entry are one. Tracking records are built in tracking.ts,
 * timelines in explain.ts, what a recipient saw in outbox.ts.
 */

/** Sandbox times as the provider writes them: ISO-8601 UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString()
export const isoOrNull = (ms: number | null | undefined): string | null => (typeof ms === 'number' ? iso(ms) : null)

/** GET /accounts/me/balance and PUT /_sandbox/balance. */
export function balanceView (account: Pick<Account, 'balance' | 'currency'>): Balance {
  return { balance: fromMicros(account.balance), currency: account.currency }
}

export function clockView (v: ClockView): Clock {
  return { now: iso(v.now), mode: v.mode, scale: v.scale }
}

/** GET /_sandbox/accounts: an account with its clock and how many of its flows are still running. */
export function accountView (a: Account, clock: ClockView, pendingFlows: number): AccountView {
  return { id: a.id, name: a.name, balance: fromMicros(a.balance), currency: a.currency, clock: clockView(clock), pendingFlows }
}

/** provider-api.md §8 (the sandbox's fields): a template with the placeholders its texts use, in first-use order. */
export function templateView (t: Template): TemplateView {
  const names: string[] = []
  for (const text of Object.values(t.languages)) for (const n of placeholders(text)) if (!names.includes(n)) names.push(n)
  return { id: t.id, senderInfoTrackingId: t.senderInfoTrackingId, name: t.name, category: t.category, languages: t.languages, placeholders: names, status: t.status, createdAt: iso(t.createdAt) }
}

export function callbackView (c: Callback, attempts: Attempt[]): CallbackView {
  return {
    id: c.id,
    trackingId: c.flowId,
    kind: c.kind,
    url: c.url,
    state: c.state,
    attempts: attempts.map((a) => ({
      attempt: a.attempt, at: iso(a.sandboxAt), realAt: iso(a.realAt), status: a.status, error: a.error, latencyMs: a.latencyMs
    })),
    nextAttemptAt: isoOrNull(c.nextAttemptAt),
    createdAt: iso(c.createdAt),
    finishedAt: isoOrNull(c.finishedAt),
    body: JSON.parse(c.body)
  }
}

/**
 * The 200 of POST /failover and /failover/transactional (§2, §3): the request as stored (defaults
 * filled in) under its trackingId; flowKind only on the transactional endpoint.
 */
export function acceptedView (flow: Flow): FailoverResponse {
  const callback = flow.request.callback
  // normalize() always sets the strategy: the narrowing only tells the compiler
  const echo = callback?.strategy !== undefined ? { callback: { ...callback, strategy: callback.strategy } } : {}
  const restrictions = flow.request.restrictions !== undefined ? { restrictions: flow.request.restrictions } : {}
  const createdAt = iso(flow.createdAt)
  if (flow.kind === 'transactional') return { trackingId: flow.id, flowKind: 'transactional', flow: flow.request.flow, ...echo, ...restrictions, createdAt }
  return { trackingId: flow.id, flow: flow.request.flow, ...echo, ...restrictions, createdAt }
}
