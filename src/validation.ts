import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify'
import type { TSchema } from 'typebox'
import { ApiError, ERRORS, type CatalogEntry, type ErrorName, type Problem } from './errors.js'

/*
 * Validation is decided here, not left to Fastify's defaults:
 * - bodies are never coerced ("10" is not 10) and unknown properties are never dropped silently:
 *   the routes report them as warnings, or reject them in strict mode (provider-api.md §2);
 * - query strings and path params are strings on the wire, so that Ajv coerces them;
 * - every Ajv error becomes a Problem with a path like `flow[0].ttl` and a message that says what to fix.
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

function createAjv (coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce,
    useDefaults: coerce,
    removeAdditional: false,
    allErrors: true,
    verbose: true,
    discriminator: true,
    multipleOfPrecision: 9,
    strict: false,
    // the schemas are ours and tested: checking them against the meta-schema only slows the start
    validateSchema: false
  })
  addFormats(ajv)
  ajv.addKeyword({ keyword: 'x-error', schemaType: ['string', 'object'] })
  ajv.addKeyword({ keyword: 'x-manual', schemaType: 'boolean' })
  ajv.addKeyword({ keyword: 'x-keep-empty', schemaType: 'boolean' })
  return ajv
}

export interface Validators {
  body: Ajv
  query: Ajv
  compiler: FastifySchemaCompiler<TSchema>
}

export function createValidators (shared: TSchema[]): Validators {
  const body = createAjv(false)
  const query = createAjv(true)
  for (const schema of shared) {
    body.addSchema(schema)
    query.addSchema(schema)
  }
  const cache = new WeakMap<object, ValidateFunction>()
  const compiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
    // a schema marked x-manual documents a body that its handler checks with better messages
    if ((schema as Record<string, unknown>)['x-manual'] === true) return () => true
    const ajv = httpPart === 'body' ? body : query
    let fn = cache.get(schema)
    if (!fn) {
      // compiled on the route's first request, not at start (issue 15, "a quick start"): compiling every
      // route's schema was most of the start-up time, and most routes of a test run are never called
      fn = lazy(() => ajv.compile(schema))
      cache.set(schema, fn)
    }
    // Type.Optional(...) as a route's body means the body may be left out: Fastify hands an absent
    // body to the validator as null, which a plain object schema would refuse
    if (httpPart === 'body' && (schema as Record<string, unknown>)['~optional'] === true) return optionalBody(fn)
    return fn
  }
  return { body, query, compiler }
}

/** A validator compiled on its first call; its errors are those of its last call, as Ajv's own. */
export function lazy (compile: () => ValidateFunction): ValidateFunction {
  let fn: ValidateFunction | undefined
  const check = ((data: unknown) => {
    fn ??= compile()
    const ok = fn(data)
    check.errors = fn.errors
    return ok
  }) as ValidateFunction
  return check
}

function optionalBody (fn: ValidateFunction): ValidateFunction {
  const check = ((data: unknown) => {
    if (data === null || data === undefined) return true
    const ok = fn(data)
    check.errors = fn.errors
    return ok
  }) as ValidateFunction
  return check
}

/** `/flow/0/ttl` → `flow[0].ttl` */
export function jsonPointerToPath (pointer: string): string {
  let out = ''
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    out += /^\d+$/.test(part) ? `[${part}]` : (out === '' ? part : `.${part}`)
  }
  return out
}

