import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { STATUS_CODES } from 'node:http'
import { VERSION } from './version.js'
import { SEED_EXAMPLE } from './vocabulary.js'

/*
 * The OpenAPI document, generated from the route schemas (sandbox.md "Seeing what happened"):
 * served at GET /_sandbox/openapi.json, browsable at /_sandbox/docs, and committed as
 * openapi/openapi.json by `npm run openapi` (a test fails when the two differ).
 * Everything here is deterministic: no timestamps, no ports, keys in a stable order.
 */

export const OPENAPI_PATH = '/_sandbox/openapi.json'
export const DOCS_PREFIX = '/_sandbox/docs'
/**
 * The server written into the document: relative, so Swagger UI's "Try it out" and generated
 * clients reach the sandbox that served it, whatever its port (--port, startSandbox(), Docker).
 */
export const OPENAPI_SERVER_URL = '/'

export const TAGS = [
  { name: 'Provider API', description: "The emulated Routee endpoints (Failover, tracking, OAuth, balance, Viber templates): point a client's API and auth base URLs here." },
  { name: 'Sandbox control', description: 'The sandbox’s own control plane under /_sandbox: accounts, clocks, outcomes, what was sent.' }
]

/*
 * Request examples, as the provider publishes them: the seed page's transactional example and the
 * provider's legacy three-step example. Not read from test/fixtures, so the published package
 * serves the same document; test/openapi.test.ts checks they equal the fixtures.
 */
// the seed page's example is defined once, in src/vocabulary.ts (src/ui/seed-example.json)
export { SEED_EXAMPLE }

export const LEGACY_EXAMPLE = {
  flow: [
    {
      type: 'Sms',
      from: 'senderId',
      to: '+306912345678',
      ttl: 30,
      message: { body: 'The sms message to be sent', flash: true, label: 'string', transcode: true },
      order: 1,
      failoverOnStatuses: ['FAILED', 'UNDELIVERED']
    },
    {
      type: 'Voice',
      from: 'ASenderId',
      to: { phone: '+306981234567', viber: '', sip: '' },
      dialPlan: {
        verbs: [
          { type: 'PLAY', repeat: 2, fileURL: 'http://www.externalharddrive.com/waves/animal/monkey.wav', bargeIn: false },
          { type: 'SAY', repeat: 3, bargeIn: false, message: { language: 'en-US', gender: 'female', text: 'Failover Voice Dialplan' } }
        ]
      },
      machineDetection: { strategy: 'Hangup' },
      order: 2,
      failoverOnStatuses: ['Busy', 'NoAnswer']
    },
    {
      type: 'Viber',
      senderInfoTrackingId: '0094d198-4dd2-4fb5-b451-d46aca191b27',
      to: '+306912345678',
      inboundUrl: 'https://inbound.url',
      ttl: 30,
      expireOnDelivery: false,
      message: { text: 'string', imageUrl: 'https://image.url', action: { caption: 'Go', targetUrl: 'https://www.routee.net/' } },
      order: 2,
      failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED']
    }
  ],
  callback: { strategy: 'OnCompletion', url: 'https://target.url' }
}

const REQUEST_EXAMPLES: Record<string, { summary: string, value: unknown }> = {
  'POST /failover/transactional': { summary: 'The seed page example: a template Viber step, then SMS', value: SEED_EXAMPLE },
  'POST /failover': { summary: "The provider's legacy example: SMS, then Voice and Viber", value: LEGACY_EXAMPLE }
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** operationIds of the provider's endpoints; every other operation gets one derived from its method and path */
const OPERATION_IDS: Record<string, string> = {
  'POST /oauth/token': 'getAccessToken',
  'POST /failover': 'sendFailover',
  'POST /failover/transactional': 'sendTransactionalFailover',
  'GET /failover/tracking/{trackingId}': 'getTracking',
  'POST /failover/tracking': 'searchTracking',
  'GET /accounts/me/balance': 'getBalance',
  'GET /viber/transactional/templates': 'listTemplates',
  'POST /viber/transactional/templates': 'createTemplate',
  'DELETE /viber/transactional/templates/{templateId}': 'deleteTemplate'
}

const capital = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1)

