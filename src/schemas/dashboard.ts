import { Type, type Static, type TSchema } from 'typebox'
import { ChannelSchema, FlowKindSchema } from '../vocabulary.js'
import { PhoneSchema } from './common.js'
import { TrackingSchema } from './tracking.js'

/*
 * What the dashboard (GET /, src/ui/) reads beyond the other control routes: the flow list, a flow's
 * explained timeline (src/engine/explain.ts builds it), and the demo sender.
 */

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])
const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) })

export const AccountQuerySchema = Type.Object({
  accountId: Type.Optional(Type.String({ description: 'the account (EventSource-style); else X-Sandbox-Account, the bearer token or "sandbox"' }))
})

export const FlowListSchema = Type.Object({
  total: Type.Integer({ description: 'flows matching the filters' }),
  flows: Type.Array(Type.Object({ ...TrackingSchema.properties, createdReal: DateTime('wall-clock time the flow was accepted') }))
})

export const StatusChangeSchema = Type.Object({
  status: Type.String(),
  detailedStatus: Type.String(),
  note: Nullable(Type.String()),
  at: DateTime('sandbox time'),
  offsetMs: Type.Integer({ description: 'ms after the flow was accepted' })
})
export type StatusChange = Static<typeof StatusChangeSchema>

export const StepStateSchema = Type.Union([Type.Literal('pending'), Type.Literal('ended'), Type.Literal('waiting'), Type.Literal('skipped')], {
  description: 'pending: sent, no final status yet; ended: final status reached; waiting: not started yet; skipped: never ran'
})
export type StepState = Static<typeof StepStateSchema>

export const TimelineStepSchema = Type.Object({
  index: Type.Integer({ description: "the step's index in the request's flow array" }),
  order: Type.Integer(),
  channel: ChannelSchema,
  to: Type.String(),
  failoverOnStatuses: Type.Array(Type.String()),
  ttl: Nullable(Type.Number({ description: 'minutes' })),
  inboundUrl: Nullable(Type.String({ description: 'Viber: where a reply goes (POST /_sandbox/messages/{messageId}/reply)' })),
  state: StepStateSchema,
  messageId: Nullable(Type.String()),
  status: Nullable(Type.String()),
  detailedStatus: Nullable(Type.String()),
  price: Nullable(Type.Number()),
  outcome: Nullable(Type.Object({ outcome: Type.String(), source: Type.String({ description: 'header, scenario, magic or default' }) })),
  changes: Type.Array(StatusChangeSchema),
  recipient: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'what the recipient saw, as GET /_sandbox/messages shows it' })),
  why: Type.String({ description: 'why the step failed over, ended the flow, or what it waits for' })
})
export type TimelineStep = Static<typeof TimelineStepSchema>

export const TimelineSchema = Type.Object({
  trackingId: Type.String(),
  accountId: Type.String(),
  flowKind: FlowKindSchema,
  status: Type.String(),
  statusCode: Nullable(Type.String()),
  terminationChannel: Nullable(Type.String()),
  totalPrice: Type.Number(),
  currency: Type.String(),
  createdAt: DateTime('sandbox time'),
  createdReal: DateTime('wall-clock time'),
  updatedAt: DateTime('sandbox time'),
  callback: Nullable(Type.Object({ strategy: Type.Optional(Type.String()), url: Type.String() })),
  warnings: Type.Array(Type.String()),
  why: Type.String({ description: 'the flow in one line' }),
  steps: Type.Array(TimelineStepSchema, { description: 'in run order' })
})
export type FlowTimeline = Static<typeof TimelineSchema>

export const DemoSendSchema = Type.Object({
  to: PhoneSchema,
  transactional: Type.Optional(Type.Boolean({ default: true, description: 'false: the same flow as a standard flow (a Viber text instead of the template)' }))
}, { additionalProperties: false })

export const DemoResultSchema = Type.Object({
  trackingId: Type.String(),
  request: Type.Unknown({ description: 'the body the sandbox sent itself' }),
  response: Type.Unknown({ description: 'the 200 body, as the send endpoint answers it' })
})
