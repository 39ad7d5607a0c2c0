import type { Socket } from 'node:net'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, ERRORS, errorBody, type CatalogEntry, type Problem } from './errors.js'
import type { App } from './app.js'
import { captureBody, isApiPath, journalOf, type Journal } from './journal.js'
import { mulberry32 } from './ids.js'
import type { Static } from 'typebox'
import type { FaultRuleSchema } from './schemas/levers.js'

/*
 * sandbox.md "Faults": the provider misbehaving on purpose. Rules live in memory, per account (a
 * restart clears them: sandbox choice); the X-Sandbox-Fault header carries one request's own. A fault
 * is decided in the first onRequest hook, before authentication and before the body is read: a faulted
 * send stores nothing and costs nothing. `afterCommit` lets the request run, then replaces its answer.
 */

export type FaultStatus = 429 | 500 | 502 | 503 | 504
export const FAULT_STATUSES: readonly FaultStatus[] = [500, 502, 503, 504, 429]
const STATUS_ENTRY: Record<FaultStatus, CatalogEntry> = { 429: ERRORS.FAULT_429, 500: ERRORS.FAULT_500, 502: ERRORS.FAULT_502, 503: ERRORS.FAULT_503, 504: ERRORS.FAULT_504 }
export const MAX_DELAY_MS = 120_000
export const MAX_RETRY_AFTER = 86_400
const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', '*'])

/** A rule as PUT /_sandbox/faults takes it (its schema); ruleProblems() checks what the schema cannot. */
export type FaultRule = Static<typeof FaultRuleSchema>

/** A fault applied to one request, as the journal records it. */
export interface AppliedFault {
  source: 'rule' | 'header'
  /** the rule's index in the account's list */
  rule?: number
  status?: FaultStatus
  retryAfter?: number
  delayMs?: number
  drop?: 'reset' | 'hang'
  afterCommit?: boolean
}

interface ActiveRule {
  rule: FaultRule
  method: string
  path: RegExp | null
  remaining: number | null
}

/** The problems of one rule, each naming its field ("[2].status: …"). */
export function ruleProblems (rule: FaultRule, at: string): Problem[] {
  const problems: Problem[] = []
  const bad = (field: string, detail: string): void => { problems.push({ path: `${at}.${field}`, entry: ERRORS.FAULT_RULE, detail }) }
  if (compileRoute(rule.route) === undefined) bad('route', 'must be "*" or a method and an API path, e.g. "POST /failover/transactional" or "GET /failover/tracking/{trackingId}".')
  problems.push(...effectProblems(rule, (field, detail) => bad(field, detail)))
  if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 1)) bad('times', 'must be a whole number of at least 1.')
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) bad('probability', 'must be from 0 to 1.')
  return problems
}

/** Checks status, retryAfter, delayMs, drop and afterCommit together: what a rule and the header share. */
function effectProblems (f: Omit<FaultRule, 'route'>, bad: (field: string, detail: string) => void): Problem[] {
  if (f.status !== undefined && !FAULT_STATUSES.includes(f.status as FaultStatus)) bad('status', `must be one of ${FAULT_STATUSES.join(', ')}.`)
  if (f.retryAfter !== undefined) {
    if (!(Number.isInteger(f.retryAfter) && f.retryAfter >= 0 && f.retryAfter <= MAX_RETRY_AFTER)) bad('retryAfter', `must be whole seconds from 0 to ${MAX_RETRY_AFTER}.`)
    else if (f.status !== 429 && f.status !== 503) bad('retryAfter', 'sets Retry-After, which only 429 and 503 carry: add status 429 or 503, or remove it.')
  }
  if (f.delayMs !== undefined && !(Number.isInteger(f.delayMs) && f.delayMs >= 0 && f.delayMs <= MAX_DELAY_MS)) bad('delayMs', `must be whole milliseconds from 0 to ${MAX_DELAY_MS}.`)
  if (f.drop !== undefined && f.drop !== 'reset' && f.drop !== 'hang') bad('drop', 'must be "reset" or "hang".')
  if (f.drop !== undefined && f.status !== undefined) bad('drop', 'a dropped connection has no status: give status or drop, not both.')
  if (f.status === undefined && f.drop === undefined && f.delayMs === undefined) bad('status', 'a fault needs at least one of status, delayMs or drop.')
  if (f.afterCommit === true && f.status === undefined && f.drop === undefined) bad('afterCommit', 'needs a status or a drop to replace the answer with.')
  return []
}

