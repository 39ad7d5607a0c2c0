/**
 * The error catalog: every answer the sandbox gives to a mistake, in one place.
 * Provider envelope (../shared/spec/provider-api.md §7): {code, developerMessage} where code is
 * HTTP status (3) + module (3) + error (3); the sandbox adds `type` and, for field problems,
 * `properties`. OAuth and bearer-token failures use the OAuth2 body {error, error_description} (§1).
 */
export interface CatalogEntry {
  readonly status: number
  readonly code: string
  readonly type: string
  readonly message: string
  /** set for the OAuth2-shaped bodies of §1 */
  readonly oauth?: string
  /** the WWW-Authenticate header sent with this 401 (RFC 6749 §5.2, RFC 6750 §3) */
  readonly challenge?: string
}

/*
 * The realms are Spring Security OAuth2's defaults, the stack the provider's 401 bodies come from:
 * "oauth2/client" on the token endpoint, "oauth2-resource" on the API.
 */
export const TOKEN_REALM = 'oauth2/client'
export const API_REALM = 'oauth2-resource'

const validation = (message: string): CatalogEntry => ({ status: 400, code: '400000000', type: 'ValidationError', message })

export const ERRORS = {
  // §7 table
  VALIDATION: validation('The request is not valid.'),
  INSUFFICIENT_BALANCE: { status: 400, code: '400001009', type: 'InsufficientBalance', message: 'Insufficient balance: top up the account (PUT /_sandbox/balance in the sandbox).' },
  ACCESS_DENIED: { status: 403, code: '403000000', type: 'AccessDenied', message: 'Access denied.' },
  TRACKING_NOT_FOUND: { status: 404, code: '404000000', type: 'NotFound', message: 'Tracking not found.' },
  TEMPLATE_NOT_FOUND: { status: 404, code: '404000000', type: 'NotFound', message: 'Template not found.' },
  MESSAGE_NOT_FOUND: { status: 404, code: '404000000', type: 'NotFound', message: 'Message not found.' },
  ACCOUNT_NOT_FOUND: { status: 404, code: '404000000', type: 'NotFound', message: 'Account not found.' },
  CALLBACK_NOT_FOUND: { status: 404, code: '404000000', type: 'NotFound', message: 'Callback not found.' },
  ROUTE_NOT_FOUND: { status: 404, code: '404000000', type: 'NotFound', message: 'Route not found: check the method and path.' },
  MALFORMED_JSON: validation('The body is not valid JSON (or carries a forbidden __proto__ or constructor.prototype key): send one plain JSON object.'),
  EMPTY_BODY: validation('The body is empty: send a JSON object.'),
  BODY_NOT_OBJECT: validation('The body must be a JSON object: it is missing, or an array, a string, a number or null.'),
  BODY_NOT_ARRAY: validation('The body must be a JSON array of rules: send [] to clear them, or [{...}, ...].'),
  BAD_CONTENT_LENGTH: validation('The Content-Length header does not match the body: send the body\'s exact length in bytes.'),
  BAD_URL: validation('The URL is not valid: percent-encode special characters in the path.'),
  UNSUPPORTED_CONTENT_TYPE: validation('Unsupported Content-Type: send application/json (application/x-www-form-urlencoded for /oauth/token).'),
  NUMBER_TOO_LARGE: validation('is a number too large to hold (beyond about 1.8e308): send a number within range.'),
  TOO_DEEP: validation('The body nests deeper than 64 levels: send a flatter JSON document.'),
  BAD_HTTP: validation('The request is not valid HTTP: check its Content-Length, Transfer-Encoding and header characters.'),
  HEADERS_TOO_LARGE: { status: 431, code: '431000000', type: 'HeadersTooLarge', message: 'The request headers are larger than 16 KB: send smaller headers.' },
  BODY_TOO_LARGE: { status: 413, code: '413000000', type: 'PayloadTooLarge', message: 'The body is larger than 1 MB: send a smaller request.' },
  WAIT_TIMEOUT: { status: 408, code: '408000000', type: 'Timeout', message: 'The flow did not reach the requested status in time.' },
  CONFLICT: { status: 409, code: '409000000', type: 'Conflict', message: 'The request conflicts with the current state.' },
  INTERNAL: { status: 500, code: '500000000', type: 'InternalError', message: 'Internal server error.' },
  STORAGE_UNAVAILABLE: { status: 503, code: '503000000', type: 'StorageUnavailable', message: 'The sandbox cannot write to its database now (disk full, database locked or read-only): nothing was stored. Try again once there is space.' },
  SHUTTING_DOWN: { status: 503, code: '503000000', type: 'ServiceUnavailable', message: 'The sandbox is shutting down: retry once it is back.' },
  DATABASE_GONE: { status: 503, code: '503000000', type: 'ServiceUnavailable', message: 'The sandbox\'s database file was deleted or replaced while it ran: nothing sent now would be kept. Restart the sandbox.' },
  ADMIN_TOKEN_REQUIRED: { status: 401, code: '401000000', type: 'Unauthorized', message: 'This sandbox\'s control plane needs its admin token: send Authorization: Bearer <SANDBOX_ADMIN_TOKEN> (in a browser, log in at /_sandbox/login).', challenge: 'Bearer realm="failover-sandbox control"' },
  CONTROL_CROSS_SITE: { status: 403, code: '403000000', type: 'AccessDenied', message: 'A page of another site cannot change this sandbox: send control requests from the sandbox\'s own origin or without Origin / Sec-Fetch-Site: cross-site.' },
  CONTROL_CALLBACK_LOOP: { status: 403, code: '403000000', type: 'AccessDenied', message: 'The sandbox\'s own callbacks cannot drive its control plane: aim callback.url at a receiver (POST /_sandbox/webhooks/{name} is one).' },
  REQUEST_TIMEOUT: { status: 408, code: '408000000', type: 'Timeout', message: 'The request did not arrive in time: send the headers and the whole body within the server\'s timeouts.' },

  // field problems: each rendered as `<path>: <message>` under ValidationError (§2, §3, seed page)
  FIELD_REQUIRED: validation('is required.'),
  UNKNOWN_PROPERTY: validation('is not a known property: remove it.'),
  UNKNOWN_PROPERTY_STRICT: validation('is not a known property: remove it (SANDBOX_STRICT is on, so unknown properties are refused instead of ignored).'),
  EMPTY_VALUE_STRICT: validation('is sent empty: leave it out (SANDBOX_STRICT is on, so empty optional values are refused instead of ignored).'),
  INBOUND_URL_HTTPS: validation('must be an HTTPS URL (http is accepted only for localhost, 127.0.0.0/8, ::1, host.docker.internal and the sandbox\'s own host).'),
  STEP_TYPE: validation('must be one of Sms, Viber, Voice.'),
  VIBER_MESSAGE_ON_TRANSACTIONAL: validation('a Viber message is not accepted on /failover/transactional: use template fields (templateId, templateLang, templateParams).'),
  LABEL_ON_TRANSACTIONAL: validation('label is not accepted for Viber steps on /failover/transactional: use template fields.'),
  TEMPLATE_ON_STANDARD: validation('template fields are not accepted on /failover: use /failover/transactional for template Viber steps.'),
  TEMPLATE_UNKNOWN: validation('unknown template for this sender: fix templateId (GET /viber/transactional/templates lists yours).'),
  TEMPLATE_NOT_APPROVED: validation('the template is not APPROVED: wait for approval or use an approved template.'),
  TEMPLATE_LANGUAGE: validation('the template has no text in this language: use one of its languages.'),
  TEMPLATE_PARAM_MISSING: validation('is a placeholder of the template: give it a value in templateParams.'),
  TEMPLATE_PARAM_UNKNOWN: validation('is not a placeholder of the template: remove it.'),
  TEMPLATE_PARAM_TYPE: validation('must be a string or an integer.'),
  TEMPLATE_PARAM_TOO_LONG: validation('is longer than 50 characters: template text parameters are at most 50.'),
  TEMPLATE_PARAM_LINK: validation('must not contain a link: template parameters carry no URLs (http://, https://, www.).'),
  OTP_PIN_MISSING: validation('OTP templates require templateParams.pin.'),
  TEMPLATE_OTP_NO_PIN: validation('OTP templates must contain the {{pin}} placeholder in every language.'),
  SENDER_UNKNOWN: validation('unknown Viber sender: use a senderInfoTrackingId of your account.'),
  SENDER_INACTIVE: validation('the Viber sender is inactive: use an active senderInfoTrackingId.'),
  VIBER_COMBINATION: validation('Invalid viber message type combination: send text, image, text+button, text+image+button, video, video+text, video+text+button or file.'),
  VOICE_TTL: validation('Voice steps do not use ttl: remove it.'),
  FAILOVER_STATUS: validation('is not a final status of this channel.'),
  PHONE_FORMAT: validation('must be an E.164 number: + and 8 to 15 digits.'),
  PHONE_INVALID: validation('is not a valid number for its country: check the country code and the number of digits.'),
  PHONE_NOT_MOBILE: validation('must be a mobile number: Viber reaches mobile numbers only.'),
  SMS_SENDER: validation('must be 1 to 11 letters or digits, or a number of up to 16 digits.'),
  VIBER_TTL_PRECISION: validation('must have at most one decimal place.'),
  DIAL_PLAN_MISSING: validation('Voice steps need a dial plan: dialPlan {verbs: [...]}.'),
  DIAL_PLAN_TWICE: validation('give the dial plan once, as dialPlan (dialPlans and dialplan are accepted spellings).'),
  VOICE_TO_EMPTY: validation('needs at least one of phone, viber, sip.'),
  URL_SHORTENER_TWICE: validation('give urlShortener once, at step level or inside message.'),
  OUTCOME_HEADER: validation('X-Sandbox-Outcome is not valid.'),
  SCENARIO_REGEX: validation('is not a valid regular expression.'),
  SCENARIO_REGEX_UNSAFE: validation('is a regular expression that can take exponential time (nested or overlapping repetition, as in /^(a+)+$/): write it without a repeated group that repeats.'),
  SCENARIO_REGEX_TOO_LONG: validation('is longer than 200 characters: scenario rule patterns are at most 200.'),
  FAULT_RULE: validation('is not a valid fault rule.'),
  FAULT_HEADER: validation('X-Sandbox-Fault is not valid: use a status (500, 502, 503, 504, 429), retryAfter=<seconds>, delay=<ms>, reset, hang or afterCommit, joined by ";" (e.g. "429;retryAfter=2").'),
  CLOCK_BACKWARDS: validation('the clock only moves forward.'),
  CLOCK_TOO_FAR: validation('the clock cannot go past 9999-12-31T23:59:59.999Z.'),
  TEMPLATE_NOT_PENDING: { status: 409, code: '409000000', type: 'Conflict', message: 'Only a PENDING template can be approved or rejected.' },
  MESSAGE_NOT_PENDING: { status: 409, code: '409000000', type: 'Conflict', message: 'The message already has a final status.' },

  // sandbox.md "Faults": the provider misbehaving on purpose, in its own envelope
  FAULT_429: { status: 429, code: '429000000', type: 'TooManyRequests', message: 'Too many requests: retry after the time in Retry-After (a fault injected by the sandbox).' },
  FAULT_500: { status: 500, code: '500000000', type: 'InternalError', message: 'Internal server error (a fault injected by the sandbox).' },
  FAULT_502: { status: 502, code: '502000000', type: 'BadGateway', message: 'Bad gateway (a fault injected by the sandbox).' },
  FAULT_503: { status: 503, code: '503000000', type: 'ServiceUnavailable', message: 'Service unavailable: retry later (a fault injected by the sandbox).' },
  FAULT_504: { status: 504, code: '504000000', type: 'GatewayTimeout', message: 'Gateway timeout (a fault injected by the sandbox).' },

  // §1: OAuth2 bodies
  OAUTH_BAD_CREDENTIALS: { status: 401, code: '401000000', type: 'Unauthorized', message: 'Bad credentials', oauth: 'unauthorized', challenge: `Basic realm="${TOKEN_REALM}"` },
  OAUTH_GRANT: { status: 400, code: '400000000', type: 'ValidationError', message: 'Only grant_type=client_credentials is supported.', oauth: 'unsupported_grant_type' },
  OAUTH_SCOPE: { status: 400, code: '400000000', type: 'ValidationError', message: 'Invalid scope', oauth: 'invalid_scope' },
  // provider-api.md §1: a missing, unknown or expired token → 401 {"error":"invalid_token",…}, a missing
  // header with its own description; issue 17 asks for error="invalid_token" in every API 401's challenge
  // too (RFC 6750 §3.1 would allow leaving the code out when no credentials came): clients that look for
  // it then handle every 401 the same way
  TOKEN_MISSING: { status: 401, code: '401000000', type: 'Unauthorized', message: 'Full authentication is required to access this resource', oauth: 'invalid_token', challenge: `Bearer realm="${API_REALM}", error="invalid_token", error_description="Full authentication is required to access this resource"` },
  TOKEN_INVALID: {
    status: 401,
    code: '401000000',
    type: 'Unauthorized',
    message: 'Invalid access token',
    oauth: 'invalid_token',
    challenge: `Bearer realm="${API_REALM}", error="invalid_token", error_description="The access token is unknown or expired"`
  }
} as const satisfies Record<string, CatalogEntry>

