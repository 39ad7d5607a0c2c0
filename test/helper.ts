import { createServer as createNetServer, type Socket } from 'node:net'
import { request as httpRequest } from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Test } from 'tap'
import { buildApp, type App, type BuildOptions } from '../src/app.js'
import type { Config } from '../src/config.js'
import { ROOT } from '../src/paths.js'
import { SEED_EXAMPLE_FILE } from '../src/vocabulary.js'
import type { TimeSource } from '../src/engine/clock.js'
import { committedContract } from './contract.js'
import { Store } from '../src/store/index.js'
import { loadSeed } from '../src/seed.js'
import { DEFAULT_SEED } from '../src/paths.js'
import { ApiError } from '../src/errors.js'

export const FIXTURES = join(ROOT, 'test', 'fixtures')

/** A fixture as a fresh object (tests may change it). The seed page's example is src/vocabulary.ts's, defined once. */
export function fixture<T = any> (name: string): T {
  return JSON.parse(readFileSync(name === 'seed-example.json' ? SEED_EXAMPLE_FILE : join(FIXTURES, name), 'utf8'))
}

export const SEED_APP = { id: 'sandbox-app', secret: 'sandbox-secret' }

/** Lets promise chains and setImmediate callbacks started by a timer or a request run to their end. */
export async function settle (turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/**
 * The one fake real-time source of the tests (Miniflare's Timers pattern): `now` stands still until
 * the test moves it; timers fire only inside advance(), in due order, each followed by settle().
 * Pass it as build(t, { time }) and the realtime clocks, the scheduler's timer, pruning and the
 * long-polls all run on it.
 */
export class FakeTime implements TimeSource {
  #now: number
  #seq = 0
  #timers = new Map<number, { at: number, fn: () => void }>()

  constructor (start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }

  now = (): number => this.#now

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.#seq
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn })
    return id
  }

  clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number)
  }

  /** Timers waiting to fire. */
  get pending (): number {
    return this.#timers.size
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order (at their due times). */
  async advance (ms: number): Promise<void> {
    // work already started (a request on its way to its handler) arms its timers first
    await settle()
    const end = this.#now + ms
    for (;;) {
      let next: [number, { at: number, fn: () => void }] | undefined
      for (const entry of this.#timers) if (entry[1].at <= end && (next === undefined || entry[1].at < next[1].at)) next = entry
      if (next === undefined) break
      this.#timers.delete(next[0])
      this.#now = Math.max(this.#now, next[1].at)
      next[1].fn()
      await settle()
    }
    this.#now = end
    await settle()
  }

  /** Moves time forward without firing anything (a slow peer, a blocked loop): what fell due fires on the next advance(). */
  skip (ms: number): void {
    this.#now += ms
  }
}

let controlPlaneChecked = false

/** From now on (in this test file: tap runs each in its own process) build() checks /_sandbox answers against the contract too. */
export function checkControlPlaneContract (): void {
  controlPlaneChecked = true
}

/** test/fast.ts runs many test files in one process: what one file opted into ends with it. */
export function resetPerFileState (): void {
  controlPlaneChecked = false
}

/**
 * An app on ':memory:' with a manual clock, closed when the test ends. Every response of the
 * emulated API is checked against the committed OpenAPI document (test/contract.ts): an
 * undocumented status or field fails the test. `contract: false` turns the check off;
 * `sandboxContract: true` checks the /_sandbox control plane's JSON answers too (opt-in per test
 * file while every control-plane test is brought under it).
 */
export async function build (t: Test, options: BuildOptions & { config?: Partial<Config>, contract?: boolean, sandboxContract?: boolean } = {}): Promise<App> {
  const { contract = true, sandboxContract = controlPlaneChecked, ...rest } = options
  const app = await buildApp({ ...rest, config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual', ...rest.config } })
  t.teardown(async () => await app.close())
  if (contract) {
    app.addHook('onSend', async (request, reply, payload) => {
      // the documented routes (/_sandbox only when asked): not the unmatched (404) handler, not the untagged dashboard files
      const url = request.routeOptions.url
      const schema = request.routeOptions.schema as { tags?: string[], hide?: boolean } | undefined
      if (url === undefined || (url.startsWith('/_sandbox') && !sandboxContract) || request.method === 'HEAD' || schema?.tags === undefined || schema.hide === true) return payload
      // Fastify sends no body with a 204, whatever the handler passed
      const body = payload === null || payload === undefined || reply.statusCode === 204 ? '' : typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined
      if (body === undefined) return payload
      const contentType = reply.getHeader('content-type')
      const result = committedContract().check(request.method, url, reply.statusCode, typeof contentType === 'string' ? contentType : undefined, body)
      if (!result.ok) t.fail(`contract: ${request.method} ${url} → ${reply.statusCode} does not match openapi/openapi.json`, { problems: result.problems, body: body.slice(0, 2000) })
      return payload
    })
  }
  await app.ready()
  return app
}

export function basic (id: string, secret: string): string {
  return 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64')
}

/** A bearer token for the seed application (or the one given), optionally narrowed to `scope`. */
export async function token (app: App, options: { id?: string, secret?: string, scope?: string } = {}): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(options.id ?? SEED_APP.id, options.secret ?? SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials' + (options.scope ? `&scope=${encodeURIComponent(options.scope)}` : '')
  })
  if (res.statusCode !== 200) throw new Error(`token: ${res.statusCode} ${res.body}`)
  return res.json().access_token
}

export function bearer (t: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${t}`, ...extra }
}

/** POSTs a flow; returns the response. */
export async function send (app: App, tok: string, body: unknown, options: { transactional?: boolean, outcome?: string } = {}) {
  const headers = bearer(tok, options.outcome ? { 'x-sandbox-outcome': options.outcome } : {})
  return await app.inject({ method: 'POST', url: options.transactional === false ? '/failover' : '/failover/transactional', headers, payload: body as any })
}

export async function tracking (app: App, tok: string, trackingId: string): Promise<any> {
  const res = await app.inject({ method: 'GET', url: `/failover/tracking/${trackingId}`, headers: bearer(tok) })
  if (res.statusCode !== 200) throw new Error(`tracking: ${res.statusCode} ${res.body}`)
  return res.json()
}

export async function advance (app: App, by: { seconds: number } | { until: 'idle' }, account?: string): Promise<any> {
  const res = await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', headers: account ? { 'x-sandbox-account': account } : {}, payload: by })
  if (res.statusCode !== 200) throw new Error(`advance: ${res.statusCode} ${res.body}`)
  return res.json()
}

/** A standard Sms step to `to`. */
export function smsStep (to = '+306912345678', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'Sms', from: 'YourBrand', to, message: { body: 'Hello from the sandbox' }, order: 1, ...extra }
}

/** A standard text Viber step to `to`. */
export function viberStep (to = '+306912345678', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to, message: { text: 'Hello on Viber' }, order: 1, ...extra }
}

/** A template Viber step of the seed's approved template (en, {{customer_name}}), as the seed page writes it. */
export function templateViberStep (to = '+306912345678', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'Viber',
    senderInfoTrackingId: 'your-sender-info-tracking-id',
    to,
    templateId: '0aac888f-2ee2-4112-9659-1755a951966a',
    templateLang: 'en',
    templateParams: { customer_name: 'Alex' },
    order: 1,
    failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED'],
    ...extra
  }
}

/** A Voice step calling `to`. */
export function voiceStep (to = '+306912345678', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'Voice',
    from: 'Sandbox',
    to: { phone: to },
    dialPlan: { verbs: [{ type: 'SAY', message: { text: 'Your code is 1 2 3 4', language: 'en-US', gender: 'female' } }] },
    order: 1,
    ...extra
  }
}

/** A /_sandbox control call (JSON), acting on `account` when given. */
export async function control (app: App, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, account?: string) {
  const headers: Record<string, string> = account ? { 'x-sandbox-account': account } : {}
  return await app.inject({ method, url: `/_sandbox${url}`, headers, ...(payload === undefined ? {} : { payload: payload as any }) })
}

/**
 * A timeline on the seed account's manual clock: `send` a flow, move the clock to `at(seconds)` after
 * the start (or `idle`), and read the record, every time in seconds after the start.
 */
export interface Timeline {
  app: App
  tok: string
  /** sandbox ms when the timeline started */
  start: number
  send: (body: unknown, options?: { transactional?: boolean, outcome?: string }) => Promise<string>
  at: (seconds: number) => Promise<void>
  idle: () => Promise<number>
  record: (trackingId: string) => Promise<any>
  /** the message's status changes as [status, detailedStatus, seconds after start] */
  history: (messageId: string) => Array<[string, string, number]>
  /** seconds after the start of an ISO time in a record */
  sec: (isoTime: string) => number
}

export async function timeline (t: Test, options: BuildOptions = {}): Promise<Timeline> {
  const app = await build(t, options)
  const tok = await token(app)
  const start = app.engine.now('sandbox')
  const sec = (iso: string): number => (Date.parse(iso) - start) / 1000
  return {
    app,
    tok,
    start,
    sec,
    send: async (body, o = {}) => {
      const res = await send(app, tok, body, { transactional: o.transactional ?? false, outcome: o.outcome })
      if (res.statusCode !== 200) throw new Error(`send: ${res.statusCode} ${res.body}`)
      return res.json().trackingId
    },
    at: async (seconds) => {
      const now = app.engine.now('sandbox')
      const target = start + Math.round(seconds * 1000)
      if (target < now) throw new Error(`at(${seconds}): the clock already reads ${(now - start) / 1000}`)
      await advance(app, { seconds: (target - now) / 1000 })
    },
    idle: async () => {
      await advance(app, { until: 'idle' })
      return (app.engine.now('sandbox') - start) / 1000
    },
    record: async (id) => await tracking(app, tok, id),
    history: (messageId) => app.store.flows.history(messageId).map((h) => [h.status, h.detailedStatus, (h.at - start) / 1000])
  }
}

/** The three steps of the outcome matrix: Viber (order 1) → Sms (2) → Voice (3), all to `to`. */
export function threeSteps (to: string): { flow: Array<Record<string, unknown>> } {
  return { flow: [viberStep(to, { order: 1 }), smsStep(to, { order: 2 }), voiceStep(to, { order: 3 })] }
}

/** A port nothing listens on now: bound on 0, then released. */
export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createNetServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

type SendResponse = Awaited<ReturnType<typeof send>>

/** Asserts a 200 and returns the echoed step (the first by default). */
export function accepted (t: Test, res: SendResponse, name: string, index = 0): any {
  t.equal(res.statusCode, 200, `${name}: ${res.statusCode === 200 ? 'accepted' : res.body}`)
  return res.statusCode === 200 ? res.json().flow[index] : undefined
}

/** Asserts a 400 ValidationError whose properties name `path` with `message`, said in developerMessage too. */
export function refused (t: Test, res: SendResponse, path: string, message: string, name: string): void {
  t.equal(res.statusCode, 400, `${name}: status`)
  const body = res.json()
  t.equal(body.code, '400000000', `${name}: code`)
  t.equal(body.type, 'ValidationError', `${name}: type`)
  t.equal(body.properties?.[path], message, `${name}: properties["${path}"]`)
  t.match(body.developerMessage, path, `${name}: developerMessage names the field`)
  t.match(body.developerMessage, message, `${name}: developerMessage says what to fix`)
}

/** The default seed's account, as store and engine tests create it. */
export const SEED_ACCOUNT = loadSeed(DEFAULT_SEED).accounts[0]
export const T0 = Date.UTC(2026, 0, 1)

/** A Store on ':memory:' holding seed accounts (`a` by default) on a manual clock at T0, closed when the test ends. */
export function seededStore (t: Test, ...accounts: Array<{ id: string, applicationId?: string }>): Store {
  const store = new Store(':memory:')
  t.teardown(() => store.close())
  const clock = { mode: 'manual' as const, scale: 1, baseSandbox: T0, baseReal: T0 }
  for (const a of accounts.length > 0 ? accounts : [{ id: 'a' }]) {
    const applications = a.applicationId === undefined ? undefined : [{ ...SEED_ACCOUNT.applications[0], id: a.applicationId }]
    store.createAccount({ id: a.id, seed: SEED_ACCOUNT, clock, createdAt: T0, applications })
  }
  return store
}

/** The ApiError `fn` throws (any other error, or none, fails the caller). */
export function apiFailure (fn: () => unknown): ApiError {
  try { fn() } catch (err) { if (err instanceof ApiError) return err; throw err }
  throw new Error('no error')
}

export interface EventStream {
  status: number
  type: string | undefined
  /** every `event:`/`data:` block received so far, data parsed */
  events: Array<{ event: string, data: any }>
  socket: Socket
  closed: Promise<void>
  /** pausing the response (not the socket, which the response resumes) stops reading from the kernel */
  pause: () => void
  resume: () => void
  close: () => void
}

/** Opens GET /_sandbox/events (or any server-sent events URL) on a listening server and collects what arrives. */
export async function openEventStream (url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return await new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const events: EventStream['events'] = []
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.+)$/m.exec(block)?.[1]
          const data = /^data: (.+)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) })
        }
      })
      res.on('error', () => {})
      const closed = new Promise<void>((resolve) => res.socket.on('close', () => resolve()))
      resolve({
        status: res.statusCode ?? 0,
        type: res.headers['content-type'],
        events,
        socket: res.socket,
        closed,
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy()
      })
    })
    req.on('error', reject)
    req.end()
  })
}
