import type { Logger } from 'pino'
import type { App } from './app.js'
import type { Config } from './config.js'
import type { Engine } from './engine/index.js'
import type { Store } from './store/index.js'
import { openDatabase } from './store/database.js'
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
  const clock = app.engine.clock(account.id)
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

/**
 * SANDBOX_FRESH / --fresh: deletes every stored row of the database at `path` (migrated first, under
 * the same lock a server takes, so a database another sandbox is using is refused, not emptied).
 * The schema stays; the caller then seeds it as a new database. ':memory:' is always fresh.
 */
export function emptyDatabase (path: string): string[] {
  if (path === ':memory:') return []
  const { db, unlock } = openDatabase(path)
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((r) => r.name)
    db.pragma('foreign_keys = OFF')
    db.transaction(() => {
      for (const table of tables) db.prepare(`DELETE FROM "${table.replace(/"/g, '""')}"`).run()
      if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get() !== undefined) db.prepare('DELETE FROM sqlite_sequence').run()
    })()
    return tables
  } finally {
    db.close()
    unlock()
  }
}

/**
 * The clock settings given explicitly (environment or flag) apply to the seed accounts of an
 * existing database at start: otherwise a database created realtime stays realtime whatever
 * SANDBOX_CLOCK says. Accounts created later start with the settings anyway.
 */
export async function applyExplicitClock (app: App, config: Config, explicit: ReadonlySet<string>, log: Logger): Promise<void> {
  const mode = explicit.has('SANDBOX_CLOCK') ? config.SANDBOX_CLOCK : undefined
  const scale = explicit.has('SANDBOX_TIME_SCALE') ? config.SANDBOX_TIME_SCALE : undefined
  if (mode === undefined && scale === undefined) return
  const changed: string[] = []
  for (const account of app.seed.accounts) {
    if (app.store.accounts.get(account.id) === undefined) continue
    const before = app.engine.clock(account.id)
    if ((mode === undefined || before.mode === mode) && (scale === undefined || before.scale === scale)) continue
    await app.engine.setClock(account.id, { mode, scale })
    changed.push(account.id)
  }
  log.info({ accounts: changed, ...(mode !== undefined ? { mode } : {}), ...(scale !== undefined ? { scale } : {}) },
    changed.length > 0 ? 'clock settings applied to the seed accounts' : 'clock settings: the seed accounts already have them')
}

/** The settings an environment gives explicitly (set and not blank). */
export function explicitSettings (env: Record<string, string | undefined>): Set<string> {
  return new Set(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== '').map(([k]) => k))
}
