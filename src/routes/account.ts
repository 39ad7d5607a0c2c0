import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireToken, requireScopes } from '../auth.js'
import { balanceView } from '../engine/views.js'
import { BalanceSchema } from '../schemas/account.js'
import { apiErrorResponses } from '../schemas/common.js'

/** provider-api.md §8: GET /accounts/me/balance (needs the account scope: MT_ROLE_ACCOUNT_FINANCE). */
export const accountRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireToken(app.store, () => app.engine.wallNow()))
  app.get('/accounts/me/balance', {
    schema: {
      tags: ['Provider API'],
      summary: 'Account balance',
      security: [{ bearer: [] }],
      response: { 200: BalanceSchema, ...apiErrorResponses(401, 403) }
    }
  }, async (request) => {
    requireScopes(request.principal!, 'account')
    return balanceView(app.store.accounts.get(request.principal!.accountId)!)
  })
}
