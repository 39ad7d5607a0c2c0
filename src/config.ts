import { Ajv } from 'ajv'
import { Type, type Static } from 'typebox'
import { ClockModeSchema } from './vocabulary.js'

/**
 * Every setting of the sandbox, named as in ../shared/spec/sandbox.md ("Running it").
 * This module is the only reader of process.env: the CLI turns its flags into the same
 * variables, and startSandbox() passes its options straight to buildApp.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'listen port (0 picks a free one)' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'listen address (the Docker image sets 0.0.0.0)' }),
  SANDBOX_DB: Type.String({ minLength: 1, default: './data/sandbox.db', description: 'SQLite path; :memory: for throw-away runs' }),
  SANDBOX_CLOCK: Type.Union(ClockModeSchema.anyOf, {
    default: 'realtime',
    description: 'the clock mode new accounts start with: realtime or manual'
  }),
  SANDBOX_TIME_SCALE: Type.Number({ exclusiveMinimum: 0, maximum: 100000, default: 1, description: 'realtime speed-up: 60 makes a 10-minute ttl pass in 10 s' }),
  SANDBOX_FRESH: Type.Boolean({ default: false, description: 'start from an empty database: every stored row of SANDBOX_DB is deleted at start, then the seed is loaded' }),
  SANDBOX_SEED: Type.String({ minLength: 1, default: 'db/seed.json', description: 'seed file: accounts, applications, senders, templates, balances, prices' }),
  SANDBOX_STRICT: Type.Boolean({ default: false, description: 'reject unknown request properties, and optional values sent empty, with 400' }),
  SANDBOX_WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 600000, default: 2000, description: 'callback acknowledgement window, ms' }),
  SANDBOX_CALLBACK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 16, description: 'callback deliveries in flight at once' }),
  SANDBOX_CALLBACK_QUEUE_MAX: Type.Integer({ minimum: 1, maximum: 1000000, default: 1000, description: 'callback attempts waiting for a delivery slot before the scheduler holds back (the rest wait as rows)' }),
  SANDBOX_CALLBACK_RETENTION_HOURS: Type.Number({ minimum: 0, maximum: 87600, default: 168, description: 'finished callbacks older than this (sandbox time) are pruned' }),
  SANDBOX_CALLBACK_MAX_ROWS: Type.Integer({ minimum: 1, maximum: 100000000, default: 100000, description: 'at most this many finished callbacks are kept' }),
  SANDBOX_JOURNAL_MAX_ROWS: Type.Integer({ minimum: 1, maximum: 100000000, default: 100000, description: 'the request journal keeps at most this many requests (all accounts)' }),
  SANDBOX_JOURNAL_RETENTION_HOURS: Type.Number({ minimum: 0, maximum: 87600, default: 168, description: 'journaled requests older than this (wall clock) are pruned' }),
  SANDBOX_JOURNAL_MAX_BODY_BYTES: Type.Integer({ minimum: 256, maximum: 1048576, default: 65536, description: 'request and response bodies in the journal are cut at this size, with a marker' }),
  SANDBOX_INBOX_MAX_ROWS: Type.Integer({ minimum: 1, maximum: 100000000, default: 10000, description: 'the webhook receiver keeps at most this many arrivals (all inboxes)' }),
  SANDBOX_INBOX_RETENTION_HOURS: Type.Number({ minimum: 0, maximum: 87600, default: 168, description: 'webhook arrivals older than this (wall clock) are pruned' }),
  SANDBOX_INBOX_MAX_BODY_BYTES: Type.Integer({ minimum: 256, maximum: 1048576, default: 262144, description: 'webhook bodies are stored cut at this size, with a marker' }),
  SANDBOX_FAULT_SEED: Type.Integer({ minimum: 0, maximum: 4294967295, default: 1, description: 'seed of the generator fault probabilities draw from (restarted at each PUT /_sandbox/faults)' }),
  SANDBOX_FAULT_HANG_MS: Type.Integer({ minimum: 1, maximum: 3600000, default: 300000, description: 'a hung request (drop: "hang") is closed without an answer after this long' }),
  SANDBOX_ADMIN_TOKEN: Type.String({ default: '', description: 'bearer token the control plane (/_sandbox, the dashboard) asks for; unset: open to whoever reaches the port' }),
  SANDBOX_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3600000, default: 30000, description: 'a request must arrive whole (headers and body) within this, else 408, ms' }),
  SANDBOX_HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 3600000, default: 10000, description: 'the request headers must arrive within this (at most the request timeout), else 408, ms' }),
  SANDBOX_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 3600000, default: 72000, description: 'an idle keep-alive connection is closed after this, ms' }),
  SANDBOX_TRACKING_CACHE: Type.Integer({ minimum: 0, maximum: 10000000, default: 10000, description: 'tracking records (GET /failover/tracking/{id}), flows\' requests (at most 1000) and senders and templates (at most 1000), kept in memory, most recently read first; also the tracking ids whose last answer the request journal remembers, to store an unchanged one once; 0 keeps none' }),
  SANDBOX_TOKEN_CACHE: Type.Integer({ minimum: 0, maximum: 10000000, default: 10000, description: 'access tokens kept in memory once read, most recently used first; 0 keeps none' }),
  SANDBOX_COMMIT_GROUP_MAX: Type.Integer({ minimum: 1, maximum: 100000, default: 256, description: 'sends committed together at most (group commit: one transaction per event-loop turn); 1 commits each alone' }),
  SANDBOX_EVENTS_BUFFER_BYTES: Type.Integer({ minimum: 1024, maximum: 1073741824, default: 1048576, description: 'a live-stream (/_sandbox/events) client this far behind is dropped, bytes' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info',
    description: 'pino level; pretty output on a TTY, JSON otherwise'
  })
})

export type Config = Static<typeof ConfigSchema>
export type ConfigKey = keyof Config

export class ConfigError extends Error {
  constructor (message: string) {
    // sandbox.md: one clear line, even where a message quotes a file's text (a JSON error's newline)
    super(message.replace(/\s*[\r\n]+\s*/g, ' '))
    this.name = 'ConfigError'
  }
}

