import { Type, type Static } from 'typebox'
import { ClockModeSchema, MAX_ADVANCE_SECONDS } from '../vocabulary.js'

export const HealthSchema = Type.Object({ status: Type.Literal('ok'), version: Type.String() })

export const ClockSchema = Type.Object({
  now: Type.String({ format: 'date-time', description: 'sandbox time of the account' }),
  mode: ClockModeSchema,
  scale: Type.Number()
}, { $id: 'Clock' })
export type Clock = Static<typeof ClockSchema>

export const ClockChangeSchema = Type.Object({
  mode: Type.Optional(ClockModeSchema),
  scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100000 })),
  now: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Integer({ minimum: 0, maximum: 253402300799999, description: 'epoch ms' }), Type.Literal('wall')], {
    description: 'an ISO-8601 date-time or epoch milliseconds, not after 9999-12-31, and not before the clock: the clock only moves forward. "wall" sets it to the wall clock, backwards too: the way back for a clock that was jumped ahead'
  }))
}, { additionalProperties: false })

export const AdvanceSchema = Type.Union([
  Type.Object({ seconds: Type.Number({ minimum: 0, maximum: MAX_ADVANCE_SECONDS }) }, { additionalProperties: false }),
  Type.Object({ until: Type.Literal('idle') }, { additionalProperties: false })
], { description: '{seconds} moves the clock forward; {until: "idle"} jumps from due event to due event until none is left', 'x-manual': true })

export const AdvanceResultSchema = Type.Object({
  now: Type.String({ format: 'date-time' }),
  eventsRun: Type.Integer(),
  eventsLeft: Type.Optional(Type.Integer({ description: 'only when {"until": "idle"} stopped at 9999-12-31T23:59:59.999Z, the latest the clock reads: the events due after it, which never run' }))
})
export type AdvanceResult = Static<typeof AdvanceResultSchema>

export const ScenarioRuleSchema = Type.Object({
  to: Type.Optional(Type.String({ minLength: 1, description: 'an exact number, or a regular expression between slashes: "/^\\\\+3069/"' })),
  channel: Type.String({ description: 'Viber, Sms or Voice (case-insensitive)' }),
  outcome: Type.String({ description: "one of the channel's outcomes, as in X-Sandbox-Outcome" }),
  afterSeconds: Type.Optional(Type.Number({ minimum: 0, maximum: 86400 * 30, description: 'when the final status comes, in sandbox seconds after the send' }))
}, { additionalProperties: false })

export const ScenariosSchema = Type.Array(ScenarioRuleSchema, { maxItems: 1000 })

export const BalanceChangeSchema = Type.Object({
  balance: Type.Number({ minimum: 0, maximum: 1e9 })
}, { additionalProperties: false })

export const NewAccountSchema = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  balance: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 })),
  clock: Type.Optional(ClockModeSchema),
  scale: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 100000 }))
}, { additionalProperties: false })

export const AccountCredentialsSchema = Type.Object({
  accountId: Type.String(),
  applicationId: Type.String({ pattern: '^[0-9a-f]{24}$', description: '24 lower-case hex characters, as the provider\'s' }),
  applicationSecret: Type.String({ pattern: '^[A-Za-z0-9]{16}$', description: '16 letters and digits' })
})
export type AccountCredentials = Static<typeof AccountCredentialsSchema>

export const ResetResultSchema = Type.Object({ accountId: Type.String(), reset: Type.Literal(true) })
export type ResetResult = Static<typeof ResetResultSchema>

export const ForceStatusSchema = Type.Object({
  status: Type.String({ minLength: 1 }),
  detailedStatus: Type.Optional(Type.String({ minLength: 1 }))
}, { additionalProperties: false })

export const WaitQuerySchema = Type.Object({
  status: Type.Optional(Type.String({ default: 'Succeeded,Failed', description: 'comma-separated flow statuses' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 300000, default: 5000 }))
})

// a filter's name mistyped (trackingid=) is a 400, not a filter silently off that lists everything
export const MessagesQuerySchema = Type.Object({
  to: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String({ pattern: '^(?:[Ss][Mm][Ss]|[Vv][Ii][Bb][Ee][Rr]|[Vv][Oo][Ii][Cc][Ee])$', description: 'Sms, Viber or Voice (case-insensitive)' })),
  trackingId: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 }))
}, { additionalProperties: false })
