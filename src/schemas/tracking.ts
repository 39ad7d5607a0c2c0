import { Type } from 'typebox'

const Status = Type.Object({
  name: Type.String({ description: 'Viber upper case (QUEUED, DELIVERED, SEEN, …); Sms and Voice title case (Queued, Sent, Delivered, …)' }),
  reason: Type.Object({ detailedStatus: Type.String(), description: Type.String() }),
  updatedDate: Type.String({ format: 'date-time' })
})

const Nullable = <T extends ReturnType<typeof Type.String>>(s: T) => Type.Union([s, Type.Null()])

export const TrackingMessageSchema = Type.Object({
  type: Type.Union([Type.Literal('Sms'), Type.Literal('Viber'), Type.Literal('Voice')]),
  order: Type.Integer(),
  failoverOnStatuses: Type.Array(Type.String()),
  to: Type.Unknown({ description: 'E.164 number; for Voice the {phone, viber, sip} object' }),
  from: Type.String(),
  country: Nullable(Type.String({ description: 'ISO 3166 alpha-2, from the number' })),
  status: Status,
  price: Type.Number(),
  createdAt: Type.String({ format: 'date-time' }),
  // Sms
  messageId: Type.Optional(Type.String({ description: 'Sms and Voice (sandbox: also the id for /_sandbox/messages/{messageId})' })),
  smsId: Type.Optional(Type.String()),
  body: Type.Optional(Type.Unknown({ description: 'Sms: the text; standard Viber: {text, imageUrl, action}' })),
  operator: Type.Optional(Type.String()),
  part: Type.Optional(Type.Integer()),
  parts: Type.Optional(Type.Integer()),
  latency: Type.Optional(Type.Union([Type.Integer({ description: 'ms from send to final status' }), Type.Null()])),
  label: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  ttl: Type.Optional(Type.Number()),
  // Viber
  trackingId: Type.Optional(Type.String({ description: 'Viber: the message’s own id' })),
  expireOnDelivery: Type.Optional(Type.Boolean()),
  expiredOnDeliveryAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  inboundUrl: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  templateId: Type.Optional(Type.String()),
  templateLang: Type.Optional(Type.String()),
  templateParams: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
  deliveryScope: Type.Optional(Type.String()),
  seq: Type.Optional(Type.Integer()),
  // Voice
  conversationTrackingId: Type.Optional(Type.String()),
  duration: Type.Optional(Type.Integer({ description: 'seconds' }))
}, { $id: 'TrackingMessage' })

export const TrackingSchema = Type.Object({
  trackingId: Type.String({ format: 'uuid' }),
  flowKind: Type.Union([Type.Literal('standard'), Type.Literal('transactional')]),
  status: Type.Union(['Queued', 'InProgress', 'Succeeded', 'Failed'].map((s) => Type.Literal(s))),
  statusCode: Type.Union([Type.String({ description: '"0" server error, "1" insufficient balance, "2" no next step, "3" final status not in failoverOnStatuses' }), Type.Null()]),
  terminationChannel: Type.Union([Type.String(), Type.Null()]),
  totalPrice: Type.Number(),
  originatingService: Type.Literal('Failover'),
  applicationId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  messages: Type.Array(Type.Ref('TrackingMessage'))
}, { $id: 'Tracking', description: 'The flow record (§4): also the body of every callback (§6).' })

export const SearchFilterSchema = Type.Object({
  fieldName: Type.String({ description: 'type, to, status, terminationChannel or flowKind (case-insensitive)' }),
  searchOperator: Type.Optional(Type.String({ description: 'is (default), is_not; for to also contains, starts_with, ends_with (case-insensitive)' })),
  searchTerm: Type.String()
})

export const SearchBodySchema = Type.Unsafe<unknown>({
  anyOf: [Type.Array(SearchFilterSchema), SearchFilterSchema],
  description: 'An array of filters (ANDed) or a single filter; may be omitted.',
  'x-manual': true
})

export const SearchQuerySchema = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })),
  dateStart: Type.Optional(Type.String({ format: 'date-time' })),
  dateEnd: Type.Optional(Type.String({ format: 'date-time' }))
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
