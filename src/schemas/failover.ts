import { Type, type Static, type TSchema } from 'typebox'
import { HttpUrlSchema, HttpsUrlSchema, PhoneSchema } from './common.js'

/*
 * The request bodies of POST /failover and POST /failover/transactional
 * (../shared/spec/provider-api.md §2–3 and transactional-failover.seed.txt).
 * Unknown properties are allowed by the schemas: the route reports them as warnings, or
 * rejects them when SANDBOX_STRICT is on (§2, last paragraph).
 */

const Order = Type.Integer({ minimum: 1, description: 'steps run in ascending order; ties keep array order (§2)' })
const FailoverOn = Type.Array(Type.String({ minLength: 1 }), {
  maxItems: 10,
  description: 'final statuses of this step that start the next one (case-insensitive)'
})
/** a field that this kind of step must not carry: its x-error tells the client where it belongs */
const Rejected = (error: string, description: string): TSchema => Type.Unsafe<never>({ not: {}, 'x-error': error, description })

// §2 Sms step
export const SmsMessageSchema = Type.Object({
  body: Type.String({ minLength: 1, maxLength: 100000 }),
  flash: Type.Optional(Type.Boolean({ default: false })),
  label: Type.Optional(Type.String({ maxLength: 350 })),
  transcode: Type.Optional(Type.Boolean()),
  urlShortener: Type.Optional(Type.Ref('UrlShortener'))
})

export const UrlShortenerSchema = Type.Object({
  urlValidity: Type.Optional(Type.Integer({ minimum: 3600, maximum: 2592000, default: 2592000, description: 'seconds' }))
}, { $id: 'UrlShortener' })

export const SmsStepSchema = Type.Object({
  type: Type.Literal('Sms'),
  order: Order,
  failoverOnStatuses: Type.Optional(FailoverOn),
  from: Type.String({
    minLength: 1,
    pattern: '^(?:[A-Za-z0-9]{1,11}|\\+?[0-9]{1,16})$',
    'x-error': { pattern: 'SMS_SENDER' },
    description: '1–11 letters or digits, or a number of up to 16 digits'
  }),
  to: PhoneSchema,
  ttl: Type.Optional(Type.Integer({ minimum: 1, maximum: 1440, default: 1200, description: 'minutes' })),
  message: SmsMessageSchema,
  urlShortener: Type.Optional(Type.Ref('UrlShortener'))
}, { title: 'SmsStep', description: 'An SMS step (§2). Allowed failoverOnStatuses: Undelivered, Failed (default both).' })

// §2 Viber step, standard endpoint
const ViberTtl = Type.Number({
  minimum: 0.5,
  maximum: 1440,
  multipleOf: 0.1,
  default: 10,
  'x-error': { multipleOf: 'VIBER_TTL_PRECISION' },
  description: 'minutes, 0.5–1440.0, at most one decimal place'
})

export const ViberMessageSchema = Type.Object({
  text: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  imageUrl: Type.Optional(HttpsUrlSchema()),
  action: Type.Optional(Type.Object({
    caption: Type.String({ minLength: 1, maxLength: 30 }),
    targetUrl: HttpUrlSchema
  })),
  viberFile: Type.Optional(Type.Object({
    fileName: Type.String({ minLength: 1, maxLength: 25 }),
    fileType: Type.Union(['doc', 'docx', 'rtf', 'dot', 'dotx', 'odt', 'odf', 'fodt', 'txt', 'info', 'pdf', 'xps', 'pdax', 'eps',
      'xls', 'xlsx', 'ods', 'fods', 'csv', 'xlsm', 'xltx'].map((t) => Type.Literal(t))),
    fileUrl: HttpsUrlSchema()
  })),
  viberVideo: Type.Optional(Type.Object({
    videoUrl: HttpsUrlSchema(),
    videoThumbnail: HttpsUrlSchema(),
    fileSize: Type.Number({ minimum: 0, maximum: 200, description: 'MB' }),
    duration: Type.Number({ minimum: 0, maximum: 600, description: 'seconds' })
  }))
}, { description: 'text · image · text+button · text+image+button · video · video+text · video+text+button · file' })

