import { Type, type Static, type TSchema } from 'typebox'
import { ChannelSchema, FlowKindSchema } from '../vocabulary.js'

/*
 * What the recipient would have seen or heard (sandbox.md "Seeing what happened"), one item of
 * GET /_sandbox/messages and a timeline step's `recipient`. The routes still declare it as an
 * open object in the OpenAPI document; this schema is the shape src/engine/outbox.ts builds.
 */

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])

const recipientFields = {
  messageId: Type.String(),
  trackingId: Type.String(),
  flowKind: FlowKindSchema,
  channel: ChannelSchema,
  to: Type.String(),
  status: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  from: Type.String()
}

export const SmsRecipientSchema = Type.Object({
  ...recipientFields,
  sms: Type.Object({ text: Type.String(), encoding: Type.String(), parts: Type.Integer(), flash: Type.Boolean() })
})

export const TemplateViberRecipientSchema = Type.Object({
  ...recipientFields,
  viber: Type.Object({ text: Type.String(), templateId: Type.String(), templateLang: Type.String() })
})

export const ViberRecipientSchema = Type.Object({
  ...recipientFields,
  viber: Type.Object({
    text: Nullable(Type.String()),
    imageUrl: Nullable(Type.String()),
    button: Nullable(Type.Object({ caption: Type.String(), targetUrl: Type.String() })),
    video: Nullable(Type.Unknown()),
    file: Nullable(Type.Unknown())
  })
})

export const VoiceRecipientSchema = Type.Object({
  ...recipientFields,
  voice: Type.Object({
    say: Type.Array(Type.Object({ text: Type.String(), language: Type.String(), gender: Nullable(Type.String()) })),
    play: Type.Array(Type.String())
  })
})

export const RecipientViewSchema = Type.Union([SmsRecipientSchema, TemplateViberRecipientSchema, ViberRecipientSchema, VoiceRecipientSchema])
export type RecipientView = Static<typeof RecipientViewSchema>
