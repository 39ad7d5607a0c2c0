import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import { ROOT } from '../src/paths.js'

/*
 * The contract check: a response must be what the committed OpenAPI document says it is, for its
 * route and status. Stricter than the document reads on purpose: an object schema that declares
 * properties accepts no others (so an undocumented field fails), while schemas that declare none
 * (Type.Unknown parts such as `restrictions` or a message's `to`, records such as templateParams)
 * stay open. The document is OpenAPI 3.1 (JSON Schema 2020-12: `anyOf` with `{"type": "null"}` for
 * nullable fields), read by Ajv's default draft; `discriminator` is used as Ajv's, `examples` and `x-*`
 * are annotations.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

export const OPENAPI_FILE = join(ROOT, 'openapi', 'openapi.json')
const DOCUMENT_ID = 'openapi.json'

type Json = Record<string, any>

export interface ContractResult {
  ok: boolean
  /** one line per problem: the JSON path in the body and what is wrong there */
  problems: string[]
}

/** `/failover/tracking/:trackingId` (Fastify) → `/failover/tracking/{trackingId}` (OpenAPI) */
export function openApiPath (routeUrl: string): string {
  return routeUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
}

const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf']
const SUBSCHEMA = ['items', 'not', 'additionalProperties']

/** A copy of a schema in which every object schema that declares properties allows no others. */
export function closeObjects (schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects)
  if (schema === null || typeof schema !== 'object') return schema
  const s = schema as Json
  const out: Json = { ...s }
  if (s.properties !== undefined && typeof s.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, closeObjects(v)]))
    if (s.additionalProperties === undefined) out.additionalProperties = false
  }
  for (const key of SUBSCHEMA) if (s[key] !== undefined && typeof s[key] === 'object') out[key] = closeObjects(s[key])
  for (const key of SUBSCHEMA_LISTS) if (Array.isArray(s[key])) out[key] = s[key].map(closeObjects)
  return out
}

/** The document with closed component schemas and closed response schemas (requests are left as written). */
function strictDocument (document: Json): Json {
  const copy: Json = structuredClone(document)
  const schemas = copy.components?.schemas ?? {}
  for (const name of Object.keys(schemas)) schemas[name] = closeObjects(schemas[name])
  for (const item of Object.values(copy.paths ?? {}) as Json[]) {
    for (const operation of Object.values(item) as Json[]) {
      for (const response of Object.values(operation.responses ?? {}) as Json[]) {
        for (const media of Object.values(response.content ?? {}) as Json[]) {
          if (media.schema !== undefined) media.schema = closeObjects(media.schema)
        }
      }
    }
  }
  return copy
}

const escape = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1')

function describe (error: ErrorObject): string {
  const at = error.instancePath === '' ? '(body)' : error.instancePath
  if (error.keyword === 'additionalProperties') return `${at}: undocumented property "${(error.params as Json).additionalProperty}"`
  return `${at}: ${error.message ?? error.keyword}${error.keyword === 'enum' ? ` ${JSON.stringify((error.params as Json).allowedValues)}` : ''}`
}

export class Contract {
  readonly document: Json
  #ajv: Ajv
  #validators = new Map<string, ValidateFunction>()

  constructor (document: Json) {
    this.document = document
    this.#ajv = new Ajv({ strict: false, allErrors: true, discriminator: true })
    addFormats(this.#ajv)
    this.#ajv.addSchema(strictDocument(document), DOCUMENT_ID)
  }

  /** Checks one response: `routeUrl` is the route's pattern as Fastify knows it (request.routeOptions.url). */
  check (method: string, routeUrl: string, status: number, contentType: string | undefined, body: string): ContractResult {
    const path = openApiPath(routeUrl)
    const operation = this.document.paths?.[path]?.[method.toLowerCase()] as Json | undefined
    if (operation === undefined) return { ok: false, problems: [`${method} ${path} is not in the OpenAPI document`] }
    const response = operation.responses?.[String(status)] as Json | undefined
    if (response === undefined) {
      return { ok: false, problems: [`status ${status} is not documented (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`] }
    }
    if (response.content === undefined) {
      return body === '' ? { ok: true, problems: [] } : { ok: false, problems: [`status ${status} is documented without a body, but one was sent: ${body.slice(0, 200)}`] }
    }
    const mediaType = Object.keys(response.content).find((m) => contentType?.toLowerCase().startsWith(m))
    if (mediaType === undefined) {
      return { ok: false, problems: [`content type ${contentType ?? '(none)'} is not documented (documented: ${Object.keys(response.content).join(', ')})`] }
    }
    let data: unknown
    try {
      data = JSON.parse(body)
    } catch {
      return { ok: false, problems: [`the body is not JSON: ${body.slice(0, 200)}`] }
    }
    const validate = this.#validator(path, method.toLowerCase(), String(status), mediaType)
    if (validate(data)) return { ok: true, problems: [] }
    return { ok: false, problems: (validate.errors ?? []).map(describe) }
  }

  #validator (path: string, method: string, status: string, mediaType: string): ValidateFunction {
    const pointer = ['paths', path, method, 'responses', status, 'content', mediaType, 'schema'].map(escape).join('/')
    let fn = this.#validators.get(pointer)
    if (fn === undefined) {
      fn = this.#ajv.compile({ $ref: `${DOCUMENT_ID}#/${pointer}` })
      this.#validators.set(pointer, fn)
    }
    return fn
  }
}

let committed: Contract | undefined

/** The contract of the committed openapi/openapi.json (read once per process). */
export function committedContract (): Contract {
  committed ??= new Contract(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')))
  return committed
}
