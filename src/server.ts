import { createRequire } from 'node:module'
import { pino, type Logger } from 'pino'
import { buildApp, type App } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { applyExplicitClock, explicitSettings, printBanner } from './startup.js'
import { isEntry } from './entry.js'
import { exposureWarning } from './guard.js'

/** pino-pretty is an optional dependency: a TTY uses it when it is installed, JSON lines otherwise. */
export function prettyAvailable (): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty')
    return true
  } catch {
    return false
  }
}

/** The logger: pretty on a TTY (when pino-pretty is installed), JSON lines otherwise; the authorization header never appears. */
export function createLogger (level: string): Logger {
  const pretty = process.stdout.isTTY === true && prettyAvailable()
  return pino({
    level,
    redact: ['req.headers.authorization', 'headers.authorization', 'req.headers.cookie', 'req.headers["x-sandbox-admin-token"]'],
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {})
  })
}

// a shutdown that has not finished by then (a stuck receiver, a stuck client) exits anyway
const SHUTDOWN_DEADLINE_MS = 10_000

/** One line for an error of listen(), naming the setting to change; undefined for other errors. */
export function describeListenError (err: unknown, config: Config, names = { port: 'PORT', host: 'HOST' }): string | undefined {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') return `${config.HOST}:${config.PORT} is already in use: pick another ${names.port} (0 takes a free one)`
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on ${config.HOST}: not an address of this machine (${names.host})`
  if (code === 'EACCES') return `no permission to listen on ${config.HOST}:${config.PORT}: use a ${names.port} above 1023`
  return undefined
}

/** Loads config, builds, listens, and closes gracefully on SIGINT/SIGTERM. */
export interface ServeOptions {
  /** the settings given explicitly (environment or flags): SANDBOX_CLOCK and SANDBOX_TIME_SCALE then apply to the seed accounts */
  explicit?: ReadonlySet<string>
}

export async function serve (config: Config, options: ServeOptions = {}): Promise<App> {
  const logger = createLogger(config.LOG_LEVEL)
  const app = await buildApp({ config, logger })
  try {
    await app.listen({ port: config.PORT, host: config.HOST })
  } catch (err) {
    await app.close() // the database is open: close it cleanly before giving up
    throw err
  }
  if (config.SANDBOX_FRESH) logger.info({ database: config.SANDBOX_DB }, 'fresh start: the database was emptied, then seeded')
  await applyExplicitClock(app, config, options.explicit ?? new Set(), logger)
  printBanner(app, config, logger)
  const exposed = exposureWarning(config.HOST, config.SANDBOX_ADMIN_TOKEN)
  if (exposed !== undefined) {
    logger.warn({ host: config.HOST }, exposed)
    // sandbox.md: the start prints a warning, whatever LOG_LEVEL hides
    if (!logger.isLevelEnabled('warn')) process.stderr.write(`warning: ${exposed}\n`)
  }
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down')
    setTimeout(() => {
      logger.error({ signal }, `shutdown did not finish within ${SHUTDOWN_DEADLINE_MS} ms: exiting`)
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS).unref()
    app.close().then(() => process.exit(0), (err) => {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.once('SIGINT', () => shutdown('SIGINT'))
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  return app
}

export async function main (env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: Config | undefined
  try {
    config = loadConfig(env)
    await serve(config, { explicit: explicitSettings(env) })
  } catch (err) {
    const line = err instanceof ConfigError ? err.message : config && describeListenError(err, config)
    if (line === undefined) throw err
    process.stderr.write(`failover-sandbox: ${line}\n`)
    process.exit(2)
  }
}

if (isEntry(import.meta.url, 'server')) void main()
