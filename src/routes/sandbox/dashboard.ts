import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { ApiError, ERRORS } from '../../errors.js'
import { explainFlow } from '../../engine/explain.js'
import { trackingRecord } from '../../engine/tracking.js'
import { accountView, iso } from '../../engine/views.js'
import type { SearchFilter } from '../../store/flows.js'
import { AccountViewSchema } from '../../schemas/account.js'
import { errorResponses } from '../../schemas/common.js'
import { AccountQuerySchema, DemoResultSchema, DemoSendSchema, FlowListSchema, TimelineSchema } from '../../schemas/dashboard.js'
import { SEED_EXAMPLE } from '../../vocabulary.js'
import { CONTROL, controlAccount } from './context.js'

/*
 * What the dashboard (GET /, src/ui/) reads beyond the other control routes: the account list, the
 * flow list, a flow's explained timeline, and a demo sender with a built-in callback receiver so a
 * demo needs no other tool.
 */

/** The account a dashboard call acts on: ?accountId= (what EventSource and links can carry), else as other control routes. */
function dashboardAccount (app: Pick<FastifyInstance, 'engine' | 'config' | 'store'>, request: FastifyRequest): string {
  const query = (request.query as { accountId?: string } | undefined)?.accountId
  if (query === undefined || query === '') return controlAccount(app, request)
  if (!app.store.accounts.get(query)) throw new ApiError(ERRORS.ACCOUNT_NOT_FOUND, `Account ${query} not found: create one with POST /_sandbox/accounts.`)
  return query
}

/**
 * The seed page's example with `to` on every step, and the callback and the Viber step's inboundUrl
 * sent to `webhook` (so the dashboard's reply button has somewhere to post).
 */
export function demoBody (to: string, transactional: boolean, webhook: string): Record<string, any> {
  const body = structuredClone(SEED_EXAMPLE)
  for (const step of body.flow) step.to = to
  body.flow[0].inboundUrl = webhook
  if (!transactional) {
    const viber = body.flow[0]
    for (const key of ['templateId', 'templateLang', 'templateParams', 'deliveryScope']) delete viber[key]
    viber.message = { text: `Hello ${SEED_EXAMPLE.flow[0].templateParams.customer_name}, your order is on its way.` }
  }
  body.callback = { ...body.callback, url: webhook }
  return body
}

export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/accounts', {
    schema: { ...CONTROL, summary: 'Every account, with its balance and clock', response: { 200: Type.Array(AccountViewSchema) } }
  }, async () => app.store.accounts.list().map((a) => accountView(a, app.engine.clock(a.id), app.store.flows.pendingFlows(a.id))))

  app.get('/flows', {
    schema: {
      ...CONTROL,
      summary: "The account's flows, newest first, as tracking records with the wall-clock time they were accepted",
      querystring: Type.Object({
        ...AccountQuerySchema.properties,
        to: Type.Optional(Type.String({ minLength: 1, description: 'a number, or part of one, of any step' })),
        status: Type.Optional(Type.String({ minLength: 1, description: 'Queued, InProgress, Succeeded or Failed (case-insensitive)' })),
        flowKind: Type.Optional(Type.String({ minLength: 1, description: 'standard or transactional' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 }))
      }),
      response: { 200: FlowListSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = dashboardAccount(app, request)
    const { to, status, flowKind, limit } = request.query
    const filters: SearchFilter[] = []
    if (to !== undefined) filters.push({ field: 'to', op: 'contains', term: to })
    if (status !== undefined) filters.push({ field: 'status', op: 'is', term: status })
    if (flowKind !== undefined) filters.push({ field: 'flowKind', op: 'is', term: flowKind })
    const { flows, total } = app.store.flows.search(accountId, { filters, page: 0, size: limit ?? 50 })
    return {
      total,
      flows: flows.map((f) => ({ ...trackingRecord(f, app.store.flows.messagesOf(f.id)), createdReal: iso(f.createdReal) }))
    }
  })

  app.get('/flows/:trackingId/timeline', {
    schema: {
      ...CONTROL,
      summary: 'The flow step by step: every status change with its sandbox time, what the recipient saw, and why each step failed over or ended the flow',
      params: Type.Object({ trackingId: Type.String() }),
      querystring: AccountQuerySchema,
      response: { 200: TimelineSchema, ...errorResponses(404) }
    }
  }, async (request) => {
    const accountId = dashboardAccount(app, request)
    const flow = app.store.flows.flow(request.params.trackingId)
    if (!flow || flow.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
    return explainFlow(app.store, flow)
  })

  app.post('/demo/send', {
    schema: {
      ...CONTROL,
      summary: "Send the seed page's example to `to` as the account's first application would, with callbacks to the receiver /_sandbox/webhooks/demo",
      description: 'Pick the outcome with a magic number +306900000VSC: +306900000200 = Viber expires, SMS delivered.',
      querystring: AccountQuerySchema,
      body: DemoSendSchema,
      response: { 200: DemoResultSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = dashboardAccount(app, request)
    const application = app.store.auth.applicationsOf(accountId)[0]
    if (!application) throw new ApiError(ERRORS.VALIDATION, `Account ${accountId} has no application to send with.`)
    const transactional = request.body.transactional ?? true
    // the server posts its callbacks to itself, at the address the browser used
    // (the receiver: the control-plane guard refuses the sandbox's own callbacks anywhere else)
    const body = demoBody(request.body.to, transactional, `${request.protocol}://${request.host}/_sandbox/webhooks/demo`)
    const { flow, response } = app.engine.accept({
      accountId,
      applicationId: application.id,
      scopes: application.scopes,
      kind: transactional ? 'transactional' : 'standard',
      body,
      unknown: [],
      ownHost: request.host,
      outcomes: {}
    })
    return { trackingId: flow.id, request: body, response }
  })

  app.post('/demo/webhook', {
    config: { anyBody: true },
    schema: { ...CONTROL, summary: 'A callback receiver for demos: acknowledges anything with 204 and keeps nothing (the attempt is in GET /_sandbox/callbacks)', response: { 204: Type.Null() } }
  }, async (_request, reply) => await reply.code(204).send(null))
}
