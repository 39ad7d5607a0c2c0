import { ERRORS, validationError, type CatalogEntry, type Problem } from '../errors.js'
import { patternProblem, rulePattern, type PatternProblem } from '../scenario-regex.js'
import type { StoredScenarioRule } from '../store/accounts.js'
import { canonicalChannel, canonicalOutcome, OUTCOMES } from './outcomes.js'

/*
 * sandbox.md "Outcomes" layer 2 without HTTP: an account's ordered scenario rules, checked and put
 * in the provider's spelling before they are stored (first match wins when a step is sent).
 */

const PATTERN_ERRORS: Record<PatternProblem, CatalogEntry> = {
  invalid: ERRORS.SCENARIO_REGEX,
  unsafe: ERRORS.SCENARIO_REGEX_UNSAFE,
  'too-long': ERRORS.SCENARIO_REGEX_TOO_LONG
}

export interface ScenarioRuleInput {
  to?: string
  channel: string
  outcome: string
  afterSeconds?: number
}

/** The rules with channel and outcome in the provider's spelling; a 400 naming every bad rule by its index. */
export function scenarioRules (input: readonly ScenarioRuleInput[]): StoredScenarioRule[] {
  const problems: Problem[] = []
  const rules: StoredScenarioRule[] = []
  input.forEach((rule, i) => {
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
  return rules
}
