import safeRegex from 'safe-regex2'

/*
 * Scenario rules may match `to` with a regular expression written /…/ (sandbox.md "Outcomes").
 * Issue 11 point 6: a catastrophic pattern (/^(a+)+$/ took 10 s on 30 characters) would block the
 * event loop, so PUT /_sandbox/scenarios refuses what safe-regex2 (Fastify's own checker) calls
 * unsafe, and both the pattern and what it runs on are bounded: a `to` longer than
 * MAX_SCENARIO_SUBJECT never matches a regex rule (a sandbox choice, in the README).
 */

// a pattern is a few alternatives of numbers or SIP addresses; 200 leaves room and bounds the compile
export const MAX_SCENARIO_PATTERN = 200
// the longest `to` a regex rule is tried on: E.164 numbers are at most 16 characters (§2), SIP URIs far shorter than this
export const MAX_SCENARIO_SUBJECT = 100

// a `to` with one of these (or a + after its first character) is a regex written bare: an E.164 number has none
const REGEX_SYNTAX = /[\^$*?.()[\]{}|\\]|.\+/

/**
 * The pattern of a regex rule, or undefined when `to` is an exact value. sandbox.md: `to` is "exact
 * or regex"; a regex is written /…/, or bare (`^\+3069`, `+3069.*`), where a leading + is the plus
 * sign of a number, not a repetition (sandbox choice, README "Outcome controls").
 */
export function rulePattern (to: string): string | undefined {
  if (to.length > 2 && to.startsWith('/') && to.endsWith('/')) return to.slice(1, -1)
  if (!REGEX_SYNTAX.test(to)) return undefined
  return to.startsWith('+') ? `\\${to}` : to
}

export type PatternProblem = 'invalid' | 'unsafe' | 'too-long'

/** Why a pattern is refused, or undefined when it is accepted. */
export function patternProblem (pattern: string): PatternProblem | undefined {
  if (pattern.length > MAX_SCENARIO_PATTERN) return 'too-long'
  try {
    RegExp(pattern)
  } catch {
    return 'invalid'
  }
  return safeRegex(pattern) ? undefined : 'unsafe'
}

// compiled once per pattern (rules are read for every message); bounded, oldest dropped first
const COMPILED = new Map<string, RegExp>()
const MAX_COMPILED = 1000

/** Whether `to` matches the pattern; a `to` over MAX_SCENARIO_SUBJECT characters never does. */
export function patternMatches (pattern: string, to: string): boolean {
  if (to.length > MAX_SCENARIO_SUBJECT) return false
  let re = COMPILED.get(pattern)
  if (re === undefined) {
    // rules stored before these checks existed may be unsafe or invalid: they match nothing
    if (patternProblem(pattern) !== undefined) return false
    re = RegExp(pattern)
    if (COMPILED.size >= MAX_COMPILED) COMPILED.delete(COMPILED.keys().next().value!)
    COMPILED.set(pattern, re)
  }
  return re.test(to)
}
