import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { validationError } from '../../errors.js'
import { ruleProblems, type FaultRule } from '../../faults.js'
import { errorResponses } from '../../schemas/common.js'
import { FaultRulesSchema, FaultRuleStatesSchema } from '../../schemas/levers.js'
import { CONTROL, controlAccount } from './context.js'

/** sandbox.md "Faults": the account's ordered fault rules. */
export const faultRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/faults', {
    schema: { ...CONTROL, summary: "The account's fault rules, with what is left of times", response: { 200: FaultRuleStatesSchema, ...errorResponses(404) } }
  }, async (request) => app.faults.list(controlAccount(app, request)))

  app.put('/faults', {
    schema: {
      ...CONTROL,
      summary: 'Replace the fault rules (first match wins)',
      description: 'Each rule: route ("*" or "POST /failover/transactional"…), status (500, 502, 503, 504, 429), retryAfter, delayMs, drop ("reset" or "hang"), afterCommit, times, probability.',
      body: FaultRulesSchema,
      response: { 200: FaultRuleStatesSchema, ...errorResponses(400, 404) }
    }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const rules = request.body as FaultRule[]
    const problems = rules.flatMap((rule, i) => ruleProblems(rule, `[${i}]`))
    if (problems.length > 0) throw validationError(problems)
    app.faults.set(accountId, rules.map((r) => ({ ...r, route: r.route.trim() })))
    return app.faults.list(accountId)
  })

  app.delete('/faults', {
    schema: { ...CONTROL, summary: "Remove the account's fault rules", response: { 200: Type.Array(Type.Unknown(), { maxItems: 0 }), ...errorResponses(404) } }
  }, async (request) => {
    app.faults.clear(controlAccount(app, request))
    return []
  })
}