/** "POST /failover/tracking/{trackingId}" → method and a path matcher; "*" → any; undefined when unusable. */
function compileRoute (route: unknown): { method: string, path: RegExp | null } | undefined {
  if (typeof route !== 'string') return undefined
  const text = route.trim()
  if (text === '*') return { method: '*', path: null }
  const m = /^(\S+)\s+(\/\S*)$/.exec(text)
  if (!m || !METHODS.has(m[1].toUpperCase())) return undefined
  const path = m[2].replace(/\/+$/, '') || '/'
  if (!isApiPath(path.replace(/\*$/, '').replace(/\{[^/}]+\}/g, 'x'))) return undefined
  const pattern = path.split('/').map((segment) => {
    if (/^\{[^/{}]+\}$/.test(segment)) return '[^/]+'
    if (segment === '*') return '.*'
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  }).join('/')
  return { method: m[1].toUpperCase(), path: new RegExp(`^${pattern}/?$`) }
}

/** A seeded generator of [0, 1) (the ids' mulberry32): the same seed draws the same probabilities, so a run repeats. */
export function seededRandom (seed: number): () => number {
  const next = mulberry32(seed)
  return () => next() / 4294967296
}

/** The rules of every account, in memory. */
export class Faults {
  readonly #seed: number
  #rules = new Map<string, ActiveRule[]>()
  #random = new Map<string, () => number>()

  constructor (seed: number) {
    this.#seed = seed
  }

  /** Is any rule set anywhere? (the request path skips the lookup otherwise) */
  get active (): boolean {
    return this.#rules.size > 0
  }

  /** Replaces an account's rules (already checked with ruleProblems) and restarts its generator at the seed. */
  set (accountId: string, rules: FaultRule[]): void {
    if (rules.length === 0) this.#rules.delete(accountId)
    else this.#rules.set(accountId, rules.map((rule) => ({ rule, ...compileRoute(rule.route)!, remaining: rule.times ?? null })))
    this.#random.set(accountId, seededRandom(this.#seed))
  }

  /**
   * The rules with what is left of `times` (sandbox.md: "lists the rules with what is left of times"):
   * `times` is what is left (0 once spent), and `remaining` says the same for every rule (null: unlimited).
   */
  list (accountId: string): Array<FaultRule & { remaining: number | null }> {
    return (this.#rules.get(accountId) ?? []).map((r) => ({ ...r.rule, ...(r.remaining === null ? {} : { times: r.remaining }), remaining: r.remaining }))
  }

  clear (accountId: string): void {
    this.#rules.delete(accountId)
    this.#random.delete(accountId)
  }

  /** The first rule matching the request (spending one of its `times`), or undefined. */
  match (accountId: string, method: string, path: string): AppliedFault | undefined {
    const rules = this.#rules.get(accountId)
    if (rules === undefined) return undefined
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]
      if (r.remaining === 0) continue
      if (r.method !== '*' && r.method !== method) continue
      if (r.path !== null && !r.path.test(path)) continue
      if (r.rule.probability !== undefined) {
        let random = this.#random.get(accountId)
        if (random === undefined) this.#random.set(accountId, random = seededRandom(this.#seed))
        if (random() >= r.rule.probability) continue
      }
      if (r.remaining !== null) r.remaining--
      // ruleProblems() let only these values through at PUT time
      const { status, retryAfter, delayMs, drop, afterCommit } = r.rule
      return compact({ source: 'rule', rule: i, status: status as FaultStatus | undefined, retryAfter, delayMs, drop: drop as AppliedFault['drop'], afterCommit })
    }
    return undefined
  }
}

function compact (f: AppliedFault): AppliedFault {
  for (const key of Object.keys(f) as Array<keyof AppliedFault>) if (f[key] === undefined || f[key] === false) delete f[key]
  return f
}

/** X-Sandbox-Fault: `503`, `429;retryAfter=2`, `delay=1500`, `reset`, `hang`, `afterCommit;502`. */
export function parseFaultHeader (value: string): AppliedFault {
  const fault: AppliedFault = { source: 'header' }
  const fail = (detail: string): never => { throw new ApiError(ERRORS.FAULT_HEADER, `X-Sandbox-Fault: ${detail}`, { 'X-Sandbox-Fault': detail }) }
  const tokens = value.split(/[;,]/).map((s) => s.trim()).filter((s) => s !== '')
  if (tokens.length === 0) fail('is empty: give a status (500, 502, 503, 504, 429), delay=<ms>, reset, hang or afterCommit.')
  for (const token of tokens) {
    const [key, raw] = token.includes('=') ? token.split('=', 2).map((s) => s.trim()) : [token, undefined]
    const lower = key.toLowerCase()
    const number = (): number => {
      if (raw === undefined || !/^\d{1,9}$/.test(raw)) fail(`${key} takes a whole number: "${token}" is not one.`)
      return Number(raw)
    }
    if (raw === undefined && /^\d+$/.test(key)) fault.status = Number(key) as FaultStatus
    else if (raw === undefined && (lower === 'reset' || lower === 'hang')) fault.drop = lower
    else if (raw === undefined && lower === 'aftercommit') fault.afterCommit = true
    else if (lower === 'retryafter') fault.retryAfter = number()
    else if (lower === 'delay' || lower === 'delayms') fault.delayMs = number()
    else fail(`"${token}" is not understood: use a status (500, 502, 503, 504, 429), retryAfter=<seconds>, delay=<ms>, reset, hang or afterCommit, joined by ";" (e.g. "429;retryAfter=2").`)
  }
  const problems: string[] = []
  effectProblems(fault, (field, detail) => problems.push(`${field} ${detail}`))
  if (problems.length > 0) fail(problems.join(' '))
  return fault
}

