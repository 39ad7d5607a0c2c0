import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { basic, bearer, build, fixture, SEED_APP, smsStep, token } from '../helper.js'
import { buildApp } from '../../src/app.js'
import { ERRORS } from '../../src/errors.js'
import { ROOT } from '../../src/paths.js'

// provider-api.md §7: every answer to a client's mistake is provider-shaped and never a 5xx

const JSON_TYPE = { 'content-type': 'application/json' }

interface Answer { statusCode: number, body: string, headers: Record<string, unknown> }

/** The provider envelope {code, developerMessage, type[, properties]} or, for OAuth and 401s, {error, error_description}. */
function providerShaped (t: Test, res: Answer, name: string): any {
  t.ok(res.statusCode < 500, `${name}: ${res.statusCode} is not a 5xx`)
  let body: any
  try {
    body = JSON.parse(res.body)
  } catch {
    t.fail(`${name}: the body is JSON`, { body: res.body.slice(0, 200) })
    return undefined
  }
  t.match(String(res.headers['content-type']), /^application\/json/, `${name}: JSON content type`)
  if (res.statusCode < 300) return body
  if ('error' in body) {
    t.same(Object.keys(body).sort(), ['error', 'error_description'], `${name}: OAuth2 body`)
    t.type(body.error_description, 'string', `${name}: error_description`)
    return body
  }
  t.match(body.code, /^\d{9}$/, `${name}: a 9-digit code`)
  t.equal(String(body.code).slice(0, 3), String(res.statusCode), `${name}: the code starts with the HTTP status`)
  t.ok(typeof body.developerMessage === 'string' && body.developerMessage.length > 0, `${name}: a developerMessage`)
  t.type(body.type, 'string', `${name}: a type`)
  for (const key of Object.keys(body)) t.ok(['code', 'developerMessage', 'type', 'properties'].includes(key), `${name}: no stray field ${key}`)
  return body
}

function expectError (t: Test, res: Answer, entry: { status: number, code: string, type: string, message: string }, name: string): void {
  const body = providerShaped(t, res, name)
  t.equal(res.statusCode, entry.status, `${name}: status`)
  t.equal(body?.code, entry.code, `${name}: code`)
  t.equal(body?.type, entry.type, `${name}: type`)
  t.equal(body?.developerMessage, entry.message, `${name}: developerMessage`)
}

t.test('malformed JSON → 400 with its own message, on every JSON endpoint', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const endpoints: Array<[string, string]> = [['POST', '/failover'], ['POST', '/failover/transactional'], ['POST', '/failover/tracking'],
    ['POST', '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id'], ['PUT', '/_sandbox/balance'], ['POST', '/_sandbox/accounts']]
  for (const [method, url] of endpoints) {
    for (const payload of ['{not json', '{"flow": [}', '{"flow": []', "{'flow': []}", '{"a":1}{"b":2}', 'undefined', '\u0000']) {
      const res = await app.inject({ method: method as 'POST', url, headers: bearer(tok, JSON_TYPE), payload })
      expectError(t, res, ERRORS.MALFORMED_JSON, `${method} ${url} ${JSON.stringify(payload)}`)
    }
  }
})

t.test('an empty body, or a body that is not an object → 400', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  for (const url of ['/failover', '/failover/transactional']) {
    expectError(t, await app.inject({ method: 'POST', url, headers: bearer(tok, JSON_TYPE), payload: '' }), ERRORS.EMPTY_BODY, `${url}: empty JSON body`)
    expectError(t, await app.inject({ method: 'POST', url, headers: bearer(tok) }), ERRORS.BODY_NOT_OBJECT, `${url}: no body at all`)
    for (const payload of ['[]', '[{"flow":[]}]', '"flow"', '42', 'true', 'null']) {
      expectError(t, await app.inject({ method: 'POST', url, headers: bearer(tok, JSON_TYPE), payload }), ERRORS.BODY_NOT_OBJECT, `${url}: ${payload}`)
    }
  }
  expectError(t, await app.inject({ method: 'PUT', url: '/_sandbox/balance', headers: JSON_TYPE, payload: '[]' }), ERRORS.BODY_NOT_OBJECT, 'control route: an array')
})

