import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { buildApp as buildInternalApp } from './app.js'
import { exposureWarning } from './guard.js'
import { loadConfig, type Config } from './config.js'
import { loadSeed, parseSeed } from './seed.js'
import { accountHelpers, SandboxHttpError, type AccountHelpers, type AdvanceResult, type Credentials, type HelperContext } from './helpers.js'
import type { Seed } from './schemas/seed.js'
import { MAX_ADVANCE_SECONDS, type Channel, type ClockMode, type FlowKind } from './vocabulary.js'

/*
 * The package entry: a sandbox per test file (sandbox.md "Running it", programmatic).
 *   const sb = await startSandbox()            // port 0, ':memory:', manual clock
 *   fetch(`${sb.url}/oauth/token`, …sb.credentials…)
 *   await sb.clock.advance(10_000)
 *   await sb.messages({ to: '+306900000200' })
 *   await sb.close()
 */

export { loadConfig, ConfigError, CONFIG_KEYS } from './config.js'
export type { Config, ConfigKey } from './config.js'
export type { Seed, SeedAccount } from './schemas/seed.js'
export { VERSION } from './version.js'

/*
 * The published types are this module's own: no type here names the engine, the store or a
 * dependency's types that only development installs (better-sqlite3's live in @types/better-sqlite3),
 * so a consumer compiles with skipLibCheck: false. Keep it so: declare public shapes here rather
 * than re-exporting internal modules (test/package.test.ts checks it on the packed tarball).
 */

/** The sandbox's Fastify instance as the package publishes it: inject(), listen(), close() and its settings. */
export type App = FastifyInstance & { config: Config, seed: Seed }

/** An account's clock (GET /_sandbox/clock): sandbox time in epoch ms, its mode and realtime scale. */
export interface ClockView {
  now: number
  mode: ClockMode
  scale: number
}

export interface BuildOptions {
  /** settings; anything left out takes its default */
  config?: Partial<Config>
  /** the seed as data, instead of reading config.SANDBOX_SEED */
  seed?: unknown
  /** pino logger, or false for none */
  logger?: Logger | false
  /** the real-time source (Date.now and timers by default) */
  time?: { now: () => number, setTimeout: (fn: () => void, ms: number) => unknown, clearTimeout: (handle: unknown) => void }
  /** outbound HTTP for callbacks (global fetch by default) */
  fetch?: (url: string, init: { method: string, headers: Record<string, string>, body: string, signal: AbortSignal }) => Promise<{ status: number, body?: { cancel: () => Promise<void> } | null }>
}

/** Builds the sandbox, ready for inject() or listen(): nothing listens here. */
export const buildApp: (options?: BuildOptions) => Promise<App> = buildInternalApp as unknown as (options?: BuildOptions) => Promise<App>

export type { ClockMode } from './vocabulary.js'

export interface StartOptions {
  /** listen port; 0 (the default) takes a free one: read it from `url` */
  port?: number
  /** listen address, 127.0.0.1 by default */
  host?: string
  /** SQLite path; ':memory:' (the default) keeps nothing */
  db?: string
  /** the clock mode accounts start with: 'manual' (the default) stands still until advanced */
  clock?: ClockMode
  /** realtime speed-up (SANDBOX_TIME_SCALE) */
  timeScale?: number
  /** the seed: a file path, or the seed itself as data; db/seed.json by default */
  seed?: string | Seed
  /** reject unknown request properties with 400 (SANDBOX_STRICT) */
  strict?: boolean
  /** a pino logger, true for the server's logger at info, or false (the default) for none */
  logger?: Logger | boolean
  /** the account sb.clock, sb.messages and sb.reset act on; the seed's first account by default */
  account?: string
  /** any other setting of src/config.ts (SANDBOX_WEBHOOK_TIMEOUT_MS, …) */
  config?: Partial<Config>
}