/** `post /_sandbox/callbacks/{callbackId}/redeliver` → `postSandboxCallbacksByCallbackIdRedeliver` */
export function operationIdFor (method: string, path: string): string {
  const named = OPERATION_IDS[`${method.toUpperCase()} ${path}`]
  if (named !== undefined) return named
  const words = path.split('/').filter((part) => part !== '').map((part) => {
    const param = /^\{(.+)\}$/.exec(part)
    const text = param !== null ? `by-${param[1]}` : part
    return text.split(/[^A-Za-z0-9]+/).filter((w) => w !== '').map(capital).join('')
  })
  return method.toLowerCase() + words.join('')
}

/** The control plane's security: open unless SANDBOX_ADMIN_TOKEN is set, then the admin bearer token. */
export const CONTROL_SECURITY = [{}, { sandboxAdmin: [] }]

/**
 * Descriptions come from the route schemas, which cite the specification's sections (§2, …) for the
 * project's readers; a published document has no such file, so the citations are dropped.
 */
export function publicText (text: string): string {
  return text
    .replace(/\s*\(§[^)]*\)/g, '')
    .replace(/§\d+(?:\.\d+)?(?: and [^:.,]*)?:?\s*/g, '')
    .replace(/\.\.\/shared\/spec\/[\w.-]+/g, 'the specification')
}

/** every `description` in the document through publicText */
function cleanDescriptions (node: unknown): void {
  if (Array.isArray(node)) { for (const child of node) cleanDescriptions(child); return }
  if (node === null || typeof node !== 'object') return
  const o = node as Json
  for (const [key, value] of Object.entries(o)) {
    if ((key === 'description' || key === 'summary') && typeof value === 'string') o[key] = publicText(value)
    else cleanDescriptions(value)
  }
}

/**
 * Request fields with a default are optional to send. Code generators such as openapi-typescript
 * type a component property that has a `default` as always present, which fits a response and not
 * a request: in schemas a request reaches, the default moves into the description.
 */
function requestDefaults (node: unknown): void {
  if (Array.isArray(node)) { for (const child of node) requestDefaults(child); return }
  if (node === null || typeof node !== 'object') return
  const o = node as Json
  if (o.default !== undefined) {
    const note = `Default: ${JSON.stringify(o.default)}.`
    o.description = typeof o.description === 'string' && o.description !== '' ? `${o.description.replace(/\.?$/, '.')} ${note}` : note
    delete o.default
  }
  for (const value of Object.values(o)) requestDefaults(value)
}

/** names of the component schemas reachable from `node` through $ref, transitively */
function referenced (node: unknown, schemas: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) { for (const child of node) referenced(child, schemas, found); return found }
  if (node === null || typeof node !== 'object') return found
  for (const [key, value] of Object.entries(node as Json)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
      const name = value.slice('#/components/schemas/'.length)
      if (!found.has(name) && schemas[name] !== undefined) {
        found.add(name)
        referenced(schemas[name], schemas, found)
      }
    } else referenced(value, schemas, found)
  }
  return found
}

type Json = Record<string, any>

/** A copy of the object with its keys sorted (alphabetically unless `compare` says otherwise). */
function ordered<T extends Json> (object: T, compare: (a: string, b: string) => number = (a, b) => (a < b ? -1 : a > b ? 1 : 0)): T {
  const out: Json = {}
  for (const key of Object.keys(object).sort(compare)) out[key] = object[key]
  return out as T
}

