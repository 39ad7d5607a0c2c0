import { Type, type Static } from 'typebox'

export const ScopeSchema = Type.Union(['sms', 'viber', 'voice', 'failover', 'account'].map((s) => Type.Literal(s)))
export type Scope = 'sms' | 'viber' | 'voice' | 'failover' | 'account'

export const TemplateCategorySchema = Type.Union([Type.Literal('TRANSACTIONAL'), Type.Literal('OTP')])
export const TemplateStatusSchema = Type.Union([Type.Literal('PENDING'), Type.Literal('APPROVED'), Type.Literal('REJECTED')])

const SeedTemplateSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  senderInfoTrackingId: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  category: TemplateCategorySchema,
  languages: Type.Record(Type.String(), Type.String({ minLength: 1 })),
  status: TemplateStatusSchema
}, { additionalProperties: false })

export const SeedAccountSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  balance: Type.Number({ minimum: 0 }),
  currency: Type.Object({ code: Type.String(), name: Type.String(), sign: Type.String() }),
  prices: Type.Object({
    sms: Type.Number({ minimum: 0 }),
    viberTransactional: Type.Number({ minimum: 0 }),
    viberPromotional: Type.Number({ minimum: 0 }),
    voice: Type.Number({ minimum: 0 })
  }),
  applications: Type.Array(Type.Object({
    id: Type.String({ minLength: 1 }),
    secret: Type.String({ minLength: 1 }),
    scopes: Type.Array(ScopeSchema),
    // §1: 3600 s by default; an application can be configured for 86400 or 631139040 s
    tokenLifetime: Type.Union([Type.Literal(3600), Type.Literal(86400), Type.Literal(631139040)])
  }, { additionalProperties: false }), { minItems: 1 }),
  senders: Type.Array(Type.Object({ id: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }), active: Type.Boolean() }, { additionalProperties: false })),
  templates: Type.Array(SeedTemplateSchema)
}, { additionalProperties: false })

export const SeedSchema = Type.Object({
  accounts: Type.Array(SeedAccountSchema, { minItems: 1 })
}, { additionalProperties: false })

export type SeedAccount = Static<typeof SeedAccountSchema>
export type SeedTemplate = Static<typeof SeedTemplateSchema>
export type Seed = Static<typeof SeedSchema>
