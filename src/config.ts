import { Ajv } from 'ajv'
import { Type, type Static } from 'typebox'

/**
 * Every setting of the sandbox, named as in ../shared/spec/sandbox.md ("Running it").
 * This module is the only reader of process.env: the CLI turns its flags into the same
 * variables, and startSandbox() passes its options straight to buildApp.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'listen port (0 picks a free one)' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'listen address (the Docker image sets 0.0.0.0)' }),
  SANDBOX_DB: Type.String({ minLength: 1, default: './data/sandbox.db', description: 'SQLite path; :memory: for throw-away runs' }),
  SANDBOX_CLOCK: Type.Union([Type.Literal('realtime'), Type.Literal('manual')], {
    default: 'realtime',
    description: 'the clock mode new accounts start with: realtime or manual'
  }),
  SANDBOX_TIME_SCALE: Type.Number({ exclusiveMinimum: 0, maximum: 100000, default: 1, description: 'realtime speed-up: 60 makes a 10-minute ttl pass in 10 s' }),
  SANDBOX_SEED: Type.String({ minLength: 1, default: 'db/seed.json', description: 'seed file: accounts, applications, senders, templates, balances, prices' }),
  SANDBOX_STRICT: Type.Boolean({ default: false, description: 'reject unknown request properties with 400' }),
  SANDBOX_WEBHOOK_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 600000, default: 2000, description: 'callback acknowledgement window, ms' }),
  SANDBOX_CALLBACK_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 1000, default: 16, description: 'callback deliveries in flight at once' }),
  SANDBOX_CALLBACK_RETENTION_HOURS: Type.Number({ minimum: 0, maximum: 87600, default: 168, description: 'finished callbacks older than this (sandbox time) are pruned' }),
  SANDBOX_CALLBACK_MAX_ROWS: Type.Integer({ minimum: 1, maximum: 100000000, default: 100000, description: 'at most this many finished callbacks are kept' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), {
    default: 'info',
    description: 'pino level; pretty output on a TTY, JSON otherwise'
  })
})

export type Config = Static<typeof ConfigSchema>
export type ConfigKey = keyof Config

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

// Environment values are strings: this Ajv coerces "8080" and "true"; the API's Ajv does not.
const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: false, strict: false })
const check = ajv.compile(ConfigSchema)

export const CONFIG_KEYS = Object.keys(ConfigSchema.properties) as ConfigKey[]

/** The settings from an environment, defaults filled in; throws one clear line on a bad value. */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of CONFIG_KEYS) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value.trim()
  }
  if (!check(raw)) {
    const error = check.errors![0]
    const key = error.instancePath.replace(/^\//, '') as ConfigKey
    const schema = ConfigSchema.properties[key] as { description?: string }
    throw new ConfigError(`${key}=${JSON.stringify(raw[key])} is not valid: ${describe(error.message, key)} (${schema.description ?? ''})`)
  }
  return raw as Config
}

function describe (message: string | undefined, key: ConfigKey): string {
  const schema = ConfigSchema.properties[key] as { anyOf?: Array<{ const: string }> }
  if (schema.anyOf) return `must be one of ${schema.anyOf.map((s) => s.const).join(', ')}`
  return message ?? 'invalid'
}

/** Defaults only: what tests and startSandbox() start from before their overrides. */
export function defaultConfig (overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), ...overrides }
}