/** The body and headers of a fault's status, in the provider's envelope. */
export function faultAnswer (fault: AppliedFault): { status: number, headers: Record<string, string>, body: string } {
  const status = fault.status!
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' }
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter)
  return { status, headers, body: JSON.stringify(errorBody(new ApiError(STATUS_ENTRY[status]))) }
}

/** Sockets held by "hang" faults: closed at their bound and when the server closes. */
class Hangs {
  #sockets = new Map<Socket, NodeJS.Timeout>()

  hold (socket: Socket, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => socket.destroy(), ms)
      timer.unref()
      this.#sockets.set(socket, timer)
      socket.once('close', () => {
        clearTimeout(timer)
        this.#sockets.delete(socket)
        resolve()
      })
    })
  }

  closeAll (): void {
    for (const socket of this.#sockets.keys()) socket.destroy()
  }
}

// a real (and referenced) timer: a delayed answer keeps the process alive like any request in flight
const sleep = async (ms: number): Promise<void> => {
  if (ms > 0) await new Promise<void>((resolve) => setTimeout(resolve, ms))
}

/** The onRequest and onSend hooks that apply faults to the emulated API: registered from app.ts. */
export function registerFaults (app: App, faults: Faults, journal: Journal): void {
  const hangs = new Hangs()
  const hangMs = app.config.SANDBOX_FAULT_HANG_MS

  const drop = async (request: FastifyRequest, reply: FastifyReply, fault: AppliedFault, answer: string | null): Promise<void> => {
    // what the client sent is journaled before its connection goes (an afterCommit drop has read it already)
    await captureBody(request, app.config.SANDBOX_JOURNAL_MAX_BODY_BYTES)
    journal.recordNow(request, null, answer, fault)
    const socket = request.raw.socket
    if (fault.drop === 'reset') {
      socket.destroy()
      return
    }
    await hangs.hold(socket, hangMs)
    void reply
  }

  /** Applies a fault decided before the request runs. */
  const before = async (request: FastifyRequest, reply: FastifyReply, fault: AppliedFault): Promise<void> => {
    await sleep(fault.delayMs ?? 0)
    if (fault.drop !== undefined) {
      reply.hijack()
      await drop(request, reply, fault, null)
      return
    }
    if (fault.status === undefined) return // a delay alone: the request goes on
    const answer = faultAnswer(fault)
    await reply.code(answer.status).headers(answer.headers).send(answer.body)
  }

  // callback-style hooks: a request without a fault pays no promise
  app.addHook('onRequest', (request, reply, done) => {
    const state = journalOf(request)
    const header = request.headers['x-sandbox-fault']
    if (state === null || (header === undefined && !faults.active)) return done()
    let fault: AppliedFault | undefined
    try {
      if (header !== undefined) fault = parseFaultHeader(Array.isArray(header) ? header.join(';') : header)
      else fault = faults.match(journal.accountOf(request), request.method, state.path)
    } catch (err) {
      return done(err as Error)
    }
    if (fault === undefined) return done()
    state.fault = fault
    if (fault.afterCommit === true) return done()
    // once answered (or hijacked), done() goes no further
    before(request, reply, fault).then(() => done(), done)
  })

  // afterCommit: the request ran (and committed); its answer is replaced
  const after = async (request: FastifyRequest, reply: FastifyReply, fault: AppliedFault, payload: unknown): Promise<unknown> => {
    await sleep(fault.delayMs ?? 0)
    if (fault.drop !== undefined) {
      await drop(request, reply, fault, typeof payload === 'string' ? payload : null)
      return payload
    }
    const answer = faultAnswer(fault)
    journalOf(request)!.committedAnswer = typeof payload === 'string' ? payload : null
    reply.code(answer.status).headers(answer.headers)
    return answer.body
  }
  app.addHook('onSend', (request, reply, payload, done) => {
    const fault = journalOf(request)?.fault
    if (fault?.afterCommit !== true) return done(null, payload)
    after(request, reply, fault, payload).then((body) => done(null, body), done)
  })

  app.addHook('preClose', async () => hangs.closeAll())
}