export function joinPath (path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function named (error: ErrorObject): CatalogEntry | undefined {
  const mark = (error.parentSchema as Record<string, unknown> | undefined)?.['x-error'] as string | Record<string, string> | undefined
  if (mark === undefined) return undefined
  const name = typeof mark === 'string' ? mark : mark[error.keyword]
  return name ? ERRORS[name as ErrorName] : undefined
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`

function constsOf (schema: unknown, tag?: string): string[] | undefined {
  const s = schema as { anyOf?: unknown[], oneOf?: unknown[] }
  const branches = (s.anyOf ?? s.oneOf) as Array<Record<string, any>> | undefined
  if (!branches) return undefined
  const values = branches.map((b) => (tag ? b.properties?.[tag]?.const : b.const))
  return values.every((v) => v !== undefined) ? values.map(String) : undefined
}

function describe (error: ErrorObject): string {
  const p = error.params as Record<string, any>
  const schema = error.parentSchema as Record<string, any> | undefined
  switch (error.keyword) {
    case 'type': return `must be ${/^[aeiou]/.test(p.type) ? 'an' : 'a'} ${p.type}.`
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `must be ${p.comparison} ${p.limit}.`
    case 'minLength': return p.limit === 1 ? 'must not be empty.' : `must be at least ${plural(p.limit, 'character')}.`
    case 'maxLength': return `must be at most ${plural(p.limit, 'character')}.`
    case 'minItems': return p.limit === 1 ? 'must not be empty.' : `must have at least ${plural(p.limit, 'item')}.`
    case 'maxItems': return `must have at most ${plural(p.limit, 'item')}.`
    case 'minProperties': return p.limit === 1 ? 'must not be empty.' : `must have at least ${plural(p.limit, 'entry')}.`
    case 'maxProperties': return `must have at most ${p.limit} entries.`
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).join(', ')}.`
    case 'const': return `must be ${JSON.stringify(p.allowedValue)}.`
    case 'multipleOf': return `must be a multiple of ${p.multipleOf}.`
    case 'format': return `must be a valid ${p.format}.`
    case 'pattern': return schema?.description ? `must be: ${schema.description}.` : `must match ${p.pattern}.`
    case 'anyOf': {
      const values = constsOf(schema)
      if (values) return `must be one of ${values.join(', ')}.`
      return schema?.description ? `must be ${schema.description}.` : 'does not match any allowed form.'
    }
    case 'discriminator': {
      const values = constsOf(schema, p.tag) ?? []
      return `must be one of ${values.join(', ')}.`
    }
    case 'not': return 'is not accepted here.'
    default: return error.message ?? 'is not valid.'
  }
}

/** Ajv errors as Problems: one per path, the most useful first (a union's own message over its branches'). */
export function problemsFromAjv (errors: ErrorObject[], root = ''): Problem[] {
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  const problems: Problem[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    if (unionPaths.has(error.instancePath) && error.keyword !== 'anyOf') continue
    if (error.keyword === 'oneOf') continue
    // the errors under a propertyNames keyword say it better, naming the key
    if (error.keyword === 'propertyNames') continue
    // a missing tag is already reported by `required`: "is required", not "must be one of" as well
    if (error.keyword === 'discriminator' && (error.params as { tagValue?: unknown }).tagValue === undefined) continue
    let path = jsonPointerToPath(error.instancePath)
    let entry: CatalogEntry = named(error) ?? ERRORS.VALIDATION
    let detail: string | undefined
    if (error.keyword === 'required') {
      path = joinPath(path, (error.params as { missingProperty: string }).missingProperty)
      entry = ERRORS.FIELD_REQUIRED
    } else if (error.keyword === 'additionalProperties') {
      path = joinPath(path, (error.params as { additionalProperty: string }).additionalProperty)
      entry = ERRORS.UNKNOWN_PROPERTY
    } else if (error.keyword === 'discriminator') {
      path = joinPath(path, (error.params as { tag: string }).tag)
      detail = describe(error)
      if (path.endsWith('type') && detail.includes('Sms')) { entry = ERRORS.STEP_TYPE; detail = undefined }
    } else if (error.propertyName !== undefined) {
      // a key of a map (propertyNames): the problem is the key itself
      path = joinPath(path, error.propertyName)
      detail = `is not accepted as a key: keys ${describe(error)}`
    } else if (entry === ERRORS.VALIDATION) {
      detail = describe(error)
    }
    path = root && path ? `${root}.${path}` : (root || path)
    const key = `${path}\u0000${detail ?? entry.message}`
    if (seen.has(key)) continue
    seen.add(key)
    problems.push({ path, entry, detail })
  }
  return problems
}

