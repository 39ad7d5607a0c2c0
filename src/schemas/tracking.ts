import { Type, type Static, type TSchema } from 'typebox'
import { FlowKindSchema, FlowStatusSchema } from '../vocabulary.js'

const Status = Type.Object({
  name: Type.String({ description: 'Viber upper case (QUEUED, DELIVERED, SEEN, …); Sms and Voice title case (Queued, Sent, Delivered, …)' }),
  reason: Type.Object({ detailedStatus: Type.String(), description: Type.String() }),
  updatedDate: Type.String({ format: 'date-time' })
})

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])

/*
 * One message of a flow record (provider-api.md §4), one shape per channel: the fields every
 * message carries, then the channel's own. A Viber message is shaped by its flow: a standard flow's
 * carries body and label, a transactional flow's the template fields and no body.
 */
const messageFields = {
  order: Type.Integer(),
  failoverOnStatuses: Type.Array(Type.String()),
  from: Type.String({ description: 'Sms and Voice: the sender as sent; Viber: the sender’s display name' }),
  country: Nullable(Type.String({ description: 'ISO 3166 alpha-2, from the number' })),
  status: Status,
  price: Type.Number(),
  createdAt: Type.String({ format: 'date-time' })
}

const viberFields = {
  type: Type.Literal('Viber'),
  to: Type.String({ description: 'E.164 number' }),
  ...messageFields,
  trackingId: Type.String({ description: 'the Viber message’s own id (sandbox: also the id for /_sandbox/messages/{messageId})' }),
  ttl: Type.Number({ description: 'minutes' }),
  expireOnDelivery: Type.Boolean(),
  expiredOnDeliveryAt: Nullable(Type.String({ format: 'date-time' })),
  inboundUrl: Nullable(Type.String())
}

export const TrackingSmsMessageSchema = Type.Object({
  type: Type.Literal('Sms'),
  to: Type.String({ description: 'E.164 number' }),
  ...messageFields,
  messageId: Type.String({ description: 'one per message (sandbox: also the id for /_sandbox/messages/{messageId})' }),
  smsId: Type.String(),
  body: Type.String(),
  operator: Type.String(),
  part: Type.Integer(),
  parts: Type.Integer(),
  latency: Nullable(Type.Integer({ description: 'ms from send to final status; null until then' })),
  label: Nullable(Type.String()),
  ttl: Type.Integer({ description: 'minutes' })
}, { title: 'TrackingSmsMessage' })

export const TrackingViberMessageSchema = Type.Object({
  ...viberFields,
  body: Type.Object({
    text: Nullable(Type.String()),
    imageUrl: Nullable(Type.String()),
    action: Nullable(Type.Object({ caption: Type.String(), targetUrl: Type.String() })),
    viberVideo: Type.Optional(Type.Object({ videoUrl: Type.String(), videoThumbnail: Type.String(), fileSize: Type.Number(), duration: Type.Number() })),
    viberFile: Type.Optional(Type.Object({ fileName: Type.String(), fileType: Type.String(), fileUrl: Type.String() }))
  }, { description: 'the message as sent: text, imageUrl and action (button) always, null where not sent; viberVideo or viberFile when sent' }),
  label: Nullable(Type.String())
}, { title: 'TrackingViberMessage', description: 'A Viber message of a standard flow.' })

export const TrackingTemplateViberMessageSchema = Type.Object({
  ...viberFields,
  templateId: Type.String(),
  templateLang: Type.String(),
  templateParams: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
  deliveryScope: Type.Union([Type.Literal('PRIMARY_DEVICE'), Type.Literal('ALL_DEVICES')]),
  seq: Type.Integer()
}, { title: 'TrackingTemplateViberMessage', description: 'A Viber message of a transactional flow (§3): template fields, no body.' })