// Environment values are strings: this Ajv coerces "8080" and "true"; the API's Ajv does not.
// validateSchema: false: the schema is ours and tested; checking it against the meta-schema cost ~50 ms of every start (issue 15)
const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false, validateSchema: false })
const check = ajv.compile(ConfigSchema)

export const CONFIG_KEYS = Object.keys(ConfigSchema.properties) as ConfigKey[]

interface SettingSchema {
  type?: string
  anyOf?: Array<{ const: string }>
  minimum?: number
  exclusiveMinimum?: number
  maximum?: number
  description?: string
}

const setting = (key: string): SettingSchema => (ConfigSchema.properties as Record<string, SettingSchema>)[key] ?? {}

/**
 * The settings from an environment, defaults filled in. A blank variable counts as unset. A bad
 * value throws one line that names each bad variable, what it was given and what it takes.
 */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of CONFIG_KEYS) {
    const value = env[key]?.trim()
    if (value === undefined || value === '') continue
    // booleans and the named choices are all lower case: "TRUE" and "Manual" mean what they say
    const schema = setting(key)
    raw[key] = schema.type === 'boolean' || schema.anyOf ? value.toLowerCase() : value
  }
  if (!check(raw)) {
    const bad = new Map<string, string>()
    for (const error of check.errors!) {
      const key = error.instancePath.replace(/^\//, '')
      if (bad.has(key)) continue
      const schema = setting(key)
      bad.set(key, `${key}=${JSON.stringify(env[key])} is not valid: it ${expected(schema)} (${schema.description ?? key})`)
    }
    throw new ConfigError([...bad.values()].join('; '))
  }
  return raw as Config
}

/** What a setting takes, whole: the type and the bounds together, so one line says how to fix it. */
function expected (schema: SettingSchema): string {
  if (schema.anyOf) return `must be one of ${schema.anyOf.map((s) => s.const).join(', ')}`
  switch (schema.type) {
    case 'boolean': return 'must be true or false'
    case 'string': return 'must not be empty'
    case 'integer': case 'number': {
      const kind = schema.type === 'integer' ? 'a whole number' : 'a number'
      if (schema.exclusiveMinimum !== undefined) return `must be ${kind} greater than ${schema.exclusiveMinimum} and at most ${schema.maximum}`
      return `must be ${kind} from ${schema.minimum} to ${schema.maximum}`
    }
    default: return 'is not valid'
  }
}

/** Defaults only: what tests and startSandbox() start from before their overrides. */
export function defaultConfig (overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), ...overrides }
}
