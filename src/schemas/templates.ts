import { Type, type Static } from 'typebox'
import { TemplateCategorySchema, TemplateStatusSchema } from './seed.js'

// provider-api.md §8: the provider does not publish the template object; these fields are the sandbox's
export const TemplateSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  senderInfoTrackingId: Type.String(),
  name: Type.String(),
  category: TemplateCategorySchema,
  languages: Type.Record(Type.String(), Type.String(), { description: 'language code → text with {{placeholder}}s' }),
  placeholders: Type.Array(Type.String()),
  status: TemplateStatusSchema,
  createdAt: Type.String({ format: 'date-time' })
}, { $id: 'Template' })

const LANGUAGE_CODE = '^[a-z]{2}(?:[-_][A-Za-z]{2})?$'

export const NewTemplateSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  category: Type.Optional(TemplateCategorySchema),
  // typebox puts a Record's key pattern under patternProperties, which lets any other key through:
  // propertyNames makes Ajv refuse a key that is not a language code
  languages: Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 1000 }), {
    propertyNames: { pattern: LANGUAGE_CODE, description: 'a language code such as en or pt-BR' },
    minProperties: 1,
    maxProperties: 50,
    description: 'one text per language; OTP templates must contain {{pin}}',
    examples: [{ en: 'Hello {{customer_name}}, your order is on its way.' }]
  })
})
export type TemplateView = Static<typeof TemplateSchema>
export type NewTemplate = Static<typeof NewTemplateSchema>
