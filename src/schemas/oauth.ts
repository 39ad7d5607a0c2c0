import { Type, type Static } from 'typebox'

export const TokenRequestSchema = Type.Object({
  grant_type: Type.Optional(Type.String({ description: 'client_credentials (the only grant)' })),
  scope: Type.Optional(Type.String({ description: 'space- or comma-separated subset of the application scopes', examples: ['failover sms viber'] }))
})

export const TokenResponseSchema = Type.Object({
  access_token: Type.String({ format: 'uuid' }),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'seconds left' }),
  scope: Type.String(),
  permissions: Type.Array(Type.String())
}, { $id: 'TokenResponse' })

export type TokenRequest = Static<typeof TokenRequestSchema>
export type TokenResponse = Static<typeof TokenResponseSchema>
