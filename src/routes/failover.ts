import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { requireToken } from '../auth.js'
import { ApiError, ERRORS, validationError } from '../errors.js'
import { parseOutcomeHeader } from '../engine/outcomes.js'
import type { FailoverResponse, FlowKind, StandardFailoverResponse, TransactionalFailoverResponse } from '../schemas/failover.js'
import {
  SHARED_SCHEMAS, StandardFailoverRequestSchema, StandardFailoverResponseSchema,
  TransactionalFailoverRequestSchema, TransactionalFailoverResponseSchema
} from '../schemas/failover.js'
import { apiErrorResponses } from '../schemas/common.js'
import { isObject, requireJsonBody, stripEmptyValues, unknownProperties } from '../validation.js'

const SHARED = new Map<string, Record<string, any>>(SHARED_SCHEMAS.map((s) => [(s as { $id?: string }).$id!, s as Record<string, any>]))

const OutcomeHeaders = Type.Object({
  'x-sandbox-outcome': Type.Optional(Type.String({ description: 'sandbox: per channel outcome, e.g. "Viber=EXPIRED; Sms=Delivered"' }))
})

/** the optional values each send left empty, removed from its body before the schema sees it (issue 16) */
const EMPTY = new WeakMap<FastifyRequest, string[]>()

const ignoreEmpty = (schema: Record<string, any>) => async (request: FastifyRequest): Promise<void> => {
  if (isObject(request.body)) EMPTY.set(request, stripEmptyValues(schema, request.body, SHARED))
}

/** provider-api.md §2 and §3: the two send endpoints. */
export const failoverRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', requireToken(app.store, () => app.engine.wallNow()))
  app.addHook('preValidation', requireJsonBody)

  // one handler per endpoint; the overloads tie each endpoint to its response shape
  function send (kind: 'standard', schema: Record<string, any>): (request: FastifyRequest) => Promise<StandardFailoverResponse>
  function send (kind: 'transactional', schema: Record<string, any>): (request: FastifyRequest) => Promise<TransactionalFailoverResponse>
  function send (kind: FlowKind, schema: Record<string, any>): (request: FastifyRequest) => Promise<FailoverResponse> {
    return async (request) => await accept(kind, schema, request)
  }

  const accept = async (kind: FlowKind, schema: Record<string, any>, request: FastifyRequest): Promise<FailoverResponse> => {
    const principal = request.principal!
    const unknown = unknownProperties(schema, request.body, SHARED)
    const empty = EMPTY.get(request) ?? []
    if ((unknown.length > 0 || empty.length > 0) && app.config.SANDBOX_STRICT) {
      throw validationError([
        ...unknown.map((path) => ({ path, entry: ERRORS.UNKNOWN_PROPERTY_STRICT })),
        ...empty.map((path) => ({ path, entry: ERRORS.EMPTY_VALUE_STRICT }))
      ])
    }
    const header = request.headers['x-sandbox-outcome']
    let outcomes = {}
    if (header !== undefined) {
      try {
        outcomes = parseOutcomeHeader(Array.isArray(header) ? header.join(';') : header)
      } catch (err) {
        throw new ApiError(ERRORS.OUTCOME_HEADER, `X-Sandbox-Outcome: ${(err as Error).message}`, { 'X-Sandbox-Outcome': (err as Error).message })
      }
    }
    // validated now; stored with the other sends of this event-loop turn, answered once committed (issue 15)
    const { flow, response } = await app.engine.submit({
      accountId: principal.accountId,
      applicationId: principal.applicationId,
      scopes: principal.scopes,
      kind,
      body: request.body,
      unknown,
      empty,
      ownHost: request.host,
      outcomes
    })
    if (flow.warnings.length > 0) request.log.warn({ trackingId: flow.id, warnings: flow.warnings }, 'properties ignored')
    return response
  }

  app.post('/failover', {
    schema: {
      tags: ['Provider API'],
      summary: 'Send a standard failover flow',
      description: 'Steps run by order; a step whose final status is in its failoverOnStatuses starts the next one (§2).',
      security: [{ bearer: [] }],
      headers: OutcomeHeaders,
      body: StandardFailoverRequestSchema,
      response: { 200: StandardFailoverResponseSchema, ...apiErrorResponses(400, 401, 403, 413) }
    },
    // stored by the group commit, which looks at the database file itself (db-watch)
    config: { groupCommit: true },
    preValidation: ignoreEmpty(StandardFailoverRequestSchema)
  }, send('standard', StandardFailoverRequestSchema))

  app.post('/failover/transactional', {
    schema: {
      tags: ['Provider API'],
      summary: 'Send a transactional failover flow (template Viber steps)',
      description: 'The July 2026 compliance endpoint: Viber steps use an APPROVED template (§3 and the seed page).',
      security: [{ bearer: [] }],
      headers: OutcomeHeaders,
      body: TransactionalFailoverRequestSchema,
      response: { 200: TransactionalFailoverResponseSchema, ...apiErrorResponses(400, 401, 403, 413) }
    },
    // stored by the group commit, which looks at the database file itself (db-watch)
    config: { groupCommit: true },
    preValidation: ignoreEmpty(TransactionalFailoverRequestSchema)
  }, send('transactional', TransactionalFailoverRequestSchema))
}