t.test('Content-Type: application/json with an empty body: no body on routes that take none, 400 on routes that need one', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const created = await app.inject({ method: 'POST', url: '/_sandbox/accounts', headers: JSON_TYPE, payload: '' })
  t.equal(created.statusCode, 200, 'POST /_sandbox/accounts (optional body): an account with the defaults')
  const other = created.json().accountId
  for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
    const headers = { 'content-type': type }
    const res = async (method: string, url: string, extra: Record<string, string> = {}): Promise<Answer> =>
      await app.inject({ method: method as 'POST', url, headers: { ...headers, ...extra }, payload: '' })
    t.equal((await res('POST', '/_sandbox/reset')).statusCode, 200, `${type}: POST /_sandbox/reset`)
    t.equal((await res('DELETE', '/_sandbox/messages')).statusCode, 204, `${type}: DELETE /_sandbox/messages`)
    expectError(t, await res('POST', '/_sandbox/templates/nope/approve'), ERRORS.TEMPLATE_NOT_FOUND, `${type}: approve reads no body`)
    expectError(t, await res('POST', '/_sandbox/templates/nope/reject'), ERRORS.TEMPLATE_NOT_FOUND, `${type}: reject reads no body`)
    expectError(t, await res('POST', '/_sandbox/callbacks/nope/redeliver'), ERRORS.CALLBACK_NOT_FOUND, `${type}: redeliver reads no body`)
    expectError(t, await res('DELETE', '/viber/transactional/templates/nope', bearer(tok)), ERRORS.TEMPLATE_NOT_FOUND, `${type}: template DELETE reads no body`)
    t.equal((await res('GET', '/accounts/me/balance', bearer(tok))).statusCode, 200, `${type}: a GET`)
    const search = await res('POST', '/failover/tracking', bearer(tok))
    t.same([search.statusCode, JSON.parse(search.body).number], [200, 0], `${type}: a search without filters (its body is optional)`)
    // an optional body left empty is absent: /oauth/token then asks for its grant, in the OAuth2 shape
    const grant = await res('POST', '/oauth/token', { authorization: basic(SEED_APP.id, SEED_APP.secret) })
    t.same([grant.statusCode, JSON.parse(grant.body).error], [400, 'unsupported_grant_type'], `${type}: /oauth/token`)
    // routes that need a body keep their answer
    expectError(t, await res('PUT', '/_sandbox/balance'), ERRORS.EMPTY_BODY, `${type}: PUT /_sandbox/balance needs a body`)
    expectError(t, await res('POST', '/_sandbox/clock/advance'), ERRORS.EMPTY_BODY, `${type}: POST /_sandbox/clock/advance needs a body`)
    expectError(t, await res('POST', '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', bearer(tok)), ERRORS.EMPTY_BODY, `${type}: template POST needs a body`)
    expectError(t, await res('POST', '/failover', bearer(tok)), ERRORS.EMPTY_BODY, `${type}: POST /failover needs a body`)
    // an empty body is not whitespace: that is still not JSON
    expectError(t, await app.inject({ method: 'POST', url: '/_sandbox/reset', headers, payload: ' ' }), ERRORS.MALFORMED_JSON, `${type}: a blank body`)
  }
  // whatever its Content-Type: an empty body is no body where none is needed, and the wrong type where one is
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/xml']) {
    const headers = bearer(tok, { 'content-type': type })
    t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset', headers, payload: '' })).statusCode, 200, `${type}: POST /_sandbox/reset`)
    expectError(t, await app.inject({ method: 'DELETE', url: '/viber/transactional/templates/nope', headers, payload: '' }), ERRORS.TEMPLATE_NOT_FOUND, `${type}: template DELETE`)
    t.equal((await app.inject({ method: 'POST', url: '/failover/tracking', headers, payload: '' })).statusCode, 200, `${type}: a search without filters`)
    expectError(t, await app.inject({ method: 'POST', url: '/failover', headers, payload: '' }), ERRORS.UNSUPPORTED_CONTENT_TYPE, `${type}: POST /failover needs a JSON body`)
    expectError(t, await app.inject({ method: 'DELETE', url: '/viber/transactional/templates/nope', headers, payload: 'x=1' }), ERRORS.UNSUPPORTED_CONTENT_TYPE, `${type}: a body of another type is still refused`)
  }
  const templates = await app.inject({ method: 'GET', url: '/viber/transactional/templates', headers: bearer(tok) })
  const id = templates.json()[0].id
  const deleted = await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${id}`, headers: bearer(tok, JSON_TYPE), payload: '' })
  t.equal(deleted.statusCode, 204, 'a template DELETE with the header and no body deletes')
  const gone = await app.inject({ method: 'DELETE', url: `/_sandbox/accounts/${other}`, headers: JSON_TYPE, payload: '' })
  t.equal(gone.statusCode, 204, 'DELETE /_sandbox/accounts/{id} with the header and no body deletes')
})

t.test('a wrong content type → 400 Unsupported Content-Type; JSON is recognised in any case and with a charset', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const body = JSON.stringify({ flow: [smsStep()] })
  for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/problem+json']) {
    const res = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, { 'content-type': type }), payload: type.includes('form-urlencoded') ? 'flow=1' : body })
    expectError(t, res, ERRORS.UNSUPPORTED_CONTENT_TYPE, type)
  }
  const form = await app.inject({ method: 'POST', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', headers: bearer(tok, { 'content-type': 'application/x-www-form-urlencoded' }), payload: 'name=x&languages=en' })
  expectError(t, form, ERRORS.UNSUPPORTED_CONTENT_TYPE, 'a form on the templates endpoint')
  const none = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok), payload: Buffer.from(body) })
  expectError(t, none, ERRORS.UNSUPPORTED_CONTENT_TYPE, 'a body without Content-Type')
  for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8']) {
    t.equal((await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, { 'content-type': type }), payload: body })).statusCode, 200, type)
  }
  t.match(ERRORS.UNSUPPORTED_CONTENT_TYPE.message, 'application/json')
})

t.test('a Content-Length that does not match the body → 400 with its own message', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const res = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, { ...JSON_TYPE, 'content-length': '100' }), payload: '{}' })
  expectError(t, res, ERRORS.BAD_CONTENT_LENGTH, 'Content-Length 100 for 2 bytes')
})

t.test('a body over 1 MB → 413; exactly 1 MB is read', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const MB = 1024 * 1024
  const sized = (bytes: number): string => {
    const head = '{"flow":[],"pad":"'
    return head + 'x'.repeat(bytes - head.length - 2) + '"}'
  }
  t.equal(Buffer.byteLength(sized(MB)), MB)
  const atLimit = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, JSON_TYPE), payload: sized(MB) })
  t.equal(atLimit.statusCode, 400, 'exactly 1 MB: read, then refused for its empty flow')
  t.equal(atLimit.json().properties?.flow, 'must not be empty.')
  for (const url of ['/failover', '/failover/transactional', '/viber/transactional/templates?senderInfoTrackingId=x']) {
    expectError(t, await app.inject({ method: 'POST', url, headers: bearer(tok, JSON_TYPE), payload: sized(MB + 1) }), ERRORS.BODY_TOO_LARGE, `${url}: 1 MB + 1 byte`)
  }
  const oauth = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials&x=' + 'y'.repeat(MB) })
  expectError(t, oauth, ERRORS.BODY_TOO_LARGE, '/oauth/token over 1 MB')
})

t.test('an unknown route or method → 404 in the provider envelope, naming what was asked', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const cases: Array<[string, string]> = [['GET', '/nope'], ['GET', '/failover'], ['DELETE', '/failover'], ['PUT', '/failover/transactional'],
    ['GET', '/oauth/token'], ['POST', '/accounts/me/balance'], ['GET', '/failover/tracking'], ['GET', '/_sandbox/nope'], ['PATCH', '/viber/transactional/templates'], ['OPTIONS', '/failover']]
  for (const [method, url] of cases) {
    const res = await app.inject({ method: method as 'GET', url: `${url}?page=1`, headers: bearer(tok) })
    const body = providerShaped(t, res, `${method} ${url}`)
    t.equal(res.statusCode, 404, `${method} ${url}`)
    t.equal(body?.code, ERRORS.ROUTE_NOT_FOUND.code)
    t.equal(body?.type, ERRORS.ROUTE_NOT_FOUND.type)
    t.equal(body?.developerMessage, `Route ${method} ${url} not found: check the method and path.`, 'the query string is left out')
  }
})

t.test('a URL that cannot be decoded → 400 in the provider envelope', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  for (const url of ['/%zz', '/failover/tracking/%E0%A4%A', '/_sandbox/%']) {
    expectError(t, await app.inject({ method: 'GET', url, headers: bearer(tok) }), ERRORS.BAD_URL, url)
  }
})

t.test('prototype-poisoning bodies are refused and pollute nothing', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const bodies = [
    '{"__proto__": {"polluted": true}, "flow": []}',
    '{"flow": [{"type": "Sms", "__proto__": {"polluted": true}}]}',
    '{"constructor": {"prototype": {"polluted": true}}, "flow": []}',
    '{"flow": [{"type": "Sms", "order": 1, "message": {"constructor": {"prototype": {"polluted": true}}}}]}'
  ]
  for (const url of ['/failover', '/failover/transactional', '/failover/tracking']) {
    for (const payload of bodies) {
      expectError(t, await app.inject({ method: 'POST', url, headers: bearer(tok, JSON_TYPE), payload }), ERRORS.MALFORMED_JSON, `${url} ${payload}`)
    }
  }
  t.match(ERRORS.MALFORMED_JSON.message, '__proto__', 'the message says why such a body is refused')
  // the form parser of /oauth/token keeps __proto__ as a plain key
  const form = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' }, payload: '__proto__[polluted]=true&constructor[prototype][polluted]=true&grant_type=client_credentials' })
  t.equal(form.statusCode, 200)
  t.equal(({} as any).polluted, undefined, 'Object.prototype is untouched')
  t.equal((Object.prototype as any).polluted, undefined)
})

t.test('Expect: 100-continue and an empty Expect: header are both tolerated by a listening server', async (t) => {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const call = async (expect: string): Promise<Answer & { continued: boolean }> => await new Promise((resolve, reject) => {
    let continued = false
    const payload = 'grant_type=client_credentials'
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/oauth/token',
      headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(payload.length), expect }
    }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, body, headers: res.headers, continued }))
    })
    req.on('error', reject)
    req.on('continue', () => { continued = true; req.end(payload) })
    if (expect !== '100-continue') req.end(payload)
  })
  const hundred = await call('100-continue')
  t.ok(hundred.continued, 'the server answers 100 Continue')
  t.equal(hundred.statusCode, 200, hundred.body)
  t.equal(JSON.parse(hundred.body).token_type, 'bearer')
  const empty = await call('')
  t.equal(empty.statusCode, 200, `an empty Expect: header is not a 417 (${empty.statusCode} ${empty.body})`)
  t.equal(empty.body === '' ? undefined : JSON.parse(empty.body).token_type, 'bearer')
})

/** Every path of a JSON value: `['flow', 0, 'to']`. */
function paths (value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = []
  if (Array.isArray(value)) value.forEach((v, i) => { out.push([...prefix, i], ...paths(v, [...prefix, i])) })
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push([...prefix, k], ...paths(v, [...prefix, k]))
  }
  return out
}

function mutate (value: any, path: Array<string | number>, replacement: unknown): any {
  const copy = structuredClone(value)
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key]
  const last = path[path.length - 1]
  if (replacement === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1)
    else delete node[last]
  } else node[last] = replacement
  return copy
}

const DELETE = Symbol('delete')
const ODD_VALUES: unknown[] = [DELETE, null, true, 0, -1, 1.5, 1e308, '', ' ', 'x', 'x'.repeat(5000), '\u0000', '😀', [], [null], {}, { __proto: 1 }]

t.test('every field of both examples, replaced by odd values or removed: 200 or a provider-shaped 4xx, never a 5xx', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 1000000 } })
  let answered = 0
  const statuses = new Map<number, number>()
  for (const [file, url] of [['seed-example.json', '/failover/transactional'], ['legacy-3-step.json', '/failover']]) {
    const example = fixture(file)
    for (const path of paths(example)) {
      for (const odd of ODD_VALUES) {
        const body = mutate(example, path, odd)
        const res = await app.inject({ method: 'POST', url, headers: bearer(tok), payload: body })
        answered++
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode >= 500 || ![200, 400, 403].includes(res.statusCode)) {
          t.fail(`${url} ${path.join('.')} = ${typeof odd === 'symbol' ? '(removed)' : JSON.stringify(odd)?.slice(0, 40)} → ${res.statusCode}`, { body: res.body.slice(0, 300) })
          continue
        }
        if (res.statusCode !== 200) {
          const parsed = res.json()
          if (!/^\d{9}$/.test(parsed.code) || typeof parsed.developerMessage !== 'string' || parsed.developerMessage === '') {
            t.fail(`${url} ${path.join('.')}: not provider-shaped`, { body: res.body.slice(0, 300) })
          }
        }
      }
    }
  }
  t.ok(answered > 700, `${answered} mutated requests answered`)
  t.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0, `statuses ${JSON.stringify([...statuses])}`)
  t.notOk([...statuses.keys()].some((s) => s >= 500), 'no 5xx at all')
})

t.test('odd requests on every route of the emulated API and the control plane: never a 5xx', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const routes: Array<[string, string]> = [
    ['POST', '/oauth/token'], ['POST', '/failover'], ['POST', '/failover/transactional'], ['GET', '/failover/tracking/x'], ['POST', '/failover/tracking'],
    ['GET', '/accounts/me/balance'], ['GET', '/viber/transactional/templates'], ['POST', '/viber/transactional/templates'], ['DELETE', '/viber/transactional/templates/x'],
    ['PUT', '/_sandbox/balance'], ['POST', '/_sandbox/accounts'], ['DELETE', '/_sandbox/accounts/x'], ['POST', '/_sandbox/templates/x/approve'], ['POST', '/_sandbox/templates/x/reject'],
    ['POST', '/_sandbox/clock/advance'], ['PUT', '/_sandbox/clock'], ['PUT', '/_sandbox/scenarios'], ['GET', '/_sandbox/messages']
  ]
  const payloads: Array<[string, string | undefined]> = [['none', undefined], ['{}', '{}'], ['[]', '[]'], ['null', 'null'], ['"x"', '"x"'], ['{"a":{"b":{"c":[1,2,{"d":null}]}}}', '{"a":{"b":{"c":[1,2,{"d":null}]}}}'],
    ['deep', '['.repeat(2000) + ']'.repeat(2000)], ['huge number', '{"balance": 1e999, "seconds": 1e999}'], ['negative', '{"balance": -1, "seconds": -1}']]
  const queries = ['', '?page=-1&size=0', '?senderInfoTrackingId=&limit=abc', '?page=1e9&size=1000', '?status=%00&timeoutMs=-5']
  for (const [method, url] of routes) {
    for (const [name, payload] of payloads) {
      for (const query of queries) {
        const headers = payload === undefined ? bearer(tok) : bearer(tok, JSON_TYPE)
        const res = await app.inject({ method: method as 'POST', url: url + query, headers, payload })
        if (res.statusCode >= 500) t.fail(`${method} ${url}${query} with ${name} → ${res.statusCode}`, { body: res.body.slice(0, 300) })
        else if (res.statusCode >= 400) {
          const body = res.json()
          if (!('error' in body) && !/^\d{9}$/.test(body.code)) t.fail(`${method} ${url}${query} with ${name}: not provider-shaped`, { body: res.body.slice(0, 300) })
        }
      }
    }
  }
  t.pass('all answered')
})

t.test('an unexpected server error answers 500 Internal server error without leaking its message', async (t) => {
  const app = await buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual' } })
  t.teardown(async () => await app.close())
  app.get('/_test/boom', async () => { throw new Error('secret internals: /var/db password=hunter2') })
  await app.ready()
  const res = await app.inject({ method: 'GET', url: '/_test/boom' })
  t.equal(res.statusCode, 500)
  t.same(res.json(), { code: ERRORS.INTERNAL.code, developerMessage: ERRORS.INTERNAL.message, type: ERRORS.INTERNAL.type })
  t.notMatch(res.body, 'hunter2')
})

t.test('the catalog is consistent: codes, statuses, types, messages', async (t) => {
  const messages = new Map<string, string>()
  for (const [name, entry] of Object.entries(ERRORS)) {
    t.match(entry.code, /^\d{9}$/, `${name}: code has 9 digits`)
    t.equal(entry.code.slice(0, 3), String(entry.status), `${name}: code starts with the status`)
    t.ok(entry.message.length > 0, `${name}: a message`)
    t.match(entry.type, /^[A-Z][A-Za-z]+$/, `${name}: a type`)
    if (entry.status === 400 && !('oauth' in entry)) {
      t.ok(['ValidationError', 'InsufficientBalance'].includes(entry.type), `${name}: a 400 is a ValidationError or InsufficientBalance (§7)`)
    }
    const other = messages.get(entry.message)
    t.notOk(other, `${name}: a message of its own${other ? ` (shared with ${other})` : ''}`)
    messages.set(entry.message, name)
  }
})

t.test('every catalog entry is documented in README.md\'s error table', async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const missing = Object.keys(ERRORS).filter((name) => !readme.includes(`\`${name}\``))
  t.same(missing, [], `README.md lacks a row for: ${missing.join(', ')}`)
})