type Schema = Record<string, any>

// per schema, computed once: a tagged union's branch by tag value, an object's required names
const BRANCHES = new WeakMap<Schema, Map<unknown, Schema>>()
const REQUIRED = new WeakMap<Schema, Set<string>>()

function branchesOf (schema: Schema): Map<unknown, Schema> {
  let branches = BRANCHES.get(schema)
  if (branches === undefined) {
    const tag = schema.discriminator.propertyName as string
    branches = new Map()
    // the first branch a tag picks wins, as find() did
    for (const b of schema.oneOf as Schema[]) {
      const value = b.properties?.[tag]?.const
      if (value !== undefined && !branches.has(value)) branches.set(value, b)
    }
    BRANCHES.set(schema, branches)
  }
  return branches
}

function requiredOf (schema: Schema): Set<string> {
  let required = REQUIRED.get(schema)
  if (required === undefined) {
    required = new Set<string>(schema.required ?? [])
    REQUIRED.set(schema, required)
  }
  return required
}

/** The schema that applies to `value`: $refs followed to the shared schemas, a tagged union narrowed to the branch its tag picks; undefined when no branch does. */
function applicable (schema: Schema, value: unknown, shared: Map<string, Schema>): Schema | undefined {
  for (;;) {
    if (schema.$ref) {
      schema = shared.get(schema.$ref) ?? {}
    } else if (schema.discriminator && isObject(value)) {
      const branch = branchesOf(schema).get(value[schema.discriminator.propertyName as string])
      if (branch === undefined) return undefined
      schema = branch
    } else {
      return schema
    }
  }
}

/**
 * The properties of `value` that `schema` does not name, as paths. Follows $refs to the shared
 * schemas, tagged unions to the branch the tag picks, arrays to their items; maps (records) and
 * free-form values (restrictions) are not walked.
 */
export function unknownProperties (given: Schema, value: unknown, shared: Map<string, Schema>, path = '', out: string[] = []): string[] {
  const schema = applicable(given, value, shared)
  if (schema === undefined) return out
  if (schema.type === 'object' && schema.properties && isObject(value)) {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      // own keys only: a "constructor" key must not find Object's members
      const property = Object.hasOwn(schema.properties, key) ? schema.properties[key] as Schema : undefined
      if (property === undefined) {
        if (schema.additionalProperties === undefined) out.push(joinPath(path, key))
      } else {
        const child = value[key]
        // a string, number or boolean has no properties to walk
        if (typeof child === 'object' && child !== null) unknownProperties(property, child, shared, joinPath(path, key), out)
      }
    }
  } else if (schema.type === 'array' && schema.items && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) unknownProperties(schema.items, value[i], shared, `${path}[${i}]`, out)
  }
  return out
}

/*
 * Issue 16: real clients serialize every property of their request classes and fill the unused ones
 * with defaults ("" for strings). An optional value sent empty is treated as absent, as a Bean
 * Validation stack treats an empty URL: an optional string sent as "", or an optional object with at
 * least one field and every field empty (`"action":{"caption":"","targetUrl":""}`). false, 0, [] and {}
 * are values (flash:false, failoverOnStatuses:[] and urlShortener:{} all mean something), records
 * (templateParams) and free-form values (restrictions) are not walked, a field marked x-keep-empty
 * (documented blank by the provider) keeps its "", and a required field keeps its rules: "" there, or
 * a partly filled object, is still a 400.
 */

/** `schema` itself, or the shared schema its $ref names. */
function resolved (schema: Schema | undefined, shared: Map<string, Schema>): Schema | undefined {
  return schema?.$ref !== undefined ? shared.get(schema.$ref) : schema
}

