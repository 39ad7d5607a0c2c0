import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Logger } from 'pino'
import { pino } from 'pino'
import { defaultConfig, type Config } from './config.js'
import { ApiError, ERRORS, errorBody, validationError } from './errors.js'
import { Store } from './store/index.js'
import { Engine } from './engine/index.js'
import type { TimeSource } from './engine/clock.js'
import type { FetchLike } from './engine/callbacks.js'
import { VERSION } from './version.js'
import { systemTime } from './engine/clock.js'
import { createIds, type Ids } from './ids.js'
import { loadSeed, parseSeed } from './seed.js'
import { createValidators, joinPath, problemsFromAjv } from './validation.js'
import { REFERENCED_SCHEMAS } from './schemas/index.js'
import { oauthRoutes } from './routes/oauth.js'
import { failoverRoutes } from './routes/failover.js'
import { trackingRoutes } from './routes/tracking.js'
import { accountRoutes } from './routes/account.js'
import { templateRoutes } from './routes/templates.js'
import { sandboxRoutes } from './routes/sandbox/index.js'
import { uiRoutes } from './routes/ui.js'
import { registerOpenApi } from './openapi.js'
// the decorations below (engine, store, config, seed, principal), typed for every plugin
import './fastify-augment.js'
import { emptyDatabase, logCallbacks } from './startup.js'
import { registerLevers } from './levers.js'
import { watchDatabase } from './db-watch.js'
import { registerGuard } from './guard.js'
import { isStorageError } from './store/faults.js'

export interface BuildOptions {
  /** settings; anything left out takes its default (tests pass SANDBOX_DB: ':memory:' and SANDBOX_CLOCK: 'manual') */
  config?: Partial<Config>
  /** the seed as data, instead of reading config.SANDBOX_SEED */
  seed?: unknown
  /** pino logger, or false for none */
  logger?: Logger | false
  /** the real-time source (Date.now and timers by default) */
  time?: TimeSource
  /** where ids come from; createIds(seed) makes them repeatable (a generator left out is random) */
  ids?: Partial<Ids>
  /** outbound HTTP for callbacks and inbound replies (global fetch by default) */
  fetch?: FetchLike
}

export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>

// §7 / issue: bodies over 1 MB are refused with a provider-shaped 413
const BODY_LIMIT = 1024 * 1024
// the deepest a request body may nest (the provider's deepest field, a dial-plan verb's message, is at 6)
const MAX_JSON_DEPTH = 64

/**
 * One pass over a JSON text, strings skipped, without recursion: how deep its brackets nest, and
 * whether a number in it may be too large for a double (1e400, or 400 digits, parse as Infinity,
 * which type checks take for an integer and JSON writes back as null). The second is a cheap, generous
 * guess from a number's integer digits and exponent: a body it flags is walked for a real one.
 */
export function scanJson (text: string): { depth: number, mayOverflow: boolean } {
  let depth = 0
  let max = 0
  let inString = false
  let mayOverflow = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92) i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
    } else if (c === 34) {
      inString = true
    } else if (c === 123 || c === 91) {
      if (++depth > max) max = depth
    } else if (c === 125 || c === 93) {
      depth--
    } else if (isDigit(c)) {
      // a number: its integer digits (leading zeros too: generous), then any fraction, then its exponent
      let digits = 0
      while (i < text.length && isDigit(text.charCodeAt(i))) { digits++; i++ }
      if (text.charCodeAt(i) === 46) { i++; while (i < text.length && isDigit(text.charCodeAt(i))) i++ }
      let exponent = 0
      if ((text.charCodeAt(i) | 32) === 101) {
        i++
        const sign = text.charCodeAt(i)
        if (sign === 43 || sign === 45) i++
        while (i < text.length && isDigit(text.charCodeAt(i))) { if (exponent < 10_000) exponent = exponent * 10 + text.charCodeAt(i) - 48; i++ }
        if (sign === 45) exponent = -exponent
      }
      if (digits + exponent >= 308) mayOverflow = true
      i-- // the loop's i++ reads the character after the number
    }
  }
  return { depth: max, mayOverflow }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57

