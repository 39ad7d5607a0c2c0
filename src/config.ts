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
const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false })
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