export type ErrorName = keyof typeof ERRORS

/** One problem with one field: rendered as "path: message" and under properties[path]. */
export interface Problem {
  path: string
  entry: CatalogEntry
  /** replaces entry.message when the problem needs specifics (allowed values, limits) */
  detail?: string
}

export class ApiError extends Error {
  readonly entry: CatalogEntry
  readonly properties?: Record<string, string>

  constructor (entry: CatalogEntry, message?: string, properties?: Record<string, string>) {
    super(message ?? entry.message)
    this.name = 'ApiError'
    this.entry = entry
    this.properties = properties
  }

  get statusCode (): number {
    return this.entry.status
  }
}

export function problemText (p: Problem): string {
  return p.detail ?? p.entry.message
}

// a body can carry thousands of faults (30,000 unknown template parameters): an answer lists at most
// this many, and says how many more there were
const MAX_PROBLEMS = 50

/** All field problems of one request as one 400: developerMessage lists them, properties maps them. */
export function validationError (all: Problem[]): ApiError {
  const problems = all.length > MAX_PROBLEMS ? all.slice(0, MAX_PROBLEMS) : all
  const properties: Record<string, string> = {}
  for (const p of problems) properties[p.path] ??= problemText(p)
  // problems that say the same thing are said once, with all their paths
  const byText = new Map<string, string[]>()
  for (const p of problems) {
    const paths = byText.get(problemText(p)) ?? []
    if (p.path) paths.push(p.path)
    byText.set(problemText(p), paths)
  }
  const text = [...byText].map(([message, paths]) => (paths.length > 0 ? `${paths.join(', ')}: ${message}` : message))
  if (all.length > problems.length) text.push(`(${all.length - problems.length} more problems not listed: fix these first.)`)
  const entry = problems.length === 1 ? problems[0].entry : ERRORS.VALIDATION
  return new ApiError(entry, text.join(' '), properties)
}

export interface ErrorBody {
  code: string
  developerMessage: string
  type: string
  properties?: Record<string, string>
}

export interface OAuthErrorBody {
  error: string
  error_description: string
}

export function errorBody (error: ApiError): ErrorBody | OAuthErrorBody {
  if (error.entry.oauth) return { error: error.entry.oauth, error_description: error.message }
  const body: ErrorBody = { code: error.entry.code, developerMessage: error.message, type: error.entry.type }
  if (error.properties && Object.keys(error.properties).length > 0) body.properties = error.properties
  return body
}