// the seed page: inboundUrl is an "HTTPS URL"; the host rule is a business rule (src/engine/accept.ts)
const InboundUrl = Type.String({
  ...HttpUrlSchema,
  description: "an HTTPS URL (http only for a local receiver: localhost, 127.0.0.0/8, ::1, host.docker.internal or the sandbox's own host)"
})

const TEMPLATE_ON_STANDARD = 'use POST /failover/transactional for template Viber steps'

export const ViberStepSchema = Type.Object({
  type: Type.Literal('Viber'),
  order: Order,
  failoverOnStatuses: Type.Optional(FailoverOn),
  senderInfoTrackingId: Type.String({ minLength: 1 }),
  to: PhoneSchema,
  ttl: Type.Optional(ViberTtl),
  expireOnDelivery: Type.Optional(Type.Boolean({ default: false })),
  inboundUrl: Type.Optional(InboundUrl),
  label: Type.Optional(Type.String({ maxLength: 350 })),
  message: Type.Optional(ViberMessageSchema),
  templateId: Type.Optional(Rejected('TEMPLATE_ON_STANDARD', TEMPLATE_ON_STANDARD)),
  templateLang: Type.Optional(Rejected('TEMPLATE_ON_STANDARD', TEMPLATE_ON_STANDARD)),
  templateParams: Type.Optional(Rejected('TEMPLATE_ON_STANDARD', TEMPLATE_ON_STANDARD)),
  deliveryScope: Type.Optional(Rejected('TEMPLATE_ON_STANDARD', TEMPLATE_ON_STANDARD)),
  // §3 lists seq with the template fields a transactional Viber step carries
  seq: Type.Optional(Rejected('TEMPLATE_ON_STANDARD', TEMPLATE_ON_STANDARD))
}, { title: 'ViberStep', description: 'A Viber step with a free-form message (§2). Allowed failoverOnStatuses: EXPIRED, FAILED, UNDELIVERED (default all).' })

// §3 and the seed page: template Viber step
export const TemplateParamsSchema = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()], { 'x-error': 'TEMPLATE_PARAM_TYPE' }), {
  description: 'a value for every placeholder of the template; OTP templates need pin'
})

const VIBER_MESSAGE_ON_TRANSACTIONAL = 'not accepted on this endpoint: use templateId, templateLang, templateParams'

export const TemplateViberStepSchema = Type.Object({
  type: Type.Literal('Viber'),
  order: Order,
  failoverOnStatuses: FailoverOn,
  senderInfoTrackingId: Type.String({ minLength: 1 }),
  to: PhoneSchema,
  templateId: Type.String({ minLength: 1, description: 'UUID of an APPROVED template of the sender' }),
  templateLang: Type.String({ minLength: 1, examples: ['en'] }),
  templateParams: Type.Optional(TemplateParamsSchema),
  deliveryScope: Type.Optional(Type.Union([Type.Literal('PRIMARY_DEVICE'), Type.Literal('ALL_DEVICES')], { default: 'PRIMARY_DEVICE' })),
  seq: Type.Optional(Type.Integer({ minimum: 0, description: 'assigned per account when absent; always echoed' })),
  ttl: Type.Optional(ViberTtl),
  expireOnDelivery: Type.Optional(Type.Boolean({ default: false })),
  inboundUrl: Type.Optional(InboundUrl),
  message: Type.Optional(Rejected('VIBER_MESSAGE_ON_TRANSACTIONAL', VIBER_MESSAGE_ON_TRANSACTIONAL)),
  label: Type.Optional(Rejected('LABEL_ON_TRANSACTIONAL', VIBER_MESSAGE_ON_TRANSACTIONAL))
}, { title: 'TemplateViberStep', description: 'A template Viber step (§3). failoverOnStatuses is required: EXPIRED, FAILED, UNDELIVERED.' })

// §2 Voice step
export const VOICE_LANGUAGES = ['en-US', 'de-DE', 'fr-FR', 'it-IT', 'pt-BR', 'es-ES', 'es-LA', 'en-GB', 'el-GR', 'bg-BG', 'pl-PL', 'hu-HU', 'sv-SE', 'ru-RU'] as const

