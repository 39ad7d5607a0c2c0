#!/usr/bin/env node
import { CONFIG_KEYS, ConfigError, ConfigSchema, loadConfig, type Config, type ConfigKey } from './config.js'
import { describeListenError, serve } from './server.js'
import { VERSION } from './version.js'
import { explicitSettings } from './startup.js'
import { isEntry } from './entry.js'

/*
 * `failover-sandbox`: the package's bin (sandbox.md "Running it"). Each flag is a variable of
 * src/config.ts under another name, derived from the schema so the two cannot drift:
 * SANDBOX_TIME_SCALE is --time-scale, PORT is --port. A flag wins over the same variable in the
 * environment; the values then go through loadConfig, so a bad one fails exactly as it would in
 * the environment, in one line.
 */

const NAME = 'failover-sandbox'

export interface Flag {
  flag: string
  key: ConfigKey
  /** what the flag takes: undefined for a boolean switch */
  value?: string
  default: unknown
  description: string
}

interface PropertySchema { type?: string, default?: unknown, description?: string, anyOf?: Array<{ const: string }> }

/** SANDBOX_TIME_SCALE → --time-scale, LOG_LEVEL → --log-level */
export const flagName = (key: ConfigKey): string => '--' + key.replace(/^SANDBOX_/, '').toLowerCase().replace(/_/g, '-')

export const FLAGS: Flag[] = CONFIG_KEYS.map((key) => {
  const schema = ConfigSchema.properties[key] as PropertySchema
  const flag = flagName(key)
  const choices = schema.anyOf?.map((s) => s.const)
  const value = schema.type === 'boolean'
    ? undefined
    : choices !== undefined
      ? (choices.length <= 2 ? choices.join('|') : flag.split('-').pop())
      : schema.type === 'integer' || schema.type === 'number' ? 'n' : key === 'HOST' ? 'address' : key.endsWith('_DB') || key.endsWith('_SEED') ? 'path' : 'value'
  const description = (schema.description ?? '') + (choices !== undefined && choices.length > 2 ? ` (${choices.join(', ')})` : '')
  return { flag, key, value, default: schema.default, description }
})

const BY_FLAG = new Map(FLAGS.map((f) => [f.flag, f]))

export class CliError extends Error {
  override name = 'CliError'
}

export type Command = { kind: 'help' } | { kind: 'version' } | { kind: 'run', env: Record<string, string | undefined>, fromFlags: Set<ConfigKey> }

/** The command line as a command; flags become the variables they stand for, over `env`. */
export function parseArgs (argv: string[], env: Record<string, string | undefined> = {}): Command {
  const out: Record<string, string | undefined> = { ...env }
  const fromFlags = new Set<ConfigKey>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '--help' || arg === '-h') return { kind: 'help' }
    if (arg === '--version' || arg === '-v') return { kind: 'version' }
    if (!arg.startsWith('--')) throw new CliError(`unexpected argument "${arg}": every setting is a --flag (see --help)`)
    const eq = arg.indexOf('=')
    let name = eq < 0 ? arg : arg.slice(0, eq)
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1)
    // --no-strict: a switch turned off
    if (!BY_FLAG.has(name) && name.startsWith('--no-') && BY_FLAG.get('--' + name.slice(5))?.value === undefined && value === undefined) {
      name = '--' + name.slice(5)
      value = 'false'
    }
    const flag = BY_FLAG.get(name)
    if (flag === undefined) throw new CliError(`unknown flag ${name} (see --help)`)
    if (value === undefined) {
      if (flag.value === undefined) value = 'true'
      else {
        const next = argv[i + 1]
        if (next === undefined || next.startsWith('--')) throw new CliError(`${flag.flag} needs a value: ${flag.flag} <${flag.value}>`)
        value = next
        i++
      }
    }
    out[flag.key] = value
    fromFlags.add(flag.key)
  }
  return { kind: 'run', env: out, fromFlags }
}

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value))

export function helpText (): string {
  const usage = FLAGS.map((f) => `${f.flag}${f.value === undefined ? '' : ` <${f.value}>`}`)
  const width = Math.max(...usage.map((u) => u.length)) + 2
  return [
    `${NAME} ${VERSION}: a local sandbox that answers as Routee's Failover API does.`,
    '',
    `Usage: ${NAME} [flags]`,
    '',
    'Each flag sets the environment variable named beside it, and wins over it.',
    'Switches take --strict, --strict=false or --no-strict.',
    '',
    ...FLAGS.flatMap((f, i) => [`  ${usage[i].padEnd(width)}${f.key} (default ${show(f.default)})`, `      ${f.description}`]),
    `  ${'--help, -h'.padEnd(width)}this text`,
    `  ${'--version, -v'.padEnd(width)}the version`,
    '',
    'Once started: the provider API and OAuth at http://<host>:<port>/, the dashboard at /',
    '(flows, timelines, callbacks, live), the API reference at /_sandbox/docs (or /docs), the',
    'OpenAPI document at /_sandbox/openapi.json, health at /_sandbox/health. The start-up banner',
    'prints these with the seed credentials. SIGINT or SIGTERM finish the requests in flight and exit.'
  ].join('\n') + '\n'
}

/** Runs the command line; resolves once the server listens (it then runs until SIGINT/SIGTERM). */
export async function main (argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let command: Command
  try {
    command = parseArgs(argv, env)
  } catch (err) {
    if (err instanceof CliError) fail(err.message)
    throw err
  }
  if (command.kind === 'help') { process.stdout.write(helpText()); return }
  if (command.kind === 'version') { process.stdout.write(VERSION + '\n'); return }
  const { fromFlags } = command
  let config: Config | undefined
  try {
    config = loadConfig(command.env)
    await serve(config, { explicit: explicitSettings(command.env) })
  } catch (err) {
    if (err instanceof ConfigError) {
      // a bad setting (or seed file): name the flag when the value came from one
      const key = /^([A-Z_]+)=/.exec(err.message)?.[1] as ConfigKey | undefined
      fail(key !== undefined && fromFlags.has(key) ? `${flagName(key)}: ${err.message}` : err.message)
    }
    if (config === undefined) throw err
    const line = describeListenError(err, config, { port: '--port', host: '--host' })
    if (line !== undefined) fail(line)
    throw err
  }
}

function fail (message: string): never {
  process.stderr.write(`${NAME}: ${message}\n`)
  process.exit(2)
}

if (isEntry(import.meta.url, 'cli')) await main()
