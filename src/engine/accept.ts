import { ApiError, ERRORS, validationError, type Problem } from '../errors.js'
import type { Store } from '../store/index.js'
import type { Template } from '../store/catalog.js'
import type { Billing } from '../store/accounts.js'
import type { Scope } from '../schemas/seed.js'
import type { AnyStep, FlowKind, FlowRequest, SmsStep, TemplateViberStep, ViberStep, VoiceStep } from '../schemas/failover.js'
import { fromMicros } from '../money.js'
import { canonical, CHANNEL_SCOPE, FAILOVER_STATUSES, phoneInfo, stepPrice, type Channel } from './channels.js'
import { placeholders } from './render.js'
import { runOrder, stepTo, type SendReads } from './simulation.js'

export interface AcceptInput {
  accountId: string
  applicationId: string
  scopes: Scope[]
  kind: FlowKind
  /** the body, already valid against the endpoint's schema */
  body: any
  /** paths of properties the schema does not know: stripped from the flow and kept as warnings */
  unknown: string[]
  /** paths of optional values sent empty, already removed from the body (issue 16): kept as warnings */
  empty?: string[]
  /** the host the request came to (its Host header): an http inboundUrl may point there */
  ownHost?: string
  outcomes: Partial<Record<Channel, string>>
}

const CALLBACK_STRATEGIES = ['OnChange', 'OnStep', 'OnCompletion']
// §3: template text parameters are at most 50 characters and carry no links
const MAX_PARAM_LENGTH = 50
const LINK = /(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S/i
// §2: the layouts a Viber message may take (t text, i image, b button, v video, f file)
const VIBER_LAYOUTS = new Set(['t', 'i', 'tb', 'tib', 'v', 'tv', 'tvb', 'f'])

/** The flow's warnings: every property the sandbox ignored, and why. */
export function flowWarnings (input: Pick<AcceptInput, 'unknown' | 'empty'>): string[] {
  return [
    ...input.unknown.map((p) => `${p} is not a known property and was ignored`),
    ...(input.empty ?? []).map((p) => `${p} was sent empty and was ignored, as if left out`)
  ]
}

// hosts only a local test can mean (sandbox choice): an http inboundUrl may point there
const LOCAL_HOSTS = /^(?:localhost|.+\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|host\.docker\.internal)$/i

/** The seed page: a Viber step's inboundUrl is an "HTTPS URL"; http only for a local receiver. */
export function inboundUrlAllowed (url: string, ownHost?: string): boolean {
  if (/^https:\/\//i.test(url)) return true
  let host: string
  try {
    host = new URL(url).hostname
  } catch {
    return false
  }
  if (LOCAL_HOSTS.test(host)) return true
  if (ownHost === undefined || ownHost === '') return false
  try {
    return new URL(`http://${ownHost}`).hostname === host
  } catch {
    return false
  }
}

/** §1: the flow needs MT_ROLE_FAILOVER plus the role of every channel it uses; 403 otherwise. */
export function checkRoles (scopes: Scope[], steps: AnyStep[]): void {
  const needed = new Set<Scope>(['failover'])
  for (const step of steps) needed.add(CHANNEL_SCOPE[step.type])
  for (const scope of needed) if (!scopes.includes(scope)) throw new ApiError(ERRORS.ACCESS_DENIED)
}

/** Every business rule of §2–3 and the seed page that a schema cannot say; all problems at once. */
export function flowProblems (store: Store, accountId: string, kind: FlowKind, body: any, ownHost?: string, reads?: Omit<SendReads, 'billing'>): Problem[] {
  const problems: Problem[] = []
  const sender = (id: string) => {
    if (reads?.senders.has(id) === true) return reads.senders.get(id)
    const found = store.catalog.sender(accountId, id)
    reads?.senders.set(id, found)
    return found
  }
  const template = (id: string) => {
    if (reads?.templates.has(id) === true) return reads.templates.get(id)
    const found = store.catalog.template(accountId, id)
    reads?.templates.set(id, found)
    return found
  }
  body.flow.forEach((step: AnyStep, i: number) => {
    const at = `flow[${i}]`
    const allowed = FAILOVER_STATUSES[step.type].allowed
    ;(step.failoverOnStatuses ?? []).forEach((value, j) => {
      if (!canonical(allowed, value)) {
        problems.push({ path: `${at}.failoverOnStatuses[${j}]`, entry: ERRORS.FAILOVER_STATUS, detail: `"${value}" is not a final status of ${step.type}: use ${allowed.join(', ')}.` })
      }
    })
    const phone = step.type === 'Voice' ? step.to.phone : step.to
    const phonePath = step.type === 'Voice' ? `${at}.to.phone` : `${at}.to`
    if (phone !== undefined) {
      const info = phoneInfo(phone)
      if (!info.valid) problems.push({ path: phonePath, entry: ERRORS.PHONE_INVALID })
      else if (step.type === 'Viber' && !info.mobile) problems.push({ path: phonePath, entry: ERRORS.PHONE_NOT_MOBILE })
    }
    if (step.type === 'Sms') smsProblems(step, at, problems)
    else if (step.type === 'Voice') voiceProblems(step, at, problems)
    else {
      const inbound = (step as ViberStep | TemplateViberStep).inboundUrl
      if (inbound !== undefined && !inboundUrlAllowed(inbound, ownHost)) problems.push({ path: `${at}.inboundUrl`, entry: ERRORS.INBOUND_URL_HTTPS })
      const found = sender(step.senderInfoTrackingId)
      if (!found) problems.push({ path: `${at}.senderInfoTrackingId`, entry: ERRORS.SENDER_UNKNOWN })
      else if (!found.active) problems.push({ path: `${at}.senderInfoTrackingId`, entry: ERRORS.SENDER_INACTIVE })
      if (kind === 'standard') viberLayoutProblems(step as ViberStep, at, problems)
      else if (found) templateProblems(template((step as TemplateViberStep).templateId), step as TemplateViberStep, at, problems)
    }
  })
  const strategy = body.callback?.strategy
  if (typeof strategy === 'string' && !canonical(CALLBACK_STRATEGIES, strategy)) {
    problems.push({ path: 'callback.strategy', entry: ERRORS.VALIDATION, detail: `must be one of ${CALLBACK_STRATEGIES.join(', ')}.` })
  }
  return problems
}

function smsProblems (step: SmsStep, at: string, problems: Problem[]): void {
  if (step.urlShortener !== undefined && step.message.urlShortener !== undefined) {
    problems.push({ path: `${at}.urlShortener`, entry: ERRORS.URL_SHORTENER_TWICE })
  }
}

function voiceProblems (step: VoiceStep, at: string, problems: Problem[]): void {
  const to = step.to
  if (![to.phone, to.viber, to.sip].some((v) => typeof v === 'string' && v.trim() !== '')) {
    problems.push({ path: `${at}.to`, entry: ERRORS.VOICE_TO_EMPTY })
  }
  const plans = ['dialPlan', 'dialPlans', 'dialplan'].filter((k) => (step as any)[k] !== undefined)
  if (plans.length === 0) problems.push({ path: `${at}.dialPlan`, entry: ERRORS.DIAL_PLAN_MISSING })
  else if (plans.length > 1) problems.push({ path: `${at}.${plans[1]}`, entry: ERRORS.DIAL_PLAN_TWICE })
}

function viberLayoutProblems (step: ViberStep, at: string, problems: Problem[]): void {
  const m = step.message ?? {}
  const layout = (m.text !== undefined ? 't' : '') + (m.imageUrl !== undefined ? 'i' : '') + (m.viberVideo !== undefined ? 'v' : '') +
    (m.action !== undefined ? 'b' : '') + (m.viberFile !== undefined ? 'f' : '')
  if (!VIBER_LAYOUTS.has(layout)) problems.push({ path: `${at}.message`, entry: ERRORS.VIBER_COMBINATION })
}

function templateProblems (template: Template | undefined, step: TemplateViberStep, at: string, problems: Problem[]): void {
  if (!template || template.senderInfoTrackingId !== step.senderInfoTrackingId) {
    problems.push({ path: `${at}.templateId`, entry: ERRORS.TEMPLATE_UNKNOWN })
    return
  }
  if (template.status !== 'APPROVED') {
    problems.push({ path: `${at}.templateId`, entry: ERRORS.TEMPLATE_NOT_APPROVED, detail: `the template is ${template.status}, not APPROVED: wait for approval or use an approved template.` })
  }
  // own keys only: "constructor" or "__proto__" must not find Object's members
  const text = Object.hasOwn(template.languages, step.templateLang) ? template.languages[step.templateLang] : undefined
  if (text === undefined) {
    const langs = Object.keys(template.languages).join(', ')
    problems.push({ path: `${at}.templateLang`, entry: ERRORS.TEMPLATE_LANGUAGE, detail: `the template has no "${step.templateLang}" text: use one of ${langs}.` })
    return
  }
  const params = step.templateParams ?? {}
  const names = placeholders(text)
  for (const name of names) {
    if (Object.hasOwn(params, name)) continue
    const otpPin = template.category === 'OTP' && name === 'pin'
    problems.push({ path: `${at}.templateParams.${name}`, entry: otpPin ? ERRORS.OTP_PIN_MISSING : ERRORS.TEMPLATE_PARAM_MISSING })
  }
  if (template.category === 'OTP' && !names.includes('pin') && !Object.hasOwn(params, 'pin')) {
    problems.push({ path: `${at}.templateParams.pin`, entry: ERRORS.OTP_PIN_MISSING })
  }
  for (const [name, value] of Object.entries(params)) {
    const path = `${at}.templateParams.${name}`
    if (!names.includes(name) && !(template.category === 'OTP' && name === 'pin')) problems.push({ path, entry: ERRORS.TEMPLATE_PARAM_UNKNOWN })
    else if (typeof value === 'number' && !Number.isInteger(value)) problems.push({ path, entry: ERRORS.TEMPLATE_PARAM_TYPE, detail: 'number values must be integers.' })
    // beyond 2^53 an integer is not kept exactly (it would be echoed as 1.2345678901234568e+29)
    else if (typeof value === 'number' && !Number.isSafeInteger(value)) problems.push({ path, entry: ERRORS.TEMPLATE_PARAM_TYPE, detail: 'number values must be integers from -9007199254740991 to 9007199254740991: send a longer number as a string.' })
    // characters, not UTF-16 units, as every other length limit counts them (an emoji is one)
    else if (typeof value === 'string' && value.length > MAX_PARAM_LENGTH && [...value].length > MAX_PARAM_LENGTH) problems.push({ path, entry: ERRORS.TEMPLATE_PARAM_TOO_LONG })
    else if (typeof value === 'string' && LINK.test(value)) problems.push({ path, entry: ERRORS.TEMPLATE_PARAM_LINK })
  }
}

/** Removes the properties at `paths` (like `flow[0].message.foo`) from a plain object tree. */
function strip (target: any, paths: string[]): void {
  for (const path of paths) {
    const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.')
    let node = target
    for (const key of keys.slice(0, -1)) node = node?.[key]
    if (node && typeof node === 'object') delete node[keys[keys.length - 1]]
  }
}

/** A copy of a JSON value (what a parsed body is): a few times cheaper than structuredClone. */
function cloneJson<T> (value: T): T {
  if (typeof value !== 'object' || value === null) return value
  if (Array.isArray(value)) return value.map(cloneJson) as T
  const copy: Record<string, unknown> = {}
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    // an own "__proto__" stays an own property (an assignment would set the copy's prototype)
    if (key === '__proto__') Object.defineProperty(copy, key, { value: cloneJson(value[key]), enumerable: true, writable: true, configurable: true })
    else copy[key] = cloneJson(value[key])
  }
  return copy as T
}

/** The flow as the sandbox keeps and echoes it: defaults filled in (§2–3), one dial-plan spelling. */
export function normalize (body: any, unknown: string[], nextSeq: () => number): FlowRequest {
  const request = cloneJson(body) as FlowRequest
  if (unknown.length > 0) strip(request, unknown)
  for (const step of request.flow as any[]) {
    step.failoverOnStatuses ??= [...FAILOVER_STATUSES[step.type as Channel].defaults]
    if (step.type === 'Sms') {
      step.ttl ??= 1200
      step.message.flash ??= false
      const shortener = step.urlShortener ?? step.message.urlShortener
      if (shortener) shortener.urlValidity ??= 2592000
    } else if (step.type === 'Viber') {
      step.ttl ??= 10
      step.expireOnDelivery ??= false
      if (step.templateId !== undefined) {
        step.templateParams ??= {}
        step.deliveryScope ??= 'PRIMARY_DEVICE'
        step.seq ??= nextSeq()
      }
    } else {
      // §2 accepts dialPlan, dialPlans and dialplan: the sandbox keeps (and echoes) dialPlan
      const plan = step.dialPlan ?? step.dialPlans ?? step.dialplan
      delete step.dialPlans
      delete step.dialplan
      step.dialPlan = plan
      for (const verb of plan.verbs) {
        if (verb.type === 'SAY') verb.bargeIn ??= false
        else verb.repeat ??= 0
      }
    }
  }
  if (request.callback) request.callback.strategy ??= 'OnCompletion'
  return request
}

/** §2–3 end to end: roles and rules; the senders and templates it read, for the first step to use. */
export function checkFlow (store: Store, input: AcceptInput): Omit<SendReads, 'billing'> {
  checkRoles(input.scopes, input.body.flow)
  const reads = { senders: new Map(), templates: new Map() }
  const problems = flowProblems(store, input.accountId, input.kind, input.body, input.ownHost, reads)
  if (problems.length > 0) throw validationError(problems)
  return reads
}

/**
 * The balance must cover the first step (a 400 InsufficientBalance otherwise): checked inside the transaction that stores
 * the send, so it is the balance the first step's charge meets (the sends of one group commit each
 * see the ones before them). Returns the account's billing, for the first step to use.
 */
export function checkBalance (store: Store, input: AcceptInput): Billing {
  const account = store.accounts.billing(input.accountId)
  // the account was deleted after the send's token was checked: its tokens went with it
  if (account === undefined) throw new ApiError(ERRORS.TOKEN_INVALID, 'Invalid access token: its account was deleted while the request ran.')
  const first = input.body.flow[runOrder(input.body.flow)[0]] as AnyStep
  const price = stepPrice(first, account.prices)
  if (account.balance < price) {
    throw new ApiError(ERRORS.INSUFFICIENT_BALANCE,
      `Insufficient balance: the first step (${first.type}) costs ${fromMicros(price)} ${account.currency.code} and the balance is ` +
      `${fromMicros(account.balance)} ${account.currency.code}; top up the account (PUT /_sandbox/balance in the sandbox).`)
  }
  return account
}

export function stepsIndex (request: FlowRequest): Array<{ type: string, to: string }> {
  return request.flow.map((s) => ({ type: s.type, to: stepTo(s) }))
}
