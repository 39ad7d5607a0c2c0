import type { FastifyPluginAsync } from 'fastify'
import { ERRORS, validationError, type CatalogEntry, type Problem } from '../../errors.js'
import { canonicalChannel, canonicalOutcome, OUTCOMES } from '../../engine/outcomes.js'
import type { StoredScenarioRule } from '../../store/accounts.js'
import { errorResponses } from '../../schemas/common.js'
import { ScenariosSchema } from '../../schemas/sandbox.js'
import type { App } from '../../app.js'
import { CONTROL, controlAccount } from './context.js'
import { patternProblem, rulePattern, type PatternProblem } from '../../scenario-regex.js'

const PATTERN_ERRORS: Record<PatternProblem, CatalogEntry> = {
  invalid: ERRORS.SCENARIO_REGEX,
  unsafe: ERRORS.SCENARIO_REGEX_UNSAFE,
  'too-long': ERRORS.SCENARIO_REGEX_TOO_LONG
}

/** sandbox.md "Outcomes" layer 2: the account's ordered scenario rules. */
export const scenarioRoutes: FastifyPluginAsync = async (instance) => {
  const app = instance as App

  app.get('/scenarios', { schema: { ...CONTROL, summary: "The account's scenario rules", response: { 200: ScenariosSchema, ...errorResponses(404) } } },
    async (request) => app.store.accounts.get(controlAccount(app, request))!.scenarios)

  app.put('/scenarios', {
    schema: { ...CONTROL, summary: 'Replace the scenario rules (first match wins)', body: ScenariosSchema, response: { 200: ScenariosSchema, ...errorResponses(400, 404) } }
  }, async (request) => {
    const accountId = controlAccount(app, request)
    const problems: Problem[] = []
    const rules: StoredScenarioRule[] = []
    request.body.forEach((rule, i) => {
      const channel = canonicalChannel(rule.channel)
      if (!channel) { problems.push({ path: `[${i}].channel`, entry: ERRORS.VALIDATION, detail: 'must be one of Viber, Sms, Voice.' }); return }
      const outcome = canonicalOutcome(channel, rule.outcome)
      if (!outcome) problems.push({ path: `[${i}].outcome`, entry: ERRORS.VALIDATION, detail: `must be one of ${OUTCOMES[channel].join(', ')}.` })
      const pattern = rule.to === undefined ? undefined : rulePattern(rule.to)
      const problem = pattern === undefined ? undefined : patternProblem(pattern)
      if (problem !== undefined) problems.push({ path: `[${i}].to`, entry: PATTERN_ERRORS[problem] })
      if (outcome) rules.push({ ...rule, channel, outcome })
    })
    if (problems.length > 0) throw validationError(problems)
    app.store.accounts.setScenarios(accountId, rules)
    return rules
  })
}