/** The path (as validation errors write it) of the first number in `value` that is not finite. */
export function nonFiniteNumberPath (value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path
  if (typeof value !== 'object' || value === null) return undefined
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nonFiniteNumberPath(value[i], `${path}[${i}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  for (const [key, item] of Object.entries(value)) {
    const found = nonFiniteNumberPath(item, joinPath(path, key))
    if (found !== undefined) return found
  }
  return undefined
}

/** Whether the matched route requires a body: it declares a body schema that is not Type.Optional(...). */
function needsBody (request: FastifyRequest): boolean {
  const body = (request.routeOptions.schema as { body?: Record<string, unknown> } | undefined)?.body
  return body !== undefined && body['~optional'] !== true
}

/** Builds the sandbox, ready for inject() or listen(): nothing listens here. */
export async function buildApp (options: BuildOptions = {}): Promise<App> {
  const config = defaultConfig(options.config)
  const seed = options.seed !== undefined ? parseSeed(options.seed) : loadSeed(config.SANDBOX_SEED)
  const log = options.logger === false || options.logger === undefined ? pino({ level: 'silent' }) : options.logger
  const validators = createValidators(REFERENCED_SCHEMAS)

  const app = Fastify({
    loggerInstance: log as FastifyServerOptions['loggerInstance'],
    bodyLimit: BODY_LIMIT,
    // health checks and the live stream would drown the request log
    logController: new LogController({ disableRequestLogging: (request) => request.url.startsWith('/_sandbox/health') || request.url.startsWith('/_sandbox/events') }),
    // while closing, new requests get the provider's envelope from the first onRequest hook below
    return503OnClosing: false,
    // issue 11 point 9: a request must arrive whole in bounded time (a body sent a byte a minute
    // would hold its socket forever); Node checks the deadlines every connectionsCheckingInterval
    requestTimeout: config.SANDBOX_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.SANDBOX_KEEP_ALIVE_TIMEOUT_MS,
    http: {
      requireHostHeader: false,
      headersTimeout: Math.min(config.SANDBOX_HEADERS_TIMEOUT_MS, config.SANDBOX_REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.SANDBOX_HEADERS_TIMEOUT_MS / 4)))
    },
    // a path parameter of any length reaches its route (a tracking id of 101 characters is "not found",
    // as the provider answers, not Fastify's 414); the URL is bounded by the 16 KB header limit anyway
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 16 * 1024 },
    ajv: { customOptions: { strict: false } },
    // requests Node's HTTP parser refuses (bad framing, oversized headers) get the provider's envelope too
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy()
      // a request (headers or body) that did not arrive within the server's timeouts: 408, as the provider's envelope
      const timedOut = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADER_TIMEOUT'
      // an answer already begun cannot be replaced: the connection just ends
      if ((socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true) return socket.destroy()
      const entry = timedOut ? ERRORS.REQUEST_TIMEOUT : err.code === 'HPE_HEADER_OVERFLOW' ? ERRORS.HEADERS_TOO_LARGE : ERRORS.BAD_HTTP
      const reason = entry.status === 431 ? 'Request Header Fields Too Large' : entry.status === 408 ? 'Request Timeout' : 'Bad Request'
      const body = JSON.stringify(errorBody(new ApiError(entry)))
      socket.end(`HTTP/1.1 ${entry.status} ${reason}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
    },
    // errors Fastify meets before routing (an undecodable URL…) answer in the provider's envelope too
    frameworkErrors: (error, _request, reply) => {
      const apiError = toApiError(error as FastifyError)
      void (reply as unknown as FastifyReply).code(apiError.entry.status).type('application/json').send(errorBody(apiError))
    }
  }).withTypeProvider<TypeBoxTypeProvider>()
  // provider-api.md: clients send `Expect:` empty as well as `Expect: 100-continue`; Node would answer
  // anything but 100-continue with a bare 417, so such requests are served like any other
  app.server.on('checkExpectation', (req, res) => app.server.emit('request', req, res))

  app.setValidatorCompiler(validators.compiler)
  // responses are serialized as built; the committed OpenAPI document and the contract test keep them honest
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  for (const schema of REFERENCED_SCHEMAS) app.addSchema(schema)

  // --fresh: every stored row goes before the store opens, so the seed below loads as on a new file
  if (config.SANDBOX_FRESH) emptyDatabase(config.SANDBOX_DB)
  const store = new Store(config.SANDBOX_DB, { trackingRecords: config.SANDBOX_TRACKING_CACHE, tokens: config.SANDBOX_TOKEN_CACHE, groupMax: config.SANDBOX_COMMIT_GROUP_MAX })
  const time = options.time ?? systemTime
  const ids: Ids = { ...createIds(), ...options.ids }
  const engine = new Engine({
    store,
    ids,
    log: log.child({ component: 'engine' }),
    time,
    clockMode: config.SANDBOX_CLOCK,
    timeScale: config.SANDBOX_TIME_SCALE,
    callbacks: {
      timeoutMs: config.SANDBOX_WEBHOOK_TIMEOUT_MS,
      concurrency: config.SANDBOX_CALLBACK_CONCURRENCY,
      queueMax: config.SANDBOX_CALLBACK_QUEUE_MAX,
      retentionHours: config.SANDBOX_CALLBACK_RETENTION_HOURS,
      maxRows: config.SANDBOX_CALLBACK_MAX_ROWS,
      userAgent: `failover-sandbox/${VERSION}`,
      fetch: options.fetch
    }
  })
  // issue 11 point 5: a seed account deleted (DELETE /_sandbox/accounts/sandbox) comes back at the next start
  for (const account of seed.accounts) {
    if (store.accounts.get(account.id) !== undefined) continue
    engine.createAccount(account.id, account)
    if (!store.fresh && !config.SANDBOX_FRESH) log.warn({ accountId: account.id }, `seed account ${account.id} was missing: re-created from the seed`)
  }

  // callback attempts in the log: info per attempt, debug with the body
  logCallbacks(engine, store, log)
  app.decorate('engine', engine)
  app.decorate('store', store)
  app.decorate('config', config)
  app.decorate('seed', seed)
  app.decorateRequest('principal', null)

  // JSON as Fastify parses it (prototype poisoning refused), after a flat scan refusing deep nesting:
  // a body nested thousands deep would otherwise overflow the stack of whatever walks it later
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // many clients send Content-Type: application/json on every call: a route that takes no body
    // (or an optional one) reads an empty body as no body; a route that needs one keeps "The body is empty"
    if (body === '' && !needsBody(request)) return done(null, undefined)
    const scan = scanJson(body as string)
    if (scan.depth > MAX_JSON_DEPTH) return done(new ApiError(ERRORS.TOO_DEEP), undefined)
    if (!scan.mayOverflow) return parseJson(request, body as string, done)
    parseJson(request, body as string, (err, value) => {
      const path = err == null ? nonFiniteNumberPath(value) : undefined
      if (path === undefined) return done(err, value)
      done(validationError([{ path, entry: ERRORS.NUMBER_TOO_LARGE }]), undefined)
    })
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && !needsBody(request)) return done(null, undefined)
    done(null, Object.fromEntries(new URLSearchParams(body as string)))
  })
  // issue 10 point 6: a route without a body accepts an empty one whatever its Content-Type; a body
  // of another type is still the wrong content type (text is kept for requireJsonBody to refuse)
  app.removeContentTypeParser('text/plain')
  app.addContentTypeParser('text/plain', { parseAs: 'string' }, (request, body, done) => {
    done(null, body === '' && !needsBody(request) ? undefined : body)
  })
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    if ((body as Buffer).length === 0 && !needsBody(request)) return done(null, undefined)
    done(new ApiError(ERRORS.UNSUPPORTED_CONTENT_TYPE), undefined)
  })

  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const apiError = toApiError(error)
    // a storage fault is no bug: its code, not a stack per request (the engine logs it once per kind)
    if (apiError.entry === ERRORS.STORAGE_UNAVAILABLE) request.log.warn({ code: (error as { code?: string }).code }, 'storage unavailable: answered 503')
    else if (apiError.entry.status >= 500) request.log.error({ err: error }, 'unexpected error')
    if (apiError.entry.challenge !== undefined) void reply.header('www-authenticate', apiError.entry.challenge)
    void reply.code(apiError.entry.status).type('application/json').send(errorBody(apiError))
  })
  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError(ERRORS.ROUTE_NOT_FOUND, `Route ${request.method} ${request.url.split('?')[0]} not found: check the method and path.`)
    void reply.code(404).send(errorBody(error))
  })

  app.addHook('onReady', async () => engine.start())
  app.addHook('onClose', async () => {
    await engine.stop()
    store.close()
  })

  // Node answers an HTTP/1.1 request without Host with a bare, empty 400; it is let through
  // (requireHostHeader: false) to be refused here in the provider's envelope (RFC 9112 §3.2).
  // A request that arrives while the server closes (on a kept-alive connection) is a 503 in the
  // envelope too, not Fastify's own body (return503OnClosing is off for that)
  let closing = false
  app.addHook('preClose', (done) => { closing = true; done() })
  app.addHook('onRequest', (request, reply, done) => {
    if (closing) {
      void reply.header('connection', 'close')
      return done(new ApiError(ERRORS.SHUTTING_DOWN))
    }
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') return done(new ApiError(ERRORS.BAD_HTTP, 'An HTTP/1.1 request needs a Host header: send one.'))
    done()
  })
  // the control plane's guard, then the database file's identity, before anything else runs
  registerGuard(app)
  watchDatabase(app)
  // the request journal and fault injection wrap every request to the emulated API
  registerLevers(app)
  await registerOpenApi(app)
  await app.register(oauthRoutes)
  await app.register(failoverRoutes)
  await app.register(trackingRoutes)
  await app.register(accountRoutes)
  await app.register(templateRoutes)
  await app.register(sandboxRoutes, { prefix: '/_sandbox' })
  await app.register(uiRoutes)
  return app
}

