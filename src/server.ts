import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { pino, type Logger } from 'pino'
import { buildApp, type App } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'

/** The logger: pretty on a TTY, JSON otherwise; the authorization header never appears. */
export function createLogger (level: string): Logger {
  const pretty = process.stdout.isTTY === true
  return pino({
    level,
    redact: ['req.headers.authorization', 'headers.authorization'],
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {})
  })
}

/** Loads config, builds, listens, and closes gracefully on SIGINT/SIGTERM. */
export async function serve (config: Config): Promise<App> {
  const logger = createLogger(config.LOG_LEVEL)
  const app = await buildApp({ config, logger })
  await app.listen({ port: config.PORT, host: config.HOST })
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    logger.info({ signal }, 'shutting down')
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
  try {
    await serve(loadConfig(env))
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`failover-sandbox: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
}

const entry = process.argv[1] === undefined ? undefined : pathToFileURL(realpathSync(process.argv[1])).href
if (import.meta.url === entry) void main()
