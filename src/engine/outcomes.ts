import type { Channel } from './channels.js'
import { canonical, CHANNELS } from './channels.js'
import { FINAL_STATUSES } from './statuses.js'
import type { StoredScenarioRule } from '../store/accounts.js'
import { patternMatches, rulePattern } from '../scenario-regex.js'

/**
 * What happens to a message, resolved in the order of sandbox.md "Outcomes": the X-Sandbox-Outcome
 * header, the account's scenario rules, the magic numbers +306900000VSC, then delivered.
 */
export const OUTCOMES: Record<Channel, readonly string[]> = {
  // every final status of §5 (FINAL_STATUSES), plus:
  // DELIVERED: delivered, then seen 5 s later (SEEN is the same story, named for the magic digit 4);
  // DELIVERED_UNSEEN: delivered and never seen, so expireOnDelivery expires it at the ttl;
  // Sms Expired: Undelivered / Expired at the ttl; MANUAL: waits for a control call.
  Viber: [...FINAL_STATUSES.Viber.slice(0, 2), 'DELIVERED_UNSEEN', ...FINAL_STATUSES.Viber.slice(2), 'MANUAL'],
  Sms: [...FINAL_STATUSES.Sms.slice(0, 2), 'Expired', ...FINAL_STATUSES.Sms.slice(2), 'MANUAL'],
  Voice: [...FINAL_STATUSES.Voice, 'MANUAL']
}

export const DEFAULT_OUTCOME: Record<Channel, string> = { Viber: 'DELIVERED', Sms: 'Delivered', Voice: 'Completed' }

// sandbox.md: the last three digits of +306900000VSC give Viber, Sms, Voice
const MAGIC = /^\+306900000(\d)(\d)(\d)$/
const MAGIC_DIGITS: Record<Channel, Record<string, string>> = {
  Viber: { 0: 'DELIVERED', 1: 'UNDELIVERED', 2: 'EXPIRED', 3: 'FAILED', 4: 'SEEN', 9: 'MANUAL' },
  Sms: { 0: 'Delivered', 1: 'Undelivered', 2: 'Expired', 3: 'Failed', 4: 'Delivered', 9: 'MANUAL' },
  Voice: { 0: 'Completed', 1: 'Busy', 2: 'NoAnswer', 3: 'Failed', 4: 'Completed', 9: 'MANUAL' }
}

export type OutcomeSource = 'header' | 'scenario' | 'magic' | 'default'

export interface ResolvedOutcome {
  outcome: string
  source: OutcomeSource
  /** seconds after the send at which the final status comes; the channel's default when absent */
  afterSeconds?: number
  [key: string]: unknown
}

export function canonicalChannel (name: string): Channel | undefined {
  return canonical(CHANNELS, name) as Channel | undefined
}

export function canonicalOutcome (channel: Channel, value: string): string | undefined {
  return canonical(OUTCOMES[channel], value)
}

/** Parses `Viber=EXPIRED; Sms=Delivered`; throws a message naming the bad part. */
export function parseOutcomeHeader (header: string): Partial<Record<Channel, string>> {
  const out: Partial<Record<Channel, string>> = {}
  const parts = header.split(';').map((p) => p.trim()).filter((p) => p !== '')
  if (parts.length === 0) throw new Error('the header is empty: send e.g. "Viber=EXPIRED; Sms=Delivered".')
  for (const part of parts) {
    const eq = part.indexOf('=')
    if (eq < 0) throw new Error(`"${part}" is not channel=outcome (e.g. Viber=EXPIRED).`)
    const name = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    const channel = canonicalChannel(name)
    if (!channel) throw new Error(`"${part}": unknown channel "${name}"; use Viber, Sms or Voice.`)
    if (out[channel] !== undefined) throw new Error(`"${part}": ${channel} is given twice.`)
    const outcome = canonicalOutcome(channel, value)
    if (!outcome) throw new Error(`"${part}": "${value}" is not a ${channel} outcome; use one of ${OUTCOMES[channel].join(', ')}.`)
    out[channel] = outcome
  }
  return out
}

export function ruleMatches (rule: StoredScenarioRule, channel: Channel, to: string): boolean {
  if (rule.channel !== channel) return false
  if (rule.to === undefined) return true
  // bounded and checked for catastrophic backtracking (issue 11 point 6): src/scenario-regex.ts
  const pattern = rulePattern(rule.to)
  if (pattern !== undefined) return patternMatches(pattern, to)
  return rule.to === to
}

export function resolveOutcome (channel: Channel, to: string, header: Partial<Record<string, string>>, rules: StoredScenarioRule[]): ResolvedOutcome {
  const fromHeader = header[channel]
  if (fromHeader) return { outcome: fromHeader, source: 'header' }
  const rule = rules.find((r) => ruleMatches(r, channel, to))
  if (rule) return { outcome: rule.outcome, source: 'scenario', afterSeconds: rule.afterSeconds }
  const magic = MAGIC.exec(to)
  if (magic) {
    const digit = magic[channel === 'Viber' ? 1 : channel === 'Sms' ? 2 : 3]
    const outcome = MAGIC_DIGITS[channel][digit]
    if (outcome) return { outcome, source: 'magic' }
  }
  return { outcome: DEFAULT_OUTCOME[channel], source: 'default' }
}