/** operations in the usual HTTP order; anything else in a path item (parameters, …) before them */
const byMethod = (a: string, b: string): number => {
  const ia = HTTP_METHODS.indexOf(a)
  const ib = HTTP_METHODS.indexOf(b)
  if (ia >= 0 && ib >= 0) return ia - ib
  if (ia >= 0 || ib >= 0) return ia >= 0 ? 1 : -1
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The last pass over the document: request examples, and a key order that does not depend on the
 * order routes were registered in (paths, operations, responses and components sorted; the
 * schemas themselves keep their declaration order, which is the order fields are documented in).
 */
function finish (document: Json): Json {
  for (const [key, example] of Object.entries(REQUEST_EXAMPLES)) {
    const [method, path] = key.split(' ')
    const media = document.paths?.[path]?.[method.toLowerCase()]?.requestBody?.content?.['application/json']
    if (media) media.examples = { [path === '/failover' ? 'legacy' : 'seed']: example }
  }
  const paths: Json = {}
  for (const [path, item] of Object.entries(ordered(document.paths ?? {}))) {
    const operations: Json = {}
    for (const [method, operation] of Object.entries(ordered(item as Json, byMethod))) {
      const responses = ordered((operation as Json).responses ?? {})
      for (const [status, response] of Object.entries(responses) as Array<[string, Json]>) {
        if (response.description === 'Default Response') response.description = STATUS_CODES[Number(status)] ?? 'Response'
      }
      const op = operation as Json
      if (HTTP_METHODS.includes(method)) {
        op.operationId ??= operationIdFor(method, path)
        op.security ??= path.startsWith('/_sandbox') ? CONTROL_SECURITY : []
      }
      for (const media of Object.values(op.requestBody?.content ?? {}) as Json[]) requestDefaults(media.schema)
      operations[method] = { ...op, responses }
    }
    paths[path] = operations
  }
  const components = document.components ?? {}
  const schemas: Json = components.schemas ?? {}
  const requests = new Set<string>()
  for (const item of Object.values(paths) as Json[]) {
    for (const op of Object.values(item) as Json[]) {
      referenced(op.requestBody, schemas, requests)
      referenced(op.parameters, schemas, requests)
    }
  }
  for (const name of requests) requestDefaults(schemas[name])
  cleanDescriptions(paths)
  cleanDescriptions(schemas)
  cleanDescriptions(components.securitySchemes)
  cleanDescriptions(document.tags)
  return {
    openapi: document.openapi,
    info: document.info,
    servers: document.servers,
    tags: document.tags,
    paths,
    components: {
      securitySchemes: ordered(components.securitySchemes ?? {}),
      schemas: ordered(components.schemas ?? {})
    }
  }
}

/**
 * Registers the document generator and its two routes. Call it before the routes are registered:
 * @fastify/swagger learns the routes as they are added.
 */
export async function registerOpenApi (app: FastifyInstance<any, any, any, any, any>): Promise<void> {
  // a route's body or response schema with an $id (FailoverRequest, Balance, …) becomes a named
  // component too; the plugin reads this object when it builds the document, after every route is known
  // (copies: the plugin's resolver rewrites the references inside the schemas it is given)
  const named: Json = {}
  const originals = new Map<string, unknown>()
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Json | undefined
    if (schema === undefined || schema.hide === true) return
    for (const part of [schema.body, ...Object.values(schema.response ?? {})]) {
      if (typeof part?.$id === 'string' && !originals.has(part.$id)) {
        originals.set(part.$id, part)
        named[part.$id] = structuredClone(part)
      }
    }
  })
  const asRef = (part: unknown): unknown => {
    const id = (part as Json | undefined)?.$id
    return typeof id === 'string' && originals.get(id) === part ? { $ref: `#/components/schemas/${id}` } : part
  }
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'failover-sandbox',
        version: VERSION,
        license: { name: 'MIT', identifier: 'MIT' },
        description: "A local sandbox that answers as Routee's Failover API does. The provider serves OAuth on auth.routee.net and the API on connect.routee.net; the sandbox serves both on one port."
      },
      servers: [{ url: OPENAPI_SERVER_URL, description: 'the sandbox that serves this document, on whatever host and port it listens' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'The access_token of POST /oauth/token: an opaque UUID, not a JWT (§1).' },
          basic: { type: 'http', scheme: 'basic', description: 'applicationId:applicationSecret (the seed: sandbox-app / sandbox-secret).' },
          sandboxAdmin: { type: 'http', scheme: 'bearer', description: 'The control plane (/_sandbox) is open by default; when SANDBOX_ADMIN_TOKEN is set, it takes that token as a bearer token.' }
        },
        schemas: named
      }
    },
    // the components are named by the schemas' $id (Error, Tracking, …), not def-0, def-1
    refResolver: {
      buildLocalReference: (json: Json, _baseUri: unknown, _fragment: unknown, i: number) => (typeof json.$id === 'string' ? json.$id : `def-${i}`)
    },
    // the dashboard's files and other routes without a tag are not part of the API
    hideUntagged: true,
    transform: ({ schema, url }: { schema: Json | undefined, url: string }) => {
      if (schema === undefined) return { schema, url }
      const out: Json = { ...schema }
      if (out.body !== undefined) out.body = asRef(out.body)
      if (out.response !== undefined) out.response = Object.fromEntries(Object.entries(out.response).map(([status, part]) => [status, asRef(part)]))
      // §1: the token endpoint takes the application's credentials as HTTP Basic
      if (url === '/oauth/token') {
        out.security ??= [{ basic: [] }]
        // the form is the provider's; a JSON body with the same fields is accepted too
        out.consumes = [...new Set([...(out.consumes ?? ['application/x-www-form-urlencoded']), 'application/json'])]
      }
      return { schema: out, url }
    },
    transformObject: ({ openapiObject }: { openapiObject: Json }) => finish(openapiObject)
  } as any)

  registerDocs(app)

  app.get(OPENAPI_PATH, {
    schema: {
      tags: ['Sandbox control'],
      summary: 'This OpenAPI document (also committed as openapi/openapi.json)',
      response: { 200: { type: 'object', additionalProperties: true, description: 'OpenAPI 3.1 document' } }
    }
  }, async () => app.swagger())

  // the usual place to look for an API reference
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => await reply.redirect(DOCS_PREFIX, 302))
}

