import { Type, type Static } from 'typebox'

/*
 * sandbox.md "Test levers": the request journal, fault rules and the webhook receiver.
 */

export const AppliedFaultSchema = Type.Object({
  source: Type.Union([Type.Literal('rule'), Type.Literal('header')], { description: 'a rule of PUT /_sandbox/faults, or the X-Sandbox-Fault header' }),
  rule: Type.Optional(Type.Integer({ description: "the rule's index in the account's list" })),
  status: Type.Optional(Type.Integer()),
  retryAfter: Type.Optional(Type.Integer()),
  delayMs: Type.Optional(Type.Integer()),
  drop: Type.Optional(Type.Union([Type.Literal('reset'), Type.Literal('hang')])),
  afterCommit: Type.Optional(Type.Boolean())
}, { $id: 'AppliedFault', description: 'the fault applied to a journaled request' })

export const JournalEntrySchema = Type.Object({
  id: Type.Integer({ description: 'increases with each request journaled' }),
  at: Type.String({ format: 'date-time', description: "the account's sandbox time when the request finished" }),
  realAt: Type.String({ format: 'date-time', description: 'wall clock' }),
  method: Type.String(),
  path: Type.String(),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'null: no answer was sent (a dropped or hung connection)' }),
  durationMs: Type.Number(),
  request: Type.Object({
    headers: Type.Record(Type.String(), Type.String(), { description: 'Authorization and cookies redacted' }),
    body: Type.Union([Type.String(), Type.Null()], { description: 'as sent (client secrets and tokens redacted), cut at SANDBOX_JOURNAL_MAX_BODY_BYTES with a marker' }),
    json: Type.Optional(Type.Unknown({ description: 'the body parsed, when it is a whole JSON object or array' }))
  }),
  response: Type.Object({
    body: Type.Union([Type.String(), Type.Null()], { description: 'what the client got (tokens redacted)' }),
    json: Type.Optional(Type.Unknown({ description: 'the body parsed, when it is a whole JSON object or array' }))
  }),
  trackingId: Type.Optional(Type.String()),
  errorCode: Type.Optional(Type.String({ description: 'the code (or OAuth2 error) of a 4xx/5xx answer' })),
  fault: Type.Optional(Type.Ref('AppliedFault'))
}, { $id: 'JournalEntry' })
export type JournalEntryView = Static<typeof JournalEntrySchema>

export const JournalQuerySchema = Type.Object({
  method: Type.Optional(Type.String({ description: 'GET, POST… (any case)' })),
  path: Type.Optional(Type.String({ description: 'an exact path, or a prefix ending with *: /failover/tracking*' })),
  status: Type.Optional(Type.String({ pattern: '^(?:[1-5][0-9]{2}|[1-5]xx|none)$', description: 'a status (400), a class (4xx), or none (no answer: dropped or hung)' })),
  trackingId: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ description: 'sandbox time (ISO-8601 or epoch ms): requests at or after it' })),
  body: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'sandbox addition: a text the request body contains, e.g. +306900000200' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 }))
// a filter's name mistyped (trackingid=) is a 400, not a filter silently off that counts everything
}, { additionalProperties: false })
export type JournalQuery = Static<typeof JournalQuerySchema>

export const JournalListSchema = Type.Array(Type.Ref('JournalEntry'))
export const CountSchema = Type.Object({ count: Type.Integer() })

export const FaultRuleSchema = Type.Object({
  route: Type.String({ minLength: 1, maxLength: 200, description: '"*" or a method and an API path: "POST /failover/transactional", "GET /failover/tracking/{trackingId}"' }),
  status: Type.Optional(Type.Integer({ description: '500, 502, 503, 504 or 429, with a provider-shaped body' })),
  retryAfter: Type.Optional(Type.Integer({ description: 'seconds, sent as Retry-After (429 and 503 only)' })),
  delayMs: Type.Optional(Type.Integer({ description: 'answer this late (alone, or before the status); at most 120000' })),
  drop: Type.Optional(Type.String({ description: '"reset": the connection is destroyed, no answer; "hang": no answer until the client gives up (closed after SANDBOX_FAULT_HANG_MS)' })),
  afterCommit: Type.Optional(Type.Boolean({ description: 'the request runs and is stored (a send is accepted, the flow runs), then the answer is replaced' })),
  times: Type.Optional(Type.Integer({ description: 'apply to the next N matching requests, then the rule is spent' })),
  probability: Type.Optional(Type.Number({ description: '0–1, drawn from a generator seeded with SANDBOX_FAULT_SEED (restarted at each PUT)' }))
}, { additionalProperties: false, $id: 'FaultRule' })

export const FaultRulesSchema = Type.Array(Type.Ref('FaultRule'), { maxItems: 100, description: 'ordered: the first matching rule applies' })

export const FaultRuleStateSchema = Type.Object({
  route: Type.String(),
  status: Type.Optional(Type.Integer()),
  retryAfter: Type.Optional(Type.Integer()),
  delayMs: Type.Optional(Type.Integer()),
  drop: Type.Optional(Type.String()),
  afterCommit: Type.Optional(Type.Boolean()),
  times: Type.Optional(Type.Integer({ description: 'what is left of the rule\'s times (0: spent)' })),
  probability: Type.Optional(Type.Number()),
  remaining: Type.Union([Type.Integer(), Type.Null()], { description: 'what is left of times; null: unlimited' })
})
export const FaultRuleStatesSchema = Type.Array(FaultRuleStateSchema)

export const WebhookNameSchema = Type.Object({
  name: Type.String({ pattern: '^[A-Za-z0-9._~-]{1,100}$', description: 'letters, digits, . _ ~ - (1 to 100)' })
})

export const WebhookArrivalSchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time', description: 'wall clock' }),
  method: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  contentType: Type.Union([Type.String(), Type.Null()]),
  body: Type.String({ description: 'the body as text, cut at SANDBOX_INBOX_MAX_BODY_BYTES with a marker when truncated' }),
  json: Type.Optional(Type.Unknown({ description: 'the body parsed, when it is JSON' })),
  size: Type.Integer({ description: 'bytes received' }),
  truncated: Type.Boolean()
}, { $id: 'WebhookArrival' })
export const WebhookArrivalsSchema = Type.Array(Type.Ref('WebhookArrival'))

export const LEVER_SCHEMAS = [AppliedFaultSchema, JournalEntrySchema, FaultRuleSchema, WebhookArrivalSchema]
