import type { FastifyRequest } from 'fastify'
import { bearerToken, principalOf } from './auth.js'
import type { App } from './app.js'
import type { Store } from './store/index.js'
import type { JournalEntry } from './store/journal.js'
import type { TimeSource } from './engine/clock.js'
import type { AppliedFault } from './faults.js'
import { isStorageError } from './store/faults.js'

/*
 * sandbox.md "Request journal": every request to the emulated API, whatever its answer. Entries are
 * kept in a buffer and written in one transaction 10 ms after the first (or at 1,000), in the order the
 * requests finished: the SQLite write is off the response path, one commit per burst. A read flushes the buffer first, so a
 * test sees its own requests at once.
 */

export const DEFAULT_ACCOUNT = 'sandbox'
// the emulated API's paths (README "The emulated API"): journaled and faultable; /_sandbox and the dashboard are not
const API_PATH = /^\/(?:oauth\/token|failover|accounts|viber)(?:\/|$)/
// a buffer this long is written at once: memory stays bounded under a burst
const MAX_BUFFER = 1000
// the buffer is written this long after its first entry: one commit for a burst, not one per request
const FLUSH_AFTER_MS = 10
// pruning runs after this many writes, or this long after the last run (wall clock)
const PRUNE_EVERY_ROWS = 1000
const PRUNE_EVERY_MS = 60_000
// headers whose values are secrets: shown as "<scheme> [redacted]"
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-sandbox-admin-token'])
// client secrets and tokens in form and JSON bodies
const SECRET_FORM = /\b(client_secret|applicationSecret|access_token|refresh_token|password)=[^&\s]*/g
const SECRET_JSON = /"(client_secret|applicationSecret|access_token|refresh_token|password|secret)"\s*:\s*"(?:[^"\\]|\\.)*"/g
export const REDACTED = '[redacted]'

/** What the journal keeps about a request while it runs. */
export interface RequestTrace {
  start: number
  path: string
  chunks: Buffer[]
  size: number
  response: string | null
  /** the answer the request would have had, before an afterCommit fault replaced it */
  committedAnswer?: string | null
  fault?: AppliedFault
  recorded: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    trace: RequestTrace | null
  }
}

export interface JournalOptions {
  maxRows: number
  retentionHours: number
  maxBodyBytes: number
}

/** Is this path part of the emulated API? */
export function isApiPath (path: string): boolean {
  return API_PATH.test(path)
}

/** The trace of a request to the emulated API, or null for anything else. */
export function journalOf (request: FastifyRequest): RequestTrace | null {
  return request.trace
}

/** Cuts a text at `max` bytes, with a marker saying how long it was. */
export function truncate (text: string, max: number): string {
  const bytes = Buffer.byteLength(text)
  if (bytes <= max) return text
  return Buffer.from(text).subarray(0, max).toString('utf8').replace(/\uFFFD$/, '') + `…[truncated by the sandbox: ${bytes} bytes in all]`
}

export class Journal {
  readonly #store: Store
  readonly #time: TimeSource
  readonly #o: JournalOptions
  #buffer: JournalEntry[] = []
  #scheduled = false
  #sincePrune = 0
  #lastPrune: number

  constructor (store: Store, time: TimeSource, options: JournalOptions) {
    this.#store = store
    this.#time = time
    this.#o = options
    this.#lastPrune = time.now()
  }

