import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import { requireToken, requireScopes } from '../auth.js'
import { fromMicros } from '../money.js'
import { errorResponses } from '../schemas/common.js'
import type { App } from '../app.js'

export const BalanceSchema = Type.Object({
  balance: Type.Number(),
  currency: Type.Object({ code: Type.String(), name: Type.String(), sign: Type.String() })
}, { $id: 'Balance' })

/** provider-api.md §8: GET /accounts/me/balance (needs the account scope: MT_ROLE_ACCOUNT_FINANCE). */
export const accountRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App
  app.addHook('onRequest', requireToken(app.store, () => app.engine.clocks.time.now()))
  app.get('/accounts/me/balance', {
    schema: {
      tags: ['Provider API'],
      summary: 'Account balance',
      security: [{ bearer: [] }],
      response: { 200: BalanceSchema, ...errorResponses(401, 403) }
    }
  }, async (request) => {
    requireScopes(request.principal!, 'account')
    const account = app.store.accounts.get(request.principal!.accountId)!
    return { balance: fromMicros(account.balance), currency: account.currency }
  })
}