export const TrackingVoiceMessageSchema = Type.Object({
  type: Type.Literal('Voice'),
  to: Type.Object({ phone: Type.Optional(Type.String()), viber: Type.Optional(Type.String()), sip: Type.Optional(Type.String()) }, { description: 'the step’s to, as sent' }),
  ...messageFields,
  messageId: Type.String({ description: 'sandbox: also the id for /_sandbox/messages/{messageId}' }),
  conversationTrackingId: Type.String(),
  duration: Type.Integer({ description: 'seconds' })
}, { title: 'TrackingVoiceMessage', description: 'A Voice message (sandbox choice: the provider does not publish this record).' })

export const TrackingMessageSchema = Type.Union([
  TrackingSmsMessageSchema, TrackingViberMessageSchema, TrackingTemplateViberMessageSchema, TrackingVoiceMessageSchema
], { $id: 'TrackingMessage', description: 'One message per step started, in the order the steps ran (§4).' })

export const TrackingSchema = Type.Object({
  trackingId: Type.String({ format: 'uuid' }),
  flowKind: FlowKindSchema,
  status: FlowStatusSchema,
  statusCode: Type.Union([Type.String({ description: '"0" server error, "1" insufficient balance, "2" no next step, "3" final status not in failoverOnStatuses' }), Type.Null()]),
  terminationChannel: Type.Union([Type.String(), Type.Null()]),
  totalPrice: Type.Number(),
  originatingService: Type.Literal('Failover'),
  applicationId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  messages: Type.Array(Type.Ref('TrackingMessage'))
}, { $id: 'Tracking', description: 'The flow record (§4): also the body of every callback (§6).' })

export type TrackingSmsMessage = Static<typeof TrackingSmsMessageSchema>
export type TrackingViberMessage = Static<typeof TrackingViberMessageSchema>
export type TrackingTemplateViberMessage = Static<typeof TrackingTemplateViberMessageSchema>
export type TrackingVoiceMessage = Static<typeof TrackingVoiceMessageSchema>
export type TrackingMessage = Static<typeof TrackingMessageSchema>
// `messages` is a $ref in the schema: its static type is spelled out here
export type Tracking = Omit<Static<typeof TrackingSchema>, 'messages'> & { messages: TrackingMessage[] }

export const SearchFilterSchema = Type.Object({
  fieldName: Type.String({ description: 'type, to, status, terminationChannel or flowKind (case-insensitive)' }),
  searchOperator: Type.Optional(Type.String({ description: 'is (default), is_not; for to also contains, starts_with, ends_with (case-insensitive)' })),
  searchTerm: Type.String({ minLength: 1, maxLength: 1000 })
})

export const SearchBodySchema = Type.Unsafe<unknown>({
  anyOf: [Type.Array(SearchFilterSchema), SearchFilterSchema],
  description: 'An array of filters (ANDed) or a single filter; may be omitted.',
  'x-manual': true
})

export const SearchQuerySchema = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000000, default: 0 })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
  // §4 says <ISO>: an ISO-8601 date-time, or a date alone (the whole day, UTC: sandbox choice)
  dateStart: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.String({ format: 'date' })], { description: 'an ISO-8601 date-time (2026-11-30T08:00:00Z) or a date (2026-11-30: from the start of that day, UTC)' })),
  dateEnd: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.String({ format: 'date' })], { description: 'an ISO-8601 date-time (2026-11-30T08:00:00Z) or a date (2026-11-30: to the end of that day, UTC)' }))
})

export const TrackingPageSchema = Type.Object({
  content: Type.Array(Type.Ref('Tracking')),
  totalPages: Type.Integer(),
  totalElements: Type.Integer(),
  number: Type.Integer(),
  size: Type.Integer(),
  numberOfElements: Type.Integer(),
  first: Type.Boolean(),
  last: Type.Boolean()
}, { $id: 'TrackingPage' })
export type TrackingPage = Omit<Static<typeof TrackingPageSchema>, 'content'> & { content: Tracking[] }
