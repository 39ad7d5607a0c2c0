import type { Logger } from 'pino'
import type { App } from './app.js'
import type { Config } from './config.js'
import type { Engine } from './engine/index.js'
import type { Store } from './store/index.js'
import { DOCS_PREFIX, OPENAPI_PATH } from './openapi.js'

/*
 * What a newcomer needs at start-up, and what callbacks did: the banner (one per start: pretty on
 * a TTY, one JSON line otherwise) and a log line per callback attempt. Subscribers of the engine's
 * events: nothing here changes what the sandbox does.
 */

export interface StartupInfo {
  /** the API and OAuth base URL */
  url: string
  dashboard: string
  docs: string
  openapi: string
  /** the SQLite path as configured (':memory:' keeps nothing) */
  database: string
  /** the seed account's clock */
  clock: { account: string, mode: string, scale: number, now: string }
  /** the seed application: POST /oauth/token with these as HTTP Basic */
  credentials: { applicationId: string, applicationSecret: string }
}

/** What the banner says, for a server listening at `address`. */
export function startupInfo (app: App, config: Config): StartupInfo {
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.PORT
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST
  const url = `http://${host}:${port}`
  const account = app.seed.accounts[0]
  const clock = app.engine.clocks.view(account.id)
  const application = account.applications[0]
  return {
    url,
    dashboard: `${url}/`,
    docs: `${url}${DOCS_PREFIX}`,
    openapi: `${url}${OPENAPI_PATH}`,
    database: config.SANDBOX_DB,
    clock: { account: account.id, mode: clock.mode, scale: clock.scale, now: new Date(clock.now).toISOString() },
    credentials: { applicationId: application.id, applicationSecret: application.secret }
  }
}

/** The banner as text, for a terminal. */
export function bannerText (info: StartupInfo): string {
  const scale = info.clock.mode === 'realtime' && info.clock.scale !== 1 ? ` ×${info.clock.scale}` : ''
  const rows: Array<[string, string]> = [
    ['API and OAuth', info.url],
    ['Dashboard', info.dashboard],
    ['API reference', info.docs],
    ['OpenAPI', info.openapi],
    ['Database', info.database],
    ['Clock', `${info.clock.mode}${scale}, ${info.clock.now} (account ${info.clock.account})`],
    ['Credentials', `${info.credentials.applicationId} / ${info.credentials.applicationSecret} (HTTP Basic on POST /oauth/token)`]
  ]
  const width = Math.max(...rows.map(([k]) => k.length)) + 2
  return ['', '  failover-sandbox is ready', '', ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`), ''].join('\n') + '\n'
}

/** Prints the banner once: text on a TTY, one JSON log line (msg "ready") otherwise. */
export function printBanner (app: App, config: Config, logger: Logger, tty = process.stdout.isTTY === true): StartupInfo {
  const info = startupInfo(app, config)
  if (tty) process.stdout.write(bannerText(info))
  else logger.info(info, 'ready')
  return info
}

/**
 * One log line per callback attempt: at info, delivered or failed with its status and latency;
 * at debug, a second line with the URL and the body as sent (read from the store only then).
 */
export function logCallbacks (engine: Engine, store: Store, log: Logger): void {
  const callbackLog = log.child({ component: 'callbacks' })
  engine.events.on('callback', (event) => {
    if (!callbackLog.isLevelEnabled('info')) return
    const delivered = event.status !== null && event.status >= 200 && event.status < 300
    const fields: Record<string, unknown> = {
      callbackId: event.callbackId,
      trackingId: event.flowId,
      kind: event.kind,
      attempt: event.attempt,
      status: event.status,
      latencyMs: event.latencyMs,
      state: event.state,
      ...(event.error !== null ? { error: event.error } : {}),
      ...(event.nextAttemptAt !== null ? { nextAttemptAt: new Date(event.nextAttemptAt).toISOString() } : {})
    }
    callbackLog.info(fields, delivered ? 'callback delivered' : 'callback failed')
    if (callbackLog.isLevelEnabled('debug')) {
      const callback = store.callbacks.get(event.callbackId)
      if (callback !== undefined) callbackLog.debug({ callbackId: event.callbackId, attempt: event.attempt, url: callback.url, body: callback.body }, 'callback body')
    }
  })
}