/** Whether a string is a value this schema takes: a string type, a string constant, or a field refused here (a `not`). */
function takesString (schema: Schema | undefined, shared: Map<string, Schema>): boolean {
  const s = resolved(schema, shared)
  if (s === undefined) return false
  if (s.type === 'string' || typeof s.const === 'string' || s.not !== undefined) return true
  return [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some((branch: Schema) => takesString(branch, shared))
}

/** Whether `value` is empty for `schema` (undefined: a property the schema does not know, judged by the value alone). */
function isEmptyValue (schema: Schema | undefined, value: unknown, shared: Map<string, Schema>): boolean {
  // a number, boolean, null or non-empty string is a value whatever the schema (most fields: decided here)
  if (value !== '' && !isObject(value)) return false
  const known = schema !== undefined
  const s = resolved(schema, shared)
  // a field where the provider's own examples send "" as a value (a Voice step's to.viber and to.sip)
  if (s?.['x-keep-empty'] === true) return false
  if (value === '') return !known || takesString(s, shared)
  if (!isObject(value) || Object.keys(value).length === 0) return false
  // an object schema with named fields, or a field refused here; not a record, not a free-form value
  if (known && !(s?.type === 'object' && s.properties !== undefined) && s?.not === undefined) return false
  const properties: Schema = s?.properties ?? {}
  return Object.entries(value).every(([key, child]) => isEmptyValue(Object.hasOwn(properties, key) ? properties[key] : undefined, child, shared))
}

/**
 * Removes the optional values of `value` that were sent empty (in place) and returns their paths.
 * Walks the schema like unknownProperties; a property the schema does not know and that was sent
 * empty is reported here, not as unknown.
 */
export function stripEmptyValues (given: Schema, value: unknown, shared: Map<string, Schema>, path = '', out: string[] = []): string[] {
  const schema = applicable(given, value, shared)
  if (schema === undefined) return out
  if (schema.type === 'object' && schema.properties && isObject(value)) {
    const required = requiredOf(schema)
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue
      const child = value[key]
      const property = Object.hasOwn(schema.properties, key) ? schema.properties[key] as Schema : undefined
      if (property === undefined && schema.additionalProperties !== undefined) continue
      if (!required.has(key) && isEmptyValue(property, child, shared)) {
        out.push(joinPath(path, key))
        delete value[key]
      } else if (property !== undefined && typeof child === 'object' && child !== null) {
        stripEmptyValues(property, child, shared, joinPath(path, key), out)
      }
    }
  } else if (schema.type === 'array' && schema.items && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) stripEmptyValues(schema.items, value[i], shared, `${path}[${i}]`, out)
  }
  return out
}

export function isObject (value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const JSON_TYPE = /^\s*application\/json\s*(?:;|$)/i
const JSON_OR_FORM_TYPE = /^\s*application\/(?:json|x-www-form-urlencoded)\s*(?:;|$)/i

/** A body parsed from another content type than `accepted` is a wrong content type (§7), not a mistyped body. */
function requireBodyType (request: FastifyRequest, accepted: RegExp): void {
  const type = request.headers['content-type']
  if (request.body !== undefined && typeof type === 'string' && !accepted.test(type)) throw new ApiError(ERRORS.UNSUPPORTED_CONTENT_TYPE)
}

/**
 * preValidation hook for JSON endpoints: Fastify also parses text/plain, and the form parser exists
 * for /oauth/token, so such a body sent here is a wrong content type.
 */
export async function requireJsonBody (request: FastifyRequest): Promise<void> {
  requireBodyType(request, JSON_TYPE)
}

/** preValidation hook for /oauth/token: a form or JSON (a text/plain body is kept as a string by its parser). */
export async function requireJsonOrFormBody (request: FastifyRequest): Promise<void> {
  requireBodyType(request, JSON_OR_FORM_TYPE)
}
