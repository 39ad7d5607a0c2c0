import type { Logger } from 'pino'
import { buildApp, type App } from './app.js'
import { loadConfig, type Config } from './config.js'
import type { ClockView } from './engine/clock.js'
import { loadSeed, parseSeed } from './seed.js'
import type { Seed } from './schemas/seed.js'

/*
 * The package entry: a sandbox per test file (sandbox.md "Running it", programmatic).
 *   const sb = await startSandbox()            // port 0, ':memory:', manual clock
 *   fetch(`${sb.url}/oauth/token`, …sb.credentials…)
 *   await sb.clock.advance(10_000)
 *   await sb.messages({ to: '+306900000200' })
 *   await sb.close()
 */

export { buildApp } from './app.js'
export type { App, BuildOptions } from './app.js'
export { loadConfig, ConfigError, CONFIG_KEYS } from './config.js'
export type { Config, ConfigKey } from './config.js'
export type { ClockView } from './engine/clock.js'
export type { Seed, SeedAccount } from './schemas/seed.js'
export { VERSION } from './version.js'

export type ClockMode = 'realtime' | 'manual'

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

export interface Credentials {
  applicationId: string
  applicationSecret: string
}

/** GET /_sandbox/messages filters */
export interface MessageFilter {
  to?: string
  channel?: 'Sms' | 'Viber' | 'Voice' | (string & {})
  trackingId?: string
  status?: string
  limit?: number
}

/** What a recipient would have seen or heard (GET /_sandbox/messages), newest first. */
export interface SentMessage {
  messageId: string
  trackingId: string
  flowKind: 'standard' | 'transactional'
  channel: 'Sms' | 'Viber' | 'Voice'
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

export interface AdvanceResult {
  /** the account's sandbox time after the advance, epoch ms */
  now: number
  eventsRun: number
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

export interface Sandbox {
  /** http://host:port, for both the API and the OAuth base URL */
  url: string
  port: number
  /** the seed application of the account */
  credentials: Credentials
  accountId: string
  clock: SandboxClock
  /** what recipients would have seen, newest first */
  messages: (filter?: MessageFilter) => Promise<SentMessage[]>
  /** clears the account's flows, messages and callbacks; restores its seed balance and templates */
  reset: () => Promise<void>
  /** stops listening, waits for requests in flight, closes the database; safe to call twice */
  close: () => Promise<void>
  /** the Fastify instance, for app.inject() and the engine */
  app: App
}

const MAX_ADVANCE_MS = 10 * 365 * 86400 * 1000

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
  const app = await buildApp({ config, seed, logger })
  try {
    await app.listen({ port: config.PORT, host })
  } catch (err) {
    await app.close()
    throw err
  }

  const account = seed.accounts.find((a) => a.id === (options.account ?? seed.accounts[0].id))
  if (account === undefined) {
    await app.close()
    throw new Error(`startSandbox: no account ${options.account ?? ''} in the seed`)
  }
  const accountId = account.id
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host
  const headers = { 'x-sandbox-account': accountId }

  const clock: SandboxClock = {
    advance: async (ms) => {
      if (ms !== 'idle' && !(Number.isFinite(ms) && ms >= 0 && ms <= MAX_ADVANCE_MS)) {
        throw new RangeError(`clock.advance: ms must be a number from 0 to ${MAX_ADVANCE_MS} (or 'idle'), not ${String(ms)}`)
      }
      return await app.engine.advance(accountId, ms === 'idle' ? { until: 'idle' } : { seconds: ms / 1000 })
    },
    now: () => app.engine.clocks.now(accountId),
    set: async (change) => {
      const at = change.now === undefined || typeof change.now === 'number' ? change.now : new Date(change.now).getTime()
      if (at !== undefined && Number.isNaN(at)) throw new RangeError(`clock.set: now is not a time: ${String(change.now)}`)
      return await app.engine.setClock(accountId, { mode: change.mode, scale: change.scale, now: at })
    }
  }

  let closed: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${port}`,
    port,
    credentials: { applicationId: account.applications[0].id, applicationSecret: account.applications[0].secret },
    accountId,
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
    },
    close: async () => {
      closed ??= app.close().then(() => undefined)
      await closed
    },
    app
  }
}
