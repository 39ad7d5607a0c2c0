/*
 * sandbox.md "Helpers on startSandbox()": send → advance → waitFor → expect callbacks, with no
 * hand-written fetch, token or receiver code. This module names no internal type (the package's
 * published types stay its own): it reaches the sandbox through the narrow HelperContext below.
 * Sends and tokens go over real HTTP, so the journal and faults see them as any client's; control
 * calls go through inject().
 */

export interface Credentials {
  applicationId: string
  applicationSecret: string
}

export interface AdvanceResult {
  /** the account's sandbox time after the advance, epoch ms */
  now: number
  eventsRun: number
}

/** A non-2xx answer of the sandbox, kept whole. */
export class SandboxHttpError extends Error {
  readonly status: number
  readonly body: any
  readonly headers: Record<string, string>
  constructor (what: string, status: number, body: any, headers: Record<string, string> = {}) {
    super(`${what}: ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`)
    this.name = 'SandboxHttpError'
    this.status = status
    this.body = body
    this.headers = headers
  }
}

export interface SendOptions {
  /**
   * POST /failover/transactional (true) or /failover (false). Not given: /failover when a Viber step
   * carries a free-text `message` and no `templateId` (a standard flow, which the transactional
   * endpoint refuses), else /failover/transactional.
   */
  transactional?: boolean
  /** X-Sandbox-Outcome, e.g. "Viber=EXPIRED; Sms=Delivered" */
  outcome?: string
  /** X-Sandbox-Fault, e.g. "503", "429;retryAfter=2", "afterCommit;502" */
  fault?: string
}

/** The provider's answer to an accepted send (the flow echoed with its ids). */
export interface SendAnswer {
  trackingId: string
  [key: string]: unknown
}

export interface ScenarioRule {
  to?: string
  channel: string
  outcome: string
  afterSeconds?: number
}

export interface FaultRule {
  route: string
  status?: 500 | 502 | 503 | 504 | 429
  retryAfter?: number
  delayMs?: number
  drop?: 'reset' | 'hang'
  afterCommit?: boolean
  times?: number
  probability?: number
}

export interface RequestFilter {
  method?: string
  /** exact, or a prefix ending with * */
  path?: string
  /** 400, '4xx' or 'none' */
  status?: number | string
  trackingId?: string
  /** sandbox time: ISO, epoch ms or a Date */
  since?: string | number | Date
  /** a text the request body contains */
  body?: string
  limit?: number
}

/** One journaled request (GET /_sandbox/requests). */
export interface JournaledRequest {
  id: number
  at: string
  realAt: string
  method: string
  path: string
  status: number | null
  durationMs: number
  request: { headers: Record<string, string>, body: string | null }
  response: { body: string | null }
  trackingId?: string
  errorCode?: string
  fault?: { source: 'rule' | 'header', rule?: number, status?: number, retryAfter?: number, delayMs?: number, drop?: 'reset' | 'hang', afterCommit?: boolean }
}

/** One arrival at the receiver (GET /_sandbox/webhooks/{name}). */
export interface WebhookArrival {
  id: number
  at: string
  method: string
  headers: Record<string, string>
  contentType: string | null
  body: string
  /** the body parsed, when it is JSON */
  json?: unknown
  size: number
  truncated: boolean
}

export interface Webhook {
  name: string
  /** the receiver's URL: give it as a callback url or a Viber inboundUrl */
  url: string
  /** what arrived, oldest first */
  received: () => Promise<WebhookArrival[]>
  /** resolves once at least `n` arrivals are in (polling), or rejects after timeoutMs (5000) */
  waitFor: (n: number, timeoutMs?: number) => Promise<WebhookArrival[]>
  clear: () => Promise<void>
}

export interface Requests {
  /** the account's journal, newest first */
  (filter?: RequestFilter): Promise<JournaledRequest[]>
  count: (filter?: Omit<RequestFilter, 'limit'>) => Promise<number>
  clear: () => Promise<void>
}