export const SayVerbSchema = Type.Object({
  type: Type.Literal('SAY'),
  message: Type.Object({
    text: Type.String({ minLength: 1 }),
    language: Type.Union(VOICE_LANGUAGES.map((l) => Type.Literal(l))),
    gender: Type.Optional(Type.Union([Type.Literal('male'), Type.Literal('female')]))
  }),
  bargeIn: Type.Optional(Type.Boolean({ default: false })),
  repeat: Type.Optional(Type.Integer({ minimum: -1 }))
})

export const PlayVerbSchema = Type.Object({
  type: Type.Literal('PLAY'),
  fileURL: HttpUrlSchema,
  repeat: Type.Optional(Type.Integer({ minimum: -1, default: 0, description: '-1 = forever' })),
  bargeIn: Type.Optional(Type.Boolean())
})

/** A union that Ajv checks by its tag: errors then speak of the branch the tag names only. */
function tagged<T extends TSchema[]> (tag: string, branches: [...T], options: Record<string, unknown> = {}): TSchema {
  return Type.Unsafe<Static<T[number]>>({
    type: 'object',
    required: [tag],
    discriminator: { propertyName: tag },
    oneOf: branches,
    ...options
  })
}

export const DialPlanSchema = Type.Object({
  verbs: Type.Array(tagged('type', [SayVerbSchema, PlayVerbSchema]), { minItems: 1, maxItems: 50 })
}, { $id: 'DialPlan' })

const VOICE_TTL = 'Voice steps do not use ttl'

export const VoiceStepSchema = Type.Object({
  type: Type.Literal('Voice'),
  order: Order,
  failoverOnStatuses: Type.Optional(FailoverOn),
  from: Type.String({ minLength: 1, maxLength: 20 }),
  // §2's own example sends viber and sip blank: there "" is a documented value, kept and echoed (x-keep-empty)
  to: Type.Object({
    phone: Type.Optional(PhoneSchema),
    viber: Type.Optional(Type.String({ 'x-keep-empty': true })),
    sip: Type.Optional(Type.String({ 'x-keep-empty': true }))
  }),
  dialPlan: Type.Optional(Type.Ref('DialPlan')),
  dialPlans: Type.Optional(Type.Ref('DialPlan')),
  dialplan: Type.Optional(Type.Ref('DialPlan')),
  machineDetection: Type.Optional(Type.Object({
    strategy: Type.Union([Type.Literal('Hangup'), Type.Literal('Continue')]),
    eventUrl: Type.Optional(HttpUrlSchema)
  })),
  ttl: Type.Optional(Rejected('VOICE_TTL', VOICE_TTL))
}, { title: 'VoiceStep', description: 'A Voice step (§2). Allowed failoverOnStatuses: Completed, Busy, NoAnswer, Failed, Unsent, Terminated (default Busy, NoAnswer).' })

export const CallbackSchema = Type.Object({
  strategy: Type.Optional(Type.String({ description: 'OnChange, OnStep or OnCompletion (case-insensitive, echoed as sent); default OnCompletion' })),
  url: HttpUrlSchema
}, { $id: 'Callback' })

// §2: a flow holds 1–10 steps (sandbox choice)
export const MAX_STEPS = 10

export const StandardFailoverRequestSchema = Type.Object({
  flow: Type.Array(tagged('type', [SmsStepSchema, ViberStepSchema, VoiceStepSchema]), { minItems: 1, maxItems: MAX_STEPS }),
  callback: Type.Optional(Type.Ref('Callback')),
  restrictions: Type.Optional(Type.Unknown({ description: 'accepted and echoed; no effect' }))
}, { $id: 'FailoverRequest' })

export const TransactionalFailoverRequestSchema = Type.Object({
  flow: Type.Array(tagged('type', [SmsStepSchema, TemplateViberStepSchema, VoiceStepSchema]), { minItems: 1, maxItems: MAX_STEPS }),
  callback: Type.Optional(Type.Ref('Callback')),
  restrictions: Type.Optional(Type.Unknown({ description: 'accepted and echoed; no effect' }))
}, { $id: 'TransactionalFailoverRequest' })

export type SmsStep = Static<typeof SmsStepSchema>
export type ViberStep = Static<typeof ViberStepSchema>
export type TemplateViberStep = Static<typeof TemplateViberStepSchema>
export type VoiceStep = Static<typeof VoiceStepSchema>
export type DialPlan = Static<typeof DialPlanSchema>
export type Callback = Static<typeof CallbackSchema>

