import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ApiError, ERRORS } from '../../errors.js'
import { toMicros } from '../../money.js'
import { balanceView } from '../../engine/views.js'
import { BalanceSchema } from '../../schemas/account.js'
import { errorResponses } from '../../schemas/common.js'
import { AccountCredentialsSchema, BalanceChangeSchema, NewAccountSchema, ResetResultSchema } from '../../schemas/sandbox.js'
import { CONTROL, controlAccount } from './context.js'

/** Accounts as namespaces (sandbox.md "Accounts"), balance, reset and template review. */
export const accountControlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/accounts', {
    schema: {
      ...CONTROL,
      summary: 'Create an isolated account with fresh credentials (seed senders, templates and balance copied in)',
      body: Type.Optional(NewAccountSchema),
      response: { 200: AccountCredentialsSchema, ...errorResponses(400) }
    }
  }, async (request) => {
    return app.engine.newAccount(app.seed.accounts[0], request.body ?? {})
  })

  app.delete('/accounts/:accountId', {
    schema: { ...CONTROL, summary: 'Delete an account and everything in it', params: Type.Object({ accountId: Type.String() }), response: { 204: Type.Null(), ...errorResponses(404) } }
  }, async (request, reply) => {
    if (!app.engine.deleteAccount(request.params.accountId)) throw new ApiError(ERRORS.ACCOUNT_NOT_FOUND)
    return await reply.code(204).send(null)
  })

  app.put('/balance', {
    schema: { ...CONTROL, summary: "Set the account's balance", body: BalanceChangeSchema, response: { 200: BalanceSchema, ...errorResponses(400, 404) } }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    app.store.accounts.setBalance(accountId, toMicros(request.body.balance))
    return balanceView(app.store.accounts.get(accountId)!)
  })

  app.post('/reset', {
    schema: {
      ...CONTROL,
      summary: "Clear the account's flows, messages and callbacks; restore its seed balance and templates",
      response: { 200: ResetResultSchema, ...errorResponses(404) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    app.engine.reset(accountId)
    return { accountId, reset: true as const }
  })

  for (const [action, status] of [['approve', 'APPROVED'], ['reject', 'REJECTED']] as const) {
    app.post(`/templates/:templateId/${action}`, {
      schema: {
        ...CONTROL,
        summary: `${action === 'approve' ? 'Approve' : 'Reject'} a PENDING template`,
        params: Type.Object({ templateId: Type.String() }),
        response: { 200: Type.Ref('Template'), ...errorResponses(404, 409) }
      }
    }, async (request) => {
      return app.engine.reviewTemplate(controlAccount(app, request), request.params.templateId, status)
    })
  }
}