/** The helpers of one account (the sandbox's own, or an isolated one from sb.account()). */
export interface AccountHelpers {
  accountId: string
  credentials: Credentials
  /** an access token of the account's application, narrowed to `scope` when given */
  token: (scope?: string) => Promise<string>
  /** sends a flow over HTTP with the account's token: the answer, or a SandboxHttpError */
  send: (body: unknown, options?: SendOptions) => Promise<SendAnswer>
  /** moves the account's manual clock by `seconds`, or until nothing is due ('idle'), once every effect is stored */
  advance: (by: number | 'idle') => Promise<AdvanceResult>
  /** resolves with the tracking record once the flow reaches one of `statuses` (default Succeeded, Failed) */
  waitFor: (trackingId: string, statuses?: string | string[], timeoutMs?: number) => Promise<any>
  /** the receiver inbox `name` (shared by every account) */
  webhook: (name: string) => Webhook
  scenarios: { set: (rules: ScenarioRule[]) => Promise<ScenarioRule[]>, get: () => Promise<ScenarioRule[]>, clear: () => Promise<void> }
  faults: {
    set: (rules: FaultRule[]) => Promise<Array<FaultRule & { remaining: number | null }>>
    get: () => Promise<Array<FaultRule & { remaining: number | null }>>
    clear: () => Promise<void>
  }
  requests: Requests
}

export interface InjectLike {
  (options: { method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers?: Record<string, string>, payload?: any }): Promise<{ statusCode: number, body: string, json: () => any }>
}

/** What the helpers need of a started sandbox. */
export interface HelperContext {
  url: string
  inject: InjectLike
  /** extra headers for every control call (the admin token when one is set) */
  controlHeaders: Record<string, string>
  advance: (accountId: string, by: { seconds: number } | { until: 'idle' }) => Promise<AdvanceResult>
}

const MAX_ADVANCE_SECONDS = 10 * 365 * 86400
const POLL_MS = 20

