import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Type, type TSchema } from 'typebox'
import { ApiError, ERRORS } from '../../errors.js'
import { explainFlow } from '../../engine/explain.js'
import { iso, trackingRecord } from '../../engine/tracking.js'
import type { SearchFilter } from '../../store/flows.js'
import { fromMicros } from '../../money.js'
import { errorResponses, PhoneSchema } from '../../schemas/common.js'
import { TrackingSchema } from '../../schemas/tracking.js'
import { UI_DIR } from '../../paths.js'
import type { App } from '../../app.js'
import { CONTROL, controlAccount } from './context.js'

/*
 * What the dashboard (GET /, src/ui/) reads beyond the other control routes: the account list, the
 * flow list, a flow's explained timeline, and a demo sender with a built-in callback receiver so a
 * demo needs no other tool.
 */

// the seed page's example, as test/fixtures/seed-example.json (a test keeps the two equal)
const SEED_EXAMPLE = JSON.parse(readFileSync(join(UI_DIR, 'seed-example.json'), 'utf8'))

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()])
const DateTime = (description?: string) => Type.String({ format: 'date-time', ...(description ? { description } : {}) })

const AccountQuery = { accountId: Type.Optional(Type.String({ description: 'the account (EventSource-style); else X-Sandbox-Account, the bearer token or "sandbox"' })) }

const AccountViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  balance: Type.Number(),
  currency: Type.Object({ code: Type.String(), name: Type.String(), sign: Type.String() }),
  clock: Type.Object({ now: DateTime('sandbox time of the account'), mode: Type.Union([Type.Literal('realtime'), Type.Literal('manual')]), scale: Type.Number() }),
  pendingFlows: Type.Integer({ description: 'flows Queued or InProgress' })
})

const FlowListSchema = Type.Object({
  total: Type.Integer({ description: 'flows matching the filters' }),
  flows: Type.Array(Type.Object({ ...TrackingSchema.properties, createdReal: DateTime('wall-clock time the flow was accepted') }))
})

const StatusChangeSchema = Type.Object({
  status: Type.String(),
  detailedStatus: Type.String(),
  note: Nullable(Type.String()),
  at: DateTime('sandbox time'),
  offsetMs: Type.Integer({ description: 'ms after the flow was accepted' })
})

const TimelineStepSchema = Type.Object({
  index: Type.Integer({ description: "the step's index in the request's flow array" }),
  order: Type.Integer(),
  channel: Type.Union([Type.Literal('Viber'), Type.Literal('Sms'), Type.Literal('Voice')]),
  to: Type.String(),
  failoverOnStatuses: Type.Array(Type.String()),
  ttl: Nullable(Type.Number({ description: 'minutes' })),
  inboundUrl: Nullable(Type.String({ description: 'Viber: where a reply goes (POST /_sandbox/messages/{messageId}/reply)' })),
  state: Type.Union(['pending', 'ended', 'waiting', 'skipped'].map((s) => Type.Literal(s)), {
    description: 'pending: sent, no final status yet; ended: final status reached; waiting: not started yet; skipped: never ran'
  }),
  messageId: Nullable(Type.String()),
  status: Nullable(Type.String()),
  detailedStatus: Nullable(Type.String()),
  price: Nullable(Type.Number()),
  outcome: Nullable(Type.Object({ outcome: Type.String(), source: Type.String({ description: 'header, scenario, magic or default' }) })),
  changes: Type.Array(StatusChangeSchema),
  recipient: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'what the recipient saw, as GET /_sandbox/messages shows it' })),
  why: Type.String({ description: 'why the step failed over, ended the flow, or what it waits for' })
})

const TimelineSchema = Type.Object({
  trackingId: Type.String(),
  accountId: Type.String(),
  flowKind: Type.Union([Type.Literal('standard'), Type.Literal('transactional')]),
  status: Type.String(),
  statusCode: Nullable(Type.String()),
  terminationChannel: Nullable(Type.String()),
  totalPrice: Type.Number(),
  currency: Type.String(),
  createdAt: DateTime('sandbox time'),
  createdReal: DateTime('wall-clock time'),
  updatedAt: DateTime('sandbox time'),
  callback: Nullable(Type.Object({ strategy: Type.Optional(Type.String()), url: Type.String() })),
  warnings: Type.Array(Type.String()),
  why: Type.String({ description: 'the flow in one line' }),
  steps: Type.Array(TimelineStepSchema, { description: 'in run order' })
})

