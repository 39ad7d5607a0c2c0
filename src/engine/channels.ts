import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Prices } from '../store/accounts.js'

import type { Channel } from '../vocabulary.js'

export { CHANNELS, type Channel } from '../vocabulary.js'

/** provider-api.md §2: the final statuses a client may list, and the defaults when it lists none. */
export const FAILOVER_STATUSES: Record<Channel, { allowed: readonly string[], defaults: readonly string[] }> = {
  Sms: { allowed: ['Undelivered', 'Failed'], defaults: ['Undelivered', 'Failed'] },
  Viber: { allowed: ['EXPIRED', 'FAILED', 'UNDELIVERED'], defaults: ['EXPIRED', 'FAILED', 'UNDELIVERED'] },
  Voice: { allowed: ['Completed', 'Busy', 'NoAnswer', 'Failed', 'Unsent', 'Terminated'], defaults: ['Busy', 'NoAnswer'] }
}

/** The provider's spelling of a status given in any case, or undefined when the channel has no such status. */
export function canonical (values: readonly string[], value: string): string | undefined {
  const lower = value.toLowerCase()
  return values.find((v) => v.toLowerCase() === lower)
}

/** §1: the role each scope grants, and the role each channel needs. */
export const SCOPE_ROLES = {
  sms: 'MT_ROLE_SMS',
  viber: 'MT_ROLE_VIBER',
  voice: 'MT_ROLE_VOICE',
  failover: 'MT_ROLE_FAILOVER',
  account: 'MT_ROLE_ACCOUNT_FINANCE'
} as const

export const CHANNEL_SCOPE: Record<Channel, keyof typeof SCOPE_ROLES> = { Sms: 'sms', Viber: 'viber', Voice: 'voice' }

export interface PhoneInfo {
  valid: boolean
  country?: string
  mobile: boolean
}

const phoneCache = new Map<string, PhoneInfo>()

/** Validity, country (ISO alpha-2) and mobile-ness of an E.164 number, from libphonenumber's full metadata. */
export function phoneInfo (e164: string): PhoneInfo {
  let info = phoneCache.get(e164)
  if (info) return info
  const parsed = parsePhoneNumberFromString(e164)
  // with the full metadata (number types), isValid() is getType() !== undefined: one type match, not two
  // (each is a walk of the country's patterns; a new number's check was ~6% of a send's CPU)
  const type = parsed?.getType()
  const valid = type !== undefined
  info = { valid, country: parsed?.country, mobile: type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' }
  if (phoneCache.size > 10000) phoneCache.clear()
  phoneCache.set(e164, info)
  return info
}

// §5: GSM 03.38 basic set; the extension set costs two septets each
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM_EXTENDED = '^{}\\[~]|€\f'
const GSM_BASIC_SET = new Set(GSM_BASIC)
const GSM_EXTENDED_SET = new Set(GSM_EXTENDED)

export interface SmsEncoding {
  encoding: 'GSM7' | 'UCS2'
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  length: number
  parts: number
}

/** §5: GSM-7 160 per message, 153 per part when split; otherwise UCS-2 70 / 67. */
export function smsEncoding (body: string): SmsEncoding {
  let septets = 0
  let gsm = true
  for (const ch of body) {
    if (GSM_BASIC_SET.has(ch)) septets += 1
    else if (GSM_EXTENDED_SET.has(ch)) septets += 2
    else { gsm = false; break }
  }
  const [length, single, multi] = gsm ? [septets, 160, 153] : [body.length, 70, 67]
  const parts = length <= single ? 1 : Math.ceil(length / multi)
  return { encoding: gsm ? 'GSM7' : 'UCS2', length, parts }
}

/** What a step costs when it is sent (§5, sandbox.md "Default seed"), in micro-units. */
export function stepPrice (step: { type: Channel, message?: any, templateId?: unknown }, prices: Prices): number {
  switch (step.type) {
    case 'Sms': return prices.sms * smsEncoding(step.message.body).parts
    case 'Viber': return isTransactionalViber(step) ? prices.viberTransactional : prices.viberPromotional
    case 'Voice': return prices.voice
  }
}

/** §2: text-only Viber is billed at the transactional price, every other layout at the promotional one. */
function isTransactionalViber (step: { message?: any, templateId?: unknown }): boolean {
  if (typeof step.templateId === 'string') return true
  const m = step.message ?? {}
  return m.text !== undefined && m.imageUrl === undefined && m.action === undefined && m.viberVideo === undefined && m.viberFile === undefined
}
