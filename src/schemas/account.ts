import { Type, type Static } from 'typebox'
import { ClockModeSchema } from '../vocabulary.js'

export const CurrencySchema = Type.Object({ code: Type.String(), name: Type.String(), sign: Type.String() })
export type Currency = Static<typeof CurrencySchema>

// provider-api.md §8: GET /accounts/me/balance; PUT /_sandbox/balance answers the same body
export const BalanceSchema = Type.Object({
  balance: Type.Number(),
  currency: CurrencySchema
}, { $id: 'Balance' })
export type Balance = Static<typeof BalanceSchema>

/** GET /_sandbox/accounts: one account as the dashboard lists it. */
export const AccountViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  balance: Type.Number(),
  currency: CurrencySchema,
  clock: Type.Object({ now: Type.String({ format: 'date-time', description: 'sandbox time of the account' }), mode: ClockModeSchema, scale: Type.Number() }),
  pendingFlows: Type.Integer({ description: 'flows Queued or InProgress' })
})
export type AccountView = Static<typeof AccountViewSchema>