export { SandboxHttpError } from './helpers.js'
export type {
  Credentials, AdvanceResult, SendOptions, SendAnswer, ScenarioRule, FaultRule, RequestFilter, JournaledRequest,
  WebhookArrival, Webhook, Requests, AccountHelpers
} from './helpers.js'

/** GET /_sandbox/messages filters */
export interface MessageFilter {
  to?: string
  channel?: Channel | (string & {})
  trackingId?: string
  status?: string
  limit?: number
}

/** What a recipient would have seen or heard (GET /_sandbox/messages), newest first. */
export interface SentMessage {
  messageId: string
  trackingId: string
  flowKind: FlowKind
  channel: Channel
  to: string
  from: string
  status: string
  createdAt: string
  updatedAt: string
  sms?: { text: string, encoding: string, parts: number, flash: boolean }
  viber?: { text: string | null, [key: string]: unknown }
  voice?: { say: Array<{ text: string, language: string, gender: string | null }>, play: string[] }
  [key: string]: unknown
}

export interface SandboxClock {
  /**
   * Moves the account's clock forward by `ms` (or from due event to due event until none is left,
   * with 'idle') and resolves once every event that fell due has run and its effects are stored:
   * the engine path of POST /_sandbox/clock/advance.
   */
  advance: (ms: number | 'idle') => Promise<AdvanceResult>
  /** the account's sandbox time, epoch ms */
  now: () => number
  /** switches mode or scale, or jumps forward (POST /_sandbox/clock); due events run before it resolves */
  set: (change: { mode?: ClockMode, scale?: number, now?: number | Date | string }) => Promise<ClockView>
}

/** One account's helpers (sandbox.md "Helpers on startSandbox()"), its clock, messages and reset. */
export interface SandboxAccount extends AccountHelpers {
  /** http://host:port of the sandbox (every account shares it; the credentials tell them apart) */
  url: string
  clock: SandboxClock
  /** what recipients would have seen, newest first */
  messages: (filter?: MessageFilter) => Promise<SentMessage[]>
  /** clears the account's flows, messages and callbacks; restores its seed balance and templates */
  reset: () => Promise<void>
}

/** The options of sb.account() (POST /_sandbox/accounts). */
export interface NewAccountOptions {
  name?: string
  balance?: number
  clock?: ClockMode
  scale?: number
}

export interface Sandbox extends SandboxAccount {
  /** http://host:port, for both the API and the OAuth base URL */
  url: string
  port: number
  /** an isolated account (fresh credentials, its own clock, flows, journal and faults) with the same helpers */
  account: (options?: NewAccountOptions) => Promise<SandboxAccount>
  /** stops listening, waits for requests in flight, closes the database; safe to call twice */
  close: () => Promise<void>
  /** the Fastify instance, for app.inject() and the engine */
  app: App
}

const MAX_ADVANCE_MS = MAX_ADVANCE_SECONDS * 1000