/**
 * Swagger UI at DOCS_PREFIX, loaded on the first request for it (issue 15, "a quick start": loading the
 * plugin and reading its files was ~40 ms of every start). It runs in a small Fastify instance of its
 * own, fed the document as generated here, and the sandbox's routes forward to it; they stay hidden
 * from the document as the plugin's own routes were.
 */
function registerDocs (app: FastifyInstance<any, any, any, any, any>): void {
  let docs: Promise<FastifyInstance> | undefined
  const load = async (): Promise<FastifyInstance> => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui')
    const inner = Fastify({ logger: false })
    await inner.register(swagger, { mode: 'static', specification: { document: app.swagger() as any } })
    await inner.register(swaggerUi, { routePrefix: DOCS_PREFIX })
    await inner.ready()
    return inner
  }
  const forward = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    docs ??= load().catch((err) => { docs = undefined; throw err })
    const res = await (await docs).inject({ method: request.method as 'GET' | 'HEAD', url: request.url, headers: request.headers })
    // a file the reference does not have: the sandbox's own 404, in the provider's envelope
    if (res.statusCode === 404) { reply.callNotFound(); return reply }
    for (const [name, value] of Object.entries(res.headers)) {
      if (!['content-length', 'connection', 'keep-alive', 'transfer-encoding', 'date'].includes(name) && value !== undefined) void reply.header(name, value)
    }
    return await reply.code(res.statusCode).send(res.rawPayload)
  }
  app.get(DOCS_PREFIX, { schema: { hide: true } }, forward)
  app.get(`${DOCS_PREFIX}/*`, { schema: { hide: true } }, forward)
  app.addHook('onClose', async () => { if (docs !== undefined) await (await docs.catch(() => undefined))?.close() })
}

/** The document as committed: two-space JSON with a final newline. */
export function serializeOpenApi (document: unknown): string {
  return JSON.stringify(document, null, 2) + '\n'
}