  /** The account a request is journaled (and faulted) in: its token's or application's, else X-Sandbox-Account, else `sandbox`. */
  accountOf (request: FastifyRequest): string {
    if (request.principal) return request.principal.accountId
    const now = this.#time.now()
    const principal = principalOf(this.#store, bearerToken(request), now)
    if (principal) return principal.accountId
    const basic = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(request.headers.authorization ?? '')
    if (basic) {
      const decoded = Buffer.from(basic[1], 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const application = colon > 0 ? this.#store.auth.application(decoded.slice(0, colon)) : undefined
      if (application && application.secret === decoded.slice(colon + 1)) return application.accountId
    }
    const header = request.headers['x-sandbox-account']
    if (typeof header === 'string' && header.trim() !== '') return header.trim()
    return DEFAULT_ACCOUNT
  }

  /** Records a request now (its answer is known, or there will be none: status null). */
  recordNow (request: FastifyRequest, status: number | null, response: string | null, fault?: AppliedFault): void {
    const trace = request.trace
    if (trace === null || trace.recorded) return
    trace.recorded = true
    const accountId = this.accountOf(request)
    const realAt = this.#time.now()
    let at = realAt
    try { at = (request.server as App).engine.now(accountId) } catch { /* an account that does not exist: wall clock */ }
    const max = this.#o.maxBodyBytes
    const token = bearerToken(request)
    const redactToken = (text: string): string => (token !== undefined && token.length >= 8 ? text.split(token).join(REDACTED) : text)
    // client secrets travel to /oauth/token, tokens come back from it, and a 401 repeats the token it refused:
    // the scans run there only (a send's body is long and holds none of them)
    const oauth = trace.path === '/oauth/token'
    let requestBody = trace.size === 0 ? null : trace.chunks.length === 1 ? trace.chunks[0].toString('utf8') : Buffer.concat(trace.chunks).toString('utf8')
    if (oauth && requestBody !== null) requestBody = redact(requestBody)
    let responseBody = response
    if (responseBody !== null && oauth) responseBody = redact(responseBody)
    if (responseBody !== null && status === 401) responseBody = redactToken(responseBody)
    const answered = trace.committedAnswer ?? response
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue
      const text = Array.isArray(value) ? value.join(', ') : value
      headers[name] = SECRET_HEADERS.has(name) ? redactHeader(text) : text
    }
    this.record({
      accountId,
      at,
      realAt,
      method: request.method,
      path: trace.path,
      status,
      durationMs: Math.round((performance.now() - trace.start) * 100) / 100,
      requestHeaders: headers,
      requestBody: requestBody === null ? null : truncate(requestBody, max) + (trace.size > max && Buffer.byteLength(requestBody) <= max ? `…[truncated by the sandbox: ${trace.size} bytes in all]` : ''),
      responseBody: responseBody === null ? null : truncate(responseBody, max),
      trackingId: trackingIdOf(request, answered),
      errorCode: status !== null && status >= 400 ? errorCodeOf(response) : null,
      fault: (fault ?? trace.fault ?? null) as Record<string, unknown> | null
    })
  }

  record (entry: JournalEntry): void {
    this.#buffer.push(entry)
    if (this.#buffer.length >= MAX_BUFFER) this.flush()
    else if (!this.#scheduled) {
      this.#scheduled = true
      // unref'd: a pending batch does not keep the process up (close writes it: preClose)
      setTimeout(() => this.flush(), FLUSH_AFTER_MS).unref()
    }
  }

  /** Writes the buffer in one transaction; prunes now and then. */
  flush (): void {
    this.#scheduled = false
    if (this.#buffer.length === 0 || !this.#store.db.open) return
    const batch = this.#buffer
    this.#buffer = []
    try {
      this.#store.journal.insertMany(batch)
    } catch (err) {
      // a full disk or a locked database must not crash the process (issue 11 point 1): the journal is
      // a diagnostic, so this batch is dropped and the next one tried
      if (isStorageError(err)) return
      throw err
    }
    this.#sincePrune += batch.length
    const now = this.#time.now()
    if (this.#sincePrune >= PRUNE_EVERY_ROWS || now - this.#lastPrune >= PRUNE_EVERY_MS) this.prune()
  }

  /**
   * Before a read of the journal: the buffer written, and the bounds applied to what was written since
   * the last pruning, so a read never shows more than SANDBOX_JOURNAL_MAX_ROWS entries.
   */
  settle (): void {
    this.flush()
    if (this.#sincePrune > 0 && this.#store.db.open) this.prune()
  }

  /** Bounded history: entries past the retention age (wall clock) or the row cap are dropped. */
  prune (): number {
    this.#sincePrune = 0
    this.#lastPrune = this.#time.now()
    return this.#store.journal.pruneOlderThan(this.#lastPrune - this.#o.retentionHours * 3_600_000) +
      this.#store.journal.pruneBeyond(this.#o.maxRows)
  }
}

function redact (text: string): string {
  return text.replace(SECRET_FORM, `$1=${REDACTED}`).replace(SECRET_JSON, `"$1":"${REDACTED}"`)
}

function redactHeader (value: string): string {
  const scheme = /^(\w+)\s+\S/.exec(value)
  return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED
}

function trackingIdOf (request: FastifyRequest, response: string | null): string | null {
  const param = (request.params as { trackingId?: unknown } | undefined)?.trackingId
  if (typeof param === 'string') return param
  if (response === null || !request.url.startsWith('/failover')) return null
  return /^\{"trackingId":"([^"]+)"/.exec(response)?.[1] ?? /"trackingId"\s*:\s*"([^"]+)"/.exec(response.slice(0, 200))?.[1] ?? null
}

function errorCodeOf (response: string | null): string | null {
  if (response === null) return null
  return /"code"\s*:\s*"([^"]+)"/.exec(response)?.[1] ?? /"error"\s*:\s*"([^"]+)"/.exec(response)?.[1] ?? null
}

// how long an answer given before the body was read (a 401, an injected fault) waits for that body
const CAPTURE_WAIT_MS = 1000

/** Does the request declare a body? (a GET declares none) */
function declaresBody (request: FastifyRequest): boolean {
  return request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined
}

/** Keeps a chunk of the body in the trace: the first `max` bytes, and the size of it all. */
function keepChunk (trace: RequestTrace, chunk: Buffer, max: number): void {
  const room = max - trace.size
  if (room > 0) trace.chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk)
  trace.size += chunk.length
}

/** Did the request declare a body that nothing has read (no parser ran: it was answered first)? */
function unreadBody (request: FastifyRequest): boolean {
  const trace = request.trace
  if (trace === null || trace.size > 0 || !declaresBody(request)) return false
  const raw = request.raw
  return !raw.readableEnded && !raw.destroyed && raw.readableFlowing !== true
}

/**
 * sandbox.md "Request journal": what the client actually sent, whatever its answer. A request answered
 * before its body was parsed (a 401 from the token check, a fault decided before the request runs) has
 * its body read here, into its trace (the first `max` bytes kept), before the answer goes: the journal
 * then shows the body of a refused or faulted send too. Waits at most CAPTURE_WAIT_MS; never fails.
 */
export async function captureBody (request: FastifyRequest, max: number): Promise<void> {
  const trace = request.trace
  if (trace === null || !unreadBody(request)) return
  const raw = request.raw
  await new Promise<void>((resolve) => {
    const finish = (): void => {
      clearTimeout(timer)
      raw.off('data', onData)
      raw.off('end', finish)
      raw.off('error', finish)
      raw.off('close', finish)
      resolve()
    }
    const onData = (chunk: Buffer): void => keepChunk(trace, chunk, max)
    const timer = setTimeout(finish, CAPTURE_WAIT_MS)
    raw.on('data', onData)
    raw.once('end', finish)
    raw.once('error', finish)
    raw.once('close', finish)
  })
}

/** The journal's hooks; `inner` registers hooks that must run between its onRequest and its onSend (faults). */
export function registerJournal (app: App, journal: Journal, inner: () => void): void {
  const max = app.config.SANDBOX_JOURNAL_MAX_BODY_BYTES
  app.decorateRequest('trace', null)

  // callback-style hooks: no promise per request on the hot path
  app.addHook('onRequest', (request, _reply, done) => {
    const url = request.url
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    if (isApiPath(path)) request.trace = { start: performance.now(), path, chunks: [], size: 0, response: null, recorded: false }
    done()
  })
  // a listener beside the body parser's, not a stream in between: the parser attaches its own in the
  // same turn (data only flows from the next tick), and nothing is copied but the first `max` bytes
  app.addHook('preParsing', (request, _reply, payload, done) => {
    const trace = request.trace
    // a request that declares no body (a GET) has none to copy: a listener would only set its empty
    // stream flowing, ~4% of a tracking GET's CPU for nothing (issue 15)
    if (trace !== null && declaresBody(request)) payload.on('data', (chunk: Buffer) => keepChunk(trace, chunk, max))
    done(null, payload)
  })

  inner()

  app.addHook('onSend', (request, reply, payload, done) => {
    const trace = request.trace
    if (trace === null) return done(null, payload)
    trace.response = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null
    // answered before its body was read (a 401, an injected fault): the body is read first, for the
    // journal; not a 413, whose body is too big by definition (it stays null, README)
    if (reply.statusCode !== 413 && unreadBody(request)) {
      captureBody(request, max).then(() => done(null, payload), () => done(null, payload))
      return
    }
    done(null, payload)
  })
  app.addHook('onResponse', (request, reply, done) => {
    if (request.trace !== null) journal.recordNow(request, reply.statusCode, request.trace.response)
    done()
  })
  app.addHook('preClose', async () => journal.flush())
}