/** Starts a sandbox listening on `port` (a free one by default): milliseconds on ':memory:'. */
export async function startSandbox (options: StartOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1'
  const settings: Partial<Config> = {
    ...options.config,
    PORT: options.port ?? 0,
    HOST: host,
    SANDBOX_DB: options.db ?? ':memory:',
    SANDBOX_CLOCK: options.clock ?? 'manual',
    ...(options.timeScale !== undefined ? { SANDBOX_TIME_SCALE: options.timeScale } : {}),
    ...(options.strict !== undefined ? { SANDBOX_STRICT: options.strict } : {}),
    ...(typeof options.seed === 'string' ? { SANDBOX_SEED: options.seed } : {})
  }
  // through loadConfig, as the environment would be: a bad option fails with the same one line
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) env[key] = String(value)
  const config = loadConfig(env)
  const seed = typeof options.seed === 'object' ? parseSeed(options.seed) : loadSeed(config.SANDBOX_SEED)
  const logger = options.logger === true
    ? (await import('./server.js')).createLogger(config.LOG_LEVEL)
    : options.logger === undefined ? false : options.logger
  const app = await buildInternalApp({ config, seed, logger })
  try {
    await app.listen({ port: config.PORT, host })
  } catch (err) {
    await app.close()
    throw err
  }
  // the same warning as the server's start (sandbox.md "guard"), as a process warning: a test runner shows it
  const exposed = exposureWarning(host, config.SANDBOX_ADMIN_TOKEN)
  if (exposed !== undefined) process.emitWarning(exposed, { code: 'SANDBOX_EXPOSED' })

  const account = seed.accounts.find((a) => a.id === (options.account ?? seed.accounts[0].id))
  if (account === undefined) {
    await app.close()
    throw new Error(`startSandbox: no account ${options.account ?? ''} in the seed`)
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host
  const url = `http://${urlHost}:${port}`
  const adminToken = (app.config as { SANDBOX_ADMIN_TOKEN?: string }).SANDBOX_ADMIN_TOKEN
  const ctx: HelperContext = {
    url,
    inject: async (o) => await app.inject(o),
    controlHeaders: adminToken ? { authorization: `Bearer ${adminToken}` } : {},
    advance: async (id, by) => await app.engine.advance(id, by)
  }

  /** The helpers, clock, messages and reset of one account. */
  const forAccount = (accountId: string, credentials: Credentials): SandboxAccount => {
    const headers = { ...ctx.controlHeaders, 'x-sandbox-account': accountId }
    const clock: SandboxClock = {
      advance: async (ms) => {
        if (ms !== 'idle' && !(Number.isFinite(ms) && ms >= 0 && ms <= MAX_ADVANCE_MS)) {
          throw new RangeError(`clock.advance: ms must be a number from 0 to ${MAX_ADVANCE_MS} (or 'idle'), not ${String(ms)}`)
        }
        return await app.engine.advance(accountId, ms === 'idle' ? { until: 'idle' } : { seconds: ms / 1000 })
      },
      now: () => app.engine.now(accountId),
      set: async (change) => {
        const at = change.now === undefined || typeof change.now === 'number' ? change.now : new Date(change.now).getTime()
        if (at !== undefined && Number.isNaN(at)) throw new RangeError(`clock.set: now is not a time: ${String(change.now)}`)
        return await app.engine.setClock(accountId, { mode: change.mode, scale: change.scale, now: at })
      }
    }
    return {
      ...accountHelpers(ctx, accountId, credentials),
      url: ctx.url,
      clock,
      messages: async (filter = {}) => {
        const query = new URLSearchParams()
        for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value))
        const res = await app.inject({ method: 'GET', url: `/_sandbox/messages?${query.toString()}`, headers })
        if (res.statusCode !== 200) throw new Error(`messages: ${res.statusCode} ${res.body}`)
        return res.json()
      },
      reset: async () => {
        const res = await app.inject({ method: 'POST', url: '/_sandbox/reset', headers })
        if (res.statusCode !== 200) throw new Error(`reset: ${res.statusCode} ${res.body}`)
      }
    }
  }

  let closed: Promise<void> | undefined
  return {
    ...forAccount(account.id, { applicationId: account.applications[0].id, applicationSecret: account.applications[0].secret }),
    url,
    port,
    account: async (o = {}) => {
      const res = await app.inject({ method: 'POST', url: '/_sandbox/accounts', headers: ctx.controlHeaders, payload: o })
      if (res.statusCode !== 200) throw new SandboxHttpError('account', res.statusCode, res.body)
      const created = res.json() as { accountId: string, applicationId: string, applicationSecret: string }
      return forAccount(created.accountId, { applicationId: created.applicationId, applicationSecret: created.applicationSecret })
    },
    close: async () => {
      closed ??= app.close().then(() => undefined)
      await closed
    },
    app: app as unknown as App
  }
}