const DemoSendSchema = Type.Object({
  to: PhoneSchema,
  transactional: Type.Optional(Type.Boolean({ default: true, description: 'false: the same flow as a standard flow (a Viber text instead of the template)' }))
}, { additionalProperties: false })

const DemoResultSchema = Type.Object({
  trackingId: Type.String(),
  request: Type.Unknown({ description: 'the body the sandbox sent itself' }),
  response: Type.Unknown({ description: 'the 200 body, as the send endpoint answers it' })
})

/** The account a dashboard call acts on: ?accountId= (what EventSource and links can carry), else as other control routes. */
function dashboardAccount (app: App, request: FastifyRequest): string {
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

export const dashboardRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App

  app.get('/accounts', {
    schema: { ...CONTROL, summary: 'Every account, with its balance and clock', response: { 200: Type.Array(AccountViewSchema) } }
  }, async (): Promise<any> => app.store.accounts.list().map((a) => {
    const clock = app.engine.clock(a.id)
    return {
      id: a.id,
      name: a.name,
      balance: fromMicros(a.balance),
      currency: a.currency,
      clock: { now: iso(clock.now), mode: clock.mode, scale: clock.scale },
      pendingFlows: app.store.flows.pendingFlows(a.id)
    }
  }))

  app.get('/flows', {
    schema: {
      ...CONTROL,
      summary: "The account's flows, newest first, as tracking records with the wall-clock time they were accepted",
      querystring: Type.Object({
        ...AccountQuery,
        to: Type.Optional(Type.String({ minLength: 1, description: 'a number, or part of one, of any step' })),
        status: Type.Optional(Type.String({ minLength: 1, description: 'Queued, InProgress, Succeeded or Failed (case-insensitive)' })),
        flowKind: Type.Optional(Type.String({ minLength: 1, description: 'standard or transactional' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 }))
      }),
      response: { 200: FlowListSchema, ...errorResponses(400, 404) }
    }
  }, async (request): Promise<any> => {
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
      querystring: Type.Object(AccountQuery),
      response: { 200: TimelineSchema, ...errorResponses(404) }
    }
  }, async (request): Promise<any> => {
    const accountId = dashboardAccount(app, request)
    const flow = app.store.flows.flow(request.params.trackingId)
    if (!flow || flow.accountId !== accountId) throw new ApiError(ERRORS.TRACKING_NOT_FOUND)
    return explainFlow(app.store, flow)
  })

  app.post('/demo/send', {
    schema: {
      ...CONTROL,
      summary: "Send the seed page's example to `to` as the account's first application would, with callbacks to /_sandbox/demo/webhook",
      description: 'Pick the outcome with a magic number +306900000VSC: +306900000200 = Viber expires, SMS delivered.',
      querystring: Type.Object(AccountQuery),
      body: DemoSendSchema,
      response: { 200: DemoResultSchema, ...errorResponses(400, 404) }
    }
  }, async (request): Promise<any> => {
    const accountId = dashboardAccount(app, request)
    const application = app.store.auth.applicationsOf(accountId)[0]
    if (!application) throw new ApiError(ERRORS.VALIDATION, `Account ${accountId} has no application to send with.`)
    const transactional = request.body.transactional ?? true
    // the server posts its callbacks to itself, at the address the browser used
    const body = demoBody(request.body.to, transactional, `${request.protocol}://${request.host}/_sandbox/demo/webhook`)
    const { flow, response } = app.engine.accept({
      accountId,
      applicationId: application.id,
      scopes: application.scopes,
      kind: transactional ? 'transactional' : 'standard',
      body,
      unknown: [],
      outcomes: {}
    })
    return { trackingId: flow.id, request: body, response }
  })

  app.post('/demo/webhook', {
    schema: { ...CONTROL, summary: "A callback receiver for demos: acknowledges anything with 204 and keeps nothing (the attempt is in GET /_sandbox/callbacks)", response: { 204: Type.Null() } }
  }, async (_request, reply) => await reply.code(204).send(null))
}