/** The helpers bound to one account. */
export function accountHelpers (ctx: HelperContext, accountId: string, credentials: Credentials): AccountHelpers {
  const headers = { ...ctx.controlHeaders, 'x-sandbox-account': accountId }
  const control = async (what: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<any> => {
    const res = await ctx.inject({ method, url: `/_sandbox${url}`, headers, ...(payload === undefined ? {} : { payload }) })
    const body = res.body === '' ? undefined : safeJson(res.body)
    if (res.statusCode >= 300) throw new SandboxHttpError(what, res.statusCode, body)
    return body
  }
  let cached: string | undefined

  const token = async (scope?: string): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials' })
    if (scope !== undefined) form.set('scope', scope)
    const res = await fetch(`${ctx.url}/oauth/token`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${credentials.applicationId}:${credentials.applicationSecret}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded'
      },
      body: form.toString()
    })
    const body = safeJson(await res.text())
    if (res.status !== 200) throw new SandboxHttpError('token', res.status, body, Object.fromEntries(res.headers))
    return body.access_token
  }

  const send = async (body: unknown, options: SendOptions = {}): Promise<SendAnswer> => {
    cached ??= await token()
    const extra: Record<string, string> = { 'content-type': 'application/json' }
    if (options.outcome !== undefined) extra['x-sandbox-outcome'] = options.outcome
    if (options.fault !== undefined) extra['x-sandbox-fault'] = options.fault
    const path = (options.transactional ?? !isStandardViber(body)) ? '/failover/transactional' : '/failover'
    const post = async (): Promise<Response> => await fetch(`${ctx.url}${path}`, { method: 'POST', headers: { ...extra, authorization: `Bearer ${cached!}` }, body: JSON.stringify(body) })
    let res = await post()
    if (res.status === 401) { // the token expired (or the account was reset): once more with a fresh one
      await res.body?.cancel()
      cached = await token()
      res = await post()
    }
    const answer = safeJson(await res.text())
    if (res.status !== 200) throw new SandboxHttpError(`send ${path}`, res.status, answer, Object.fromEntries(res.headers))
    return answer
  }

  const webhook = (name: string): Webhook => {
    if (!/^[A-Za-z0-9._~-]{1,100}$/.test(name)) throw new RangeError(`webhook: the name must be 1 to 100 letters, digits, . _ ~ or -, not ${JSON.stringify(name)}`)
    const received = async (): Promise<WebhookArrival[]> => await control('webhook', 'GET', `/webhooks/${name}`)
    return {
      name,
      url: `${ctx.url}/_sandbox/webhooks/${name}`,
      received,
      waitFor: async (n, timeoutMs = 5000) => {
        const until = Date.now() + timeoutMs
        for (;;) {
          const arrivals = await received()
          if (arrivals.length >= n) return arrivals
          if (Date.now() >= until) throw new Error(`webhook ${name}: ${arrivals.length} of ${n} arrivals after ${timeoutMs} ms`)
          await new Promise((resolve) => setTimeout(resolve, POLL_MS))
        }
      },
      clear: async () => { await control('webhook clear', 'DELETE', `/webhooks/${name}`) }
    }
  }

  const requests = Object.assign(
    async (filter: RequestFilter = {}): Promise<JournaledRequest[]> => await control('requests', 'GET', `/requests${query(filter)}`),
    {
      count: async (filter: Omit<RequestFilter, 'limit'> = {}): Promise<number> => (await control('requests count', 'GET', `/requests/count${query(filter)}`)).count,
      clear: async (): Promise<void> => { await control('requests clear', 'DELETE', '/requests') }
    }
  )

  return {
    accountId,
    credentials,
    token,
    send,
    advance: async (by) => {
      if (by !== 'idle' && !(Number.isFinite(by) && by >= 0 && by <= MAX_ADVANCE_SECONDS)) {
        throw new RangeError(`advance: seconds must be a number from 0 to ${MAX_ADVANCE_SECONDS} (or 'idle'), not ${String(by)}`)
      }
      return await ctx.advance(accountId, by === 'idle' ? { until: 'idle' } : { seconds: by })
    },
    waitFor: async (trackingId, statuses = ['Succeeded', 'Failed'], timeoutMs = 5000) => {
      const status = Array.isArray(statuses) ? statuses.join(',') : statuses
      return await control('waitFor', 'GET', `/flows/${encodeURIComponent(trackingId)}/wait?status=${encodeURIComponent(status)}&timeoutMs=${timeoutMs}`)
    },
    webhook,
    scenarios: {
      set: async (rules) => await control('scenarios', 'PUT', '/scenarios', rules),
      get: async () => await control('scenarios', 'GET', '/scenarios'),
      clear: async () => { await control('scenarios', 'PUT', '/scenarios', []) }
    },
    faults: {
      set: async (rules) => await control('faults', 'PUT', '/faults', rules),
      get: async () => await control('faults', 'GET', '/faults'),
      clear: async () => { await control('faults', 'DELETE', '/faults') }
    },
    requests
  }
}

function query (filter: RequestFilter): string {
  const q = new URLSearchParams()
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue
    q.set(key, value instanceof Date ? value.toISOString() : String(value))
  }
  const text = q.toString()
  return text === '' ? '' : `?${text}`
}

function safeJson (text: string): any {
  try { return JSON.parse(text) } catch { return text }
}

/** A body with a Viber step written the standard way (a free-text `message`, no template): only POST /failover takes it. */
function isStandardViber (body: unknown): boolean {
  const flow = (body as { flow?: unknown } | null)?.flow
  if (!Array.isArray(flow)) return false
  return flow.some((step: unknown) => {
    if (step === null || typeof step !== 'object') return false
    const s = step as Record<string, unknown>
    return typeof s.type === 'string' && s.type.toLowerCase() === 'viber' && s.message !== undefined && s.templateId === undefined
  })
}