/** Every error the sandbox can meet, in the catalog's terms: a client's mistake is never a 5xx. */
function toApiError (error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error
  if (error.validation) {
    const root = error.validationContext === 'body' ? '' : (error.validationContext ?? '')
    const problems = problemsFromAjv(error.validation as any, root === 'querystring' ? '' : root)
    if (problems.length === 1 && problems[0].path === '' && error.validationContext === 'body') {
      // a route whose body is a list (scenario rules, fault rules) says so; every other body is an object
      const wantsArray = (error.validation as Array<{ keyword?: string, params?: { type?: unknown } }>).some((e) => e.keyword === 'type' && e.params?.type === 'array')
      return new ApiError(wantsArray ? ERRORS.BODY_NOT_ARRAY : ERRORS.BODY_NOT_OBJECT)
    }
    return validationError(problems)
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(ERRORS.UNSUPPORTED_CONTENT_TYPE)
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(ERRORS.BAD_CONTENT_LENGTH)
    case 'FST_ERR_BAD_URL':
      return new ApiError(ERRORS.BAD_URL)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(ERRORS.EMPTY_BODY)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(ERRORS.BODY_TOO_LARGE)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError(ERRORS.MALFORMED_JSON)
  }
  if (error instanceof SyntaxError) return new ApiError(ERRORS.MALFORMED_JSON)
  const status = error.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own 4xx messages (e.g. a forbidden __proto__ key) are safe to pass on
    return new ApiError({ status, code: `${status}000000`, type: status === 400 ? 'ValidationError' : 'BadRequest', message: error.message })
  }
  // SQLITE_FULL, _IOERR, _BUSY, _READONLY…: the storage failed, not the request; nothing was stored
  if (isStorageError(error)) return new ApiError(ERRORS.STORAGE_UNAVAILABLE)
  return new ApiError(ERRORS.INTERNAL)
}
