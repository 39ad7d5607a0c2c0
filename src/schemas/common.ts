import { Type, type Static, type TSchema, type TString } from 'typebox'
import type { ErrorName } from '../errors.js'

/**
 * `x-error` names the catalog entry an Ajv failure of this schema is reported with: one name for
 * every keyword, or a map keyword → name. Ajv knows the keyword as an annotation (src/validation.ts).
 */
export type XError = ErrorName | Partial<Record<string, ErrorName>>

export const E164_PATTERN = '^\\+[1-9][0-9]{7,14}$'

// §2: `to` is E.164 (+ and 8–15 digits); validity for the country is checked with libphonenumber-js
export const PhoneSchema = Type.String({
  pattern: E164_PATTERN,
  'x-error': { pattern: 'PHONE_FORMAT' },
  description: 'E.164 number: + and 8 to 15 digits, valid for its country',
  examples: ['+306912345678']
})

export const HttpUrlSchema = Type.String({
  minLength: 1,
  maxLength: 2000,
  pattern: '^[hH][tT][tT][pP][sS]?://[^\\s]+$',
  description: 'http(s) URL'
})

export const HttpsUrlSchema = (maxLength = 1000): TString => Type.String({
  minLength: 1,
  maxLength,
  pattern: '^[hH][tT][tT][pP][sS]://[^\\s]+$',
  description: `https URL of at most ${maxLength} characters`
})

export const ErrorSchema = Type.Object({
  code: Type.String({ pattern: '^[0-9]{9}$', description: 'HTTP status (3 digits) + module (3) + error (3)' }),
  developerMessage: Type.String(),
  type: Type.String({ description: 'sandbox addition: the kind of error (ValidationError, InsufficientBalance, …)' }),
  properties: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'sandbox addition: field path → problem' }))
}, { $id: 'Error', description: 'The provider error envelope (§7)' })
export type ErrorResponse = Static<typeof ErrorSchema>

export const OAuthErrorSchema = Type.Object({
  error: Type.String(),
  error_description: Type.String()
}, { $id: 'OAuthError', description: 'OAuth2 error body (§1)' })

/**
 * A 401 with its challenge (RFC 6749 §5.2 for the token endpoint's Basic, RFC 6750 §3 for the API's
 * Bearer); @fastify/swagger writes `headers` as the response's headers in the OpenAPI document.
 */
export function unauthorizedResponse (scheme: 'Basic' | 'Bearer'): TSchema {
  const description = scheme === 'Basic'
    ? 'Basic realm="oauth2/client": the client credentials were missing or wrong'
    : 'Bearer realm="oauth2-resource", error="invalid_token", error_description="…" on every 401: an unknown or expired token, or none sent'
  return Type.Ref('OAuthError', { headers: { 'WWW-Authenticate': Type.String({ description }) } })
}

/**
 * What any emulated API route can answer besides its own errors: the provider misbehaving on purpose
 * (fault rules and X-Sandbox-Fault: 429, 500, 502, 503, 504) and the sandbox's storage failing (503).
 * Clients written from the contract should expect them, so every provider operation declares them.
 */
const UNAVAILABLE: Record<number, TSchema> = {
  429: Type.Ref('Error', { description: 'Too many requests (an injected fault)', headers: { 'Retry-After': Type.Integer({ description: 'seconds to wait, when the fault sets retryAfter' }) } }),
  500: Type.Ref('Error', { description: 'Server error (an injected fault)' }),
  502: Type.Ref('Error', { description: 'Bad gateway (an injected fault)' }),
  503: Type.Ref('Error', { description: 'Unavailable: an injected fault, or the sandbox cannot write its database (StorageUnavailable, DatabaseGone)', headers: { 'Retry-After': Type.Integer({ description: 'seconds to wait, when the fault sets retryAfter' }) } }),
  504: Type.Ref('Error', { description: 'Gateway timeout (an injected fault)' })
}

/** Shorthand for a route's error responses: every listed status answers the provider envelope (401: the OAuth2 body and a Bearer challenge). */
export function errorResponses (...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {}
  for (const s of statuses) out[s] = s === 401 ? unauthorizedResponse('Bearer') : Type.Ref('Error')
  return out
}

/** An emulated API route's error responses: its own, plus the fault and storage statuses every provider route can answer. */
export function apiErrorResponses (...statuses: number[]): Record<number, TSchema> {
  return { ...errorResponses(...statuses), ...UNAVAILABLE }
}