/** the schemas referenced by $id, registered once with app.addSchema */
export const SHARED_SCHEMAS = [UrlShortenerSchema, DialPlanSchema, CallbackSchema]

export type AnyStep = SmsStep | ViberStep | TemplateViberStep | VoiceStep
export type { FlowKind } from '../vocabulary.js'

/** A flow as accepted: the request with unknown properties removed and defaults filled in. */
export interface FlowRequest {
  flow: AnyStep[]
  callback?: Callback
  restrictions?: unknown
}

/*
 * The 200 bodies echo the flow as accepted (§2–3): unknown properties removed, defaults filled in,
 * the Voice dial plan under its one spelling (dialPlan). The echoed steps are the request steps
 * with the defaulted fields required and the fields a step of that endpoint never carries left out.
 */
const omit = (properties: Record<string, TSchema>, ...keys: string[]): Record<string, TSchema> =>
  Object.fromEntries(Object.entries(properties).filter(([key]) => !keys.includes(key)))

const EchoSmsStep = Type.Object({
  ...SmsStepSchema.properties,
  failoverOnStatuses: FailoverOn,
  ttl: Type.Integer({ description: 'minutes (default 1200)' }),
  message: Type.Object({ ...SmsMessageSchema.properties, flash: Type.Boolean() })
}, { title: 'SmsStepEcho' })

const viberEcho = {
  failoverOnStatuses: FailoverOn,
  ttl: Type.Number({ description: 'minutes (default 10)' }),
  expireOnDelivery: Type.Boolean()
}

const EchoViberStep = Type.Object({
  ...omit(ViberStepSchema.properties, 'templateId', 'templateLang', 'templateParams', 'deliveryScope'),
  ...viberEcho
}, { title: 'ViberStepEcho' })

const EchoTemplateViberStep = Type.Object({
  ...omit(TemplateViberStepSchema.properties, 'message', 'label'),
  ...viberEcho,
  templateParams: TemplateParamsSchema,
  deliveryScope: Type.Union([Type.Literal('PRIMARY_DEVICE'), Type.Literal('ALL_DEVICES')]),
  seq: Type.Integer({ minimum: 0, description: 'as sent, or assigned per account' })
}, { title: 'TemplateViberStepEcho' })

const EchoVoiceStep = Type.Object({
  ...omit(VoiceStepSchema.properties, 'dialPlans', 'dialplan', 'ttl'),
  failoverOnStatuses: FailoverOn,
  dialPlan: Type.Ref('DialPlan')
}, { title: 'VoiceStepEcho' })

const EchoCallback = Type.Object({
  ...CallbackSchema.properties,
  strategy: Type.String({ description: 'as sent; OnCompletion when left out' })
})

export const StandardFailoverResponseSchema = Type.Object({
  trackingId: Type.String({ format: 'uuid' }),
  flow: Type.Array(tagged('type', [EchoSmsStep, EchoViberStep, EchoVoiceStep]), { description: 'each step echoed with defaults filled in' }),
  callback: Type.Optional(EchoCallback),
  restrictions: Type.Optional(Type.Unknown({ description: 'as sent' })),
  createdAt: Type.String({ format: 'date-time' })
}, { $id: 'FailoverResponse', description: 'No flowKind here: the standard response is unchanged (§2).' })

export const TransactionalFailoverResponseSchema = Type.Object({
  trackingId: Type.String({ format: 'uuid' }),
  flowKind: Type.Literal('transactional'),
  flow: Type.Array(tagged('type', [EchoSmsStep, EchoTemplateViberStep, EchoVoiceStep]), { description: 'echoed steps; Viber steps carry template fields and seq' }),
  callback: Type.Optional(EchoCallback),
  restrictions: Type.Optional(Type.Unknown({ description: 'as sent' })),
  createdAt: Type.String({ format: 'date-time' })
}, { $id: 'TransactionalFailoverResponse' })

export type StandardFailoverResponse = Static<typeof StandardFailoverResponseSchema>
export type TransactionalFailoverResponse = Static<typeof TransactionalFailoverResponseSchema>
export type FailoverResponse = StandardFailoverResponse | TransactionalFailoverResponse
