import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ApiError, ERRORS } from '../../errors.js'
import { toMicros } from '../../money.js'
import { reviewTemplate } from '../../engine/templates.js'
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
    const body = request.body ?? {}
    const template = app.seed.accounts[0]
    const accountId = app.engine.ids.uuid()
    // shaped like the provider's credentials (sandbox.md "Accounts are namespaces"): a Basic header stays short
    const applicationId = app.engine.ids.applicationId()
    const applicationSecret = app.engine.ids.applicationSecret()
    const seed = { ...template, name: body.name ?? template.name, balance: body.balance ?? template.balance }
    const apps = [{ ...template.applications[0], id: applicationId, secret: applicationSecret }]
    app.engine.createAccount(accountId, seed, apps, body.clock === undefined && body.scale === undefined ? undefined : { mode: body.clock, scale: body.scale })
    return { accountId, applicationId, applicationSecret }
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
    const account = app.store.accounts.get(accountId)!
    app.store.resetAccount(accountId, account.seed, app.engine.clocks.now(accountId))
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
      return reviewTemplate(app.store, controlAccount(app, request), request.params.templateId, status)
    })
  }
}
