import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { generateOpenApi, OPENAPI_FILE } from '../scripts/openapi.js'
import { LEGACY_EXAMPLE, operationIdFor, publicText, SEED_EXAMPLE, serializeOpenApi } from '../src/openapi.js'
import { ROOT } from '../src/paths.js'
import { advance, basic, bearer, build, fixture, send, SEED_APP, smsStep, token, tracking, viberStep, voiceStep } from './helper.js'
import { committedContract, Contract } from './contract.js'

const committed = (): any => JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))

t.test('openapi/openapi.json is what the routes produce', async (t) => {
  const generated = await generateOpenApi()
  const onDisk = readFileSync(OPENAPI_FILE, 'utf8')
  // deepEqual first: its diff names the paths that changed; then the exact bytes
  t.same(JSON.parse(onDisk), JSON.parse(generated), 'openapi/openapi.json is out of date: run `npm run openapi` and commit the result')
  t.equal(onDisk, generated, 'openapi/openapi.json is out of date: run `npm run openapi` and commit the result')
  t.equal(await generateOpenApi(), generated, 'two runs write the same bytes')
})

t.test('GET /_sandbox/openapi.json serves the committed document; /_sandbox/docs the interactive reference', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/_sandbox/openapi.json' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /application\/json/)
  t.equal(serializeOpenApi(res.json()), readFileSync(OPENAPI_FILE, 'utf8'))

  const docs = await app.inject({ method: 'GET', url: '/_sandbox/docs' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
  t.match(docs.body, /swagger-ui/i)
  const initializer = await app.inject({ method: 'GET', url: '/_sandbox/docs/static/swagger-initializer.js' })
  t.equal(initializer.statusCode, 200)
  const json = await app.inject({ method: 'GET', url: '/_sandbox/docs/json' })
  t.same(json.json(), res.json(), 'the reference reads the same document')
})

t.test('the document: OpenAPI 3.1, two tags, named components, security, errors, examples', async (t) => {
  const doc = committed()
  t.match(doc.openapi, /^3\.1\./)
  t.same(doc.servers.map((s: any) => s.url), ['/'], 'relative: Try it out reaches the sandbox that served the page, on any port')
  t.same(doc.tags.map((tag: any) => tag.name), ['Provider API', 'Sandbox control'])

  const names = Object.keys(doc.components.schemas)
  for (const name of ['Error', 'OAuthError', 'Tracking', 'TrackingMessage', 'TrackingPage', 'Template', 'Balance', 'TokenResponse',
    'FailoverRequest', 'FailoverResponse', 'TransactionalFailoverRequest', 'TransactionalFailoverResponse', 'Callback', 'DialPlan']) {
    t.ok(names.includes(name), `component ${name}`)
  }
  t.notOk(names.some((n) => /^def-\d+$/.test(n)), 'no def-N names')
  t.notOk(JSON.stringify(doc).includes('#/components/schemas/def-'), 'no reference to a def-N')
  t.notOk(JSON.stringify(doc).includes('"$id"'), 'no $id left in schemas')
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]*)"/g)].map((m) => m[1])
  t.ok(refs.length > 0)
  const dangling = [...new Set(refs)].filter((ref) => !ref.startsWith('#/components/schemas/') || !names.includes(ref.slice('#/components/schemas/'.length)))
  t.same(dangling, [], 'every $ref names a component (a Type.Ref to a schema not in REFERENCED_SCHEMAS stays unresolved)')
  t.same(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearer.description })
  t.equal(doc.components.securitySchemes.basic.scheme, 'basic')

  const operations: Array<{ path: string, method: string, op: any }> = []
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) operations.push({ path, method, op })
  }
  for (const { path, method, op } of operations) {
    const where = `${method.toUpperCase()} ${path}`
    t.equal(op.tags.length, 1, `${where} has one tag`)
    t.equal(op.tags[0], path.startsWith('/_sandbox') ? 'Sandbox control' : 'Provider API', `${where} tag`)
    t.ok(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${where} documents its success`)
    for (const [status, response] of Object.entries<any>(op.responses)) {
      if (Number(status) < 400) continue
      const ref = response.content?.['application/json']?.schema?.$ref
      const refs = ref !== undefined ? [ref] : (response.content?.['application/json']?.schema?.anyOf ?? []).map((s: any) => s.$ref)
      t.ok(refs.length > 0 && refs.every((r: string) => r === '#/components/schemas/Error' || r === '#/components/schemas/OAuthError'), `${where} ${status} is an error envelope`)
    }
    if (path === '/oauth/token') t.same(op.security, [{ basic: [] }], 'the token endpoint takes Basic credentials')
    else if (path.startsWith('/_sandbox')) {
      // open, or the admin token when one is set; a route may declare itself open ([]) instead
      t.ok(Array.isArray(op.security) && op.security.every((r: any) => Object.keys(r).every((k) => k === 'sandboxAdmin')), `${where}: security declared`)
    } else {
      t.same(op.security, [{ bearer: [] }], `${where} takes a bearer token`)
      t.equal(op.responses['401']?.content['application/json'].schema.$ref, '#/components/schemas/OAuthError', `${where} documents its 401`)
    }
  }
  const provider = operations.filter((o) => !o.path.startsWith('/_sandbox')).map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()
  t.same(provider, [
    'DELETE /viber/transactional/templates/{templateId}',
    'GET /accounts/me/balance',
    'GET /failover/tracking/{trackingId}',
    'GET /viber/transactional/templates',
    'POST /failover',
    'POST /failover/tracking',
    'POST /failover/transactional',
    'POST /oauth/token',
    'POST /viber/transactional/templates'
  ], 'every provider endpoint of provider-api.md')

  const example = (path: string): any => Object.values<any>(doc.paths[path].post.requestBody.content['application/json'].examples)[0].value
  t.same(example('/failover/transactional'), fixture('seed-example.json'), 'the seed page example')
  t.same(example('/failover'), fixture('legacy-3-step.json'), "the provider's legacy example")
  t.same(SEED_EXAMPLE, fixture('seed-example.json'))
  t.same(LEGACY_EXAMPLE, fixture('legacy-3-step.json'))
  t.notOk(JSON.stringify(doc.components.schemas).includes('"example"'), 'schemas use JSON Schema `examples` (OpenAPI 3.1)')

  const ids = operations.map((o) => o.op.operationId)
  t.ok(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id)), 'every operation has an operationId')
  t.equal(new Set(ids).size, ids.length, 'operationIds are unique')
  t.equal(doc.paths['/failover/transactional'].post.operationId, 'sendTransactionalFailover')
  t.notOk(/§|shared\/spec/.test(JSON.stringify(doc)), 'no references to the project’s own specification files')
  t.same(Object.keys(doc.paths['/oauth/token'].post.requestBody.content), ['application/x-www-form-urlencoded', 'application/json'], 'the token endpoint documents its JSON form')
  t.same(doc.components.securitySchemes.sandboxAdmin, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.sandboxAdmin.description })
  t.notOk(JSON.stringify(doc.components.schemas.TransactionalFailoverRequest).includes('"default"'), 'no default in request schemas: generated clients keep those fields optional')
  t.match(doc.components.schemas.FailoverResponse.required, ['trackingId', 'flow', 'createdAt'], 'responses say what is always present')
})

t.test('helpers: operationIdFor, publicText', async (t) => {
  t.equal(operationIdFor('post', '/_sandbox/callbacks/{callbackId}/redeliver'), 'postSandboxCallbacksByCallbackIdRedeliver')
  t.equal(operationIdFor('get', '/_sandbox/webhooks/{name}'), 'getSandboxWebhooksByName')
  t.equal(operationIdFor('delete', '/viber/transactional/templates/{templateId}'), 'deleteTemplate')
  t.equal(publicText('The provider error envelope (§7)'), 'The provider error envelope')
  t.equal(publicText('§1: the token'), 'the token')
  t.equal(publicText('see ../shared/spec/provider-api.md'), 'see the specification')
})

t.test('redocly lint (the pinned @redocly/cli) finds no error in openapi/openapi.json', async (t) => {
  const bin = join(ROOT, 'node_modules', '.bin', 'redocly')
  const result = spawnSync(bin, ['lint', OPENAPI_FILE, '--format=json'], { encoding: 'utf8', env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, timeout: 60_000 })
  const report = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')))
  const errors = report.problems.filter((p: any) => p.severity === 'error')
  t.same(errors.map((p: any) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? ''}`), [], 'no lint errors')
  t.equal(result.status, 0, result.stderr)
})

t.test('/docs redirects to the interactive reference', async (t) => {
  const app = await build(t)
  for (const url of ['/docs', '/docs/']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 302, url)
    t.equal(res.headers.location, '/_sandbox/docs')
  }
})

t.test('the contract check', async (t) => {
  const contract = committedContract()
  const record = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    trackingId: '6f1c2b0e-1d2a-4c3b-9e4f-5a6b7c8d9e0f',
    flowKind: 'standard',
    status: 'InProgress',
    statusCode: null,
    terminationChannel: 'Sms',
    totalPrice: 0.036,
    originatingService: 'Failover',
    applicationId: 'sandbox-app',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    messages: [{
      type: 'Sms',
      to: '+306912345678',
      order: 1,
      failoverOnStatuses: ['Undelivered'],
      from: 'YourBrand',
      country: 'GR',
      status: { name: 'Queued', reason: { detailedStatus: 'Queued', description: 'queued' }, updatedDate: '2026-01-01T00:00:00.000Z' },
      price: 0.036,
      createdAt: '2026-01-01T00:00:00.000Z',
      messageId: 'm1',
      smsId: 's1',
      body: 'hi',
      operator: 'Sandbox Mobile',
      part: 1,
      parts: 1,
      latency: null,
      label: null,
      ttl: 1200
    }],
    ...overrides
  })
  const check = (body: unknown, status = 200): ReturnType<Contract['check']> =>
    contract.check('GET', '/failover/tracking/:trackingId', status, 'application/json; charset=utf-8', JSON.stringify(body))

  t.same(check(record()), { ok: true, problems: [] }, 'a documented record passes (nullable fields as null)')
  const extra = check(record({ sandboxNote: 'x' }))
  t.equal(extra.ok, false, 'an undocumented top-level field fails')
  t.match(extra.problems.join('\n'), /undocumented property "sandboxNote"/)
  const nested = record()
  ;(nested.messages as any)[0].status.reason.extra = 1
  t.equal(check(nested).ok, false, 'an undocumented nested field fails')
  const voiceFieldOnSms = record()
  ;(voiceFieldOnSms.messages as any)[0].conversationTrackingId = 'c1'
  t.equal(check(voiceFieldOnSms).ok, false, 'another channel’s field fails')
  t.equal(check(record({ status: 'Done' })).ok, false, 'a value outside an enum fails')
  t.equal(check(record({ statusCode: 3 })).ok, false, 'a number where the document says string-or-null fails')
  t.equal(check(record({ createdAt: 'yesterday' })).ok, false, 'formats are checked')
  const missing = record()
  delete missing.applicationId
  t.equal(check(missing).ok, false, 'a missing required field fails')

  const undocumented = check({ code: '409000000', developerMessage: 'x', type: 'Conflict' }, 409)
  t.equal(undocumented.ok, false, 'a status the operation does not list fails')
  t.match(undocumented.problems[0], /status 409 is not documented/)
  t.equal(check({ code: '503000000', developerMessage: 'x', type: 'StorageUnavailable' }, 503).ok, true, 'every provider operation documents 503 (faults, storage)')
  t.equal(check({ code: '404000000', developerMessage: 'Tracking not found.', type: 'NotFound' }, 404).ok, true, 'the error envelope')
  t.equal(check({ code: '404000000', developerMessage: 'Tracking not found.', type: 'NotFound', hint: 'x' }, 404).ok, false, 'the envelope is closed too')
  t.match(contract.check('GET', '/nowhere', 200, 'application/json', '{}').problems[0], /not in the OpenAPI document/)
  t.equal(contract.check('DELETE', '/viber/transactional/templates/:templateId', 204, undefined, '').ok, true, '204 without a body')
  t.equal(contract.check('DELETE', '/viber/transactional/templates/:templateId', 204, undefined, '{}').ok, false, '204 with a body')

  // the parts the document leaves open (Type.Unknown, records) stay open
  const echo = {
    trackingId: '6f1c2b0e-1d2a-4c3b-9e4f-5a6b7c8d9e0f',
    flow: [{ type: 'Sms', order: 1, from: 'YourBrand', to: '+306912345678', ttl: 1200, failoverOnStatuses: ['Failed'], message: { body: 'hi', flash: false } }],
    restrictions: { anything: { nested: [1, 'two'] } },
    createdAt: '2026-01-01T00:00:00.000Z'
  }
  t.same(contract.check('POST', '/failover', 200, 'application/json', JSON.stringify(echo)), { ok: true, problems: [] }, 'restrictions is echoed as sent')
  const echoExtra = { ...echo, flow: [{ ...echo.flow[0], colour: 'red' }] }
  t.equal(contract.check('POST', '/failover', 200, 'application/json', JSON.stringify(echoExtra)).ok, false, 'an undocumented step field fails')
})

/** build() with a stand-in for tap's t that records contract failures instead of failing. */
function recording (t: Test): { t: Test, failures: Array<{ message: string, extra: any }> } {
  const failures: Array<{ message: string, extra: any }> = []
  const fake = { teardown: (fn: () => unknown) => t.teardown(fn), fail: (message: string, extra: any) => { failures.push({ message, extra }); return false } }
  return { t: fake as unknown as Test, failures }
}

t.test('build() fails a test whose response breaks the contract, and leaves /_sandbox alone', async (t) => {
  const rec = recording(t)
  let n = 0
  // ids that are not UUIDs: the document says access_token and trackingId are
  const app = await build(rec.t, { ids: { uuid: () => `id-${++n}` } })
  const res = await app.inject({
    method: 'POST', url: '/oauth/token', headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials'
  })
  t.equal(res.statusCode, 200)
  t.equal(rec.failures.length, 1)
  t.match(rec.failures[0].message, 'POST /oauth/token → 200')
  t.match(rec.failures[0].extra.problems.join('\n'), /access_token: must match format "uuid"/)
  const accounts = await app.inject({ method: 'POST', url: '/_sandbox/accounts', payload: {} })
  t.equal(accounts.statusCode, 200)
  await app.inject({ method: 'GET', url: '/no/such/route' })
  t.equal(rec.failures.length, 1, 'control routes and unmatched URLs are not checked')

  const off = recording(t)
  const unchecked = await build(off.t, { ids: { uuid: () => `id-${++n}` }, contract: false })
  await token(unchecked)
  t.equal(off.failures.length, 0, 'contract: false turns the check off')
})

// Every provider endpoint, successes and errors, through build(): the hook fails this test on any
// response the committed document does not describe. The statuses are asserted as well.
t.test('a tour of the provider API conforms to the document', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const json = { 'content-type': 'application/json' }

  // §1
  const narrow = await token(app, { scope: 'failover sms' })
  const noFailover = await token(app, { scope: 'sms viber' })
  const bad = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic('nobody', 'x'), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
  t.equal(bad.statusCode, 401)
  const form = { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' }
  t.equal((await app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: 'grant_type=password' })).statusCode, 400, 'grant: OAuth2 body')
  t.equal((await app.inject({ method: 'POST', url: '/oauth/token', headers: form, payload: 'grant_type=client_credentials&scope=admin' })).statusCode, 400, 'scope: OAuth2 body')
  t.equal((await app.inject({ method: 'POST', url: '/oauth/token', headers: { ...form, ...json }, payload: '{"grant_type": 1}' })).statusCode, 400, 'schema: provider envelope')

  // §2: the legacy example, each Viber layout, restrictions, url shortener
  t.equal((await send(app, tok, fixture('legacy-3-step.json'), { transactional: false })).statusCode, 200)
  const layouts = [
    { text: 'text only' },
    { imageUrl: 'https://example.com/a.png' },
    { text: 'with a button', action: { caption: 'Open', targetUrl: 'https://example.com' } },
    { text: 'all three', imageUrl: 'https://example.com/a.png', action: { caption: 'Open', targetUrl: 'https://example.com' } },
    { viberVideo: { videoUrl: 'https://example.com/v.mp4', videoThumbnail: 'https://example.com/t.png', fileSize: 2, duration: 30 }, text: 'video' },
    { viberFile: { fileName: 'invoice.pdf', fileType: 'pdf', fileUrl: 'https://example.com/i.pdf' } }
  ]
  const standardIds: string[] = []
  for (const message of layouts) {
    const res = await send(app, tok, {
      flow: [viberStep('+306900000200', { message, label: 'promo', inboundUrl: 'https://example.com/in', expireOnDelivery: true }), smsStep('+306900000200', { order: 2, message: { body: 'fallback', label: 'l' }, urlShortener: { urlValidity: 7200 } })],
      callback: { url: 'https://example.com/cb' },
      restrictions: { quietHours: { from: '22:00', to: '08:00' }, list: [1, 'a'] }
    }, { transactional: false })
    t.equal(res.statusCode, 200, res.body)
    standardIds.push(res.json().trackingId)
  }
  const { dialPlan: _plan, ...lowercase } = voiceStep('+306900000000', { dialplan: { verbs: [{ type: 'PLAY', fileURL: 'https://example.com/a.wav' }, { type: 'SAY', message: { text: 'hi', language: 'en-GB' } }] } })
  const voice = await send(app, tok, { flow: [lowercase] }, { transactional: false })
  t.equal(voice.statusCode, 200, voice.body)
  t.ok(voice.json().flow[0].dialPlan, 'one spelling echoed')

  // §3: the seed example, an OTP template, Voice after Viber, MANUAL outcomes
  const seed = await send(app, tok, fixture('seed-example.json'))
  t.equal(seed.statusCode, 200, seed.body)
  const otp = await send(app, tok, {
    flow: [
      { type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to: '+306900000219', templateId: 'c2cdc028-a48b-4187-bbaf-3aaa137b6e23', templateLang: 'en', templateParams: { pin: 1234 }, deliveryScope: 'ALL_DEVICES', seq: 7, order: 1, failoverOnStatuses: ['EXPIRED', 'UNDELIVERED', 'FAILED'] },
      voiceStep('+306900000219', { order: 2 })
    ]
  })
  t.equal(otp.statusCode, 200, otp.body)
  const manual = await send(app, tok, { flow: [smsStep('+306900000090')] }, { outcome: 'Sms=MANUAL' })
  t.equal(manual.statusCode, 200, manual.body)

  // §7 errors on the send endpoints
  t.equal((await send(app, tok, { flow: [smsStep('+30', { ttl: 'x' })] }, { transactional: false })).statusCode, 400)
  t.equal((await send(app, tok, fixture('seed-example.json'), { transactional: false })).statusCode, 400)
  t.equal((await send(app, noFailover, { flow: [smsStep()] }, { transactional: false })).statusCode, 403)
  t.equal((await app.inject({ method: 'POST', url: '/failover', headers: { ...json }, payload: '{}' })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/failover', headers: { authorization: 'Bearer nope', ...json }, payload: '{}' })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, json), payload: '{"flow": [' })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, { 'content-type': 'text/plain' }), payload: 'hello' })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: '/failover/transactional', headers: bearer(tok, json), payload: JSON.stringify({ flow: [smsStep('+306912345678', { message: { body: 'x'.repeat(1024 * 1024) } })] }) })).statusCode, 413)
  await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 0 } })
  t.equal((await send(app, tok, { flow: [smsStep()] }, { transactional: false })).statusCode, 400, 'insufficient balance')
  await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 100 } })

  // §4 and §5: records at every stage (queued, sent, delivered, seen, expired, failed over, completed)
  const ids = [...standardIds, voice.json().trackingId, seed.json().trackingId, otp.json().trackingId, manual.json().trackingId]
  for (const seconds of [0, 1, 2, 4, 7, 600, 3600]) {
    if (seconds > 0) await advance(app, { seconds })
    for (const id of ids) await tracking(app, tok, id)
  }
  await advance(app, { until: 'idle' })
  for (const id of ids) t.equal(typeof (await tracking(app, narrow, id)).status, 'string')
  t.equal((await app.inject({ method: 'GET', url: '/failover/tracking/00000000-0000-4000-8000-000000000000', headers: bearer(tok) })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: `/failover/tracking/${ids[0]}`, headers: bearer(noFailover) })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: `/failover/tracking/${ids[0]}` })).statusCode, 401)

  const search = async (body: unknown, query = ''): Promise<number> =>
    (await app.inject({ method: 'POST', url: `/failover/tracking${query}`, headers: bearer(tok, json), payload: JSON.stringify(body) })).statusCode
  t.equal(await search([]), 200)
  t.equal(await search([{ fieldName: 'type', searchTerm: 'Viber' }, { fieldName: 'to', searchOperator: 'STARTS_WITH', searchTerm: '+3069' }], '?page=0&size=2'), 200)
  t.equal(await search({ fieldName: 'flowKind', searchTerm: 'transactional' }, '?page=5&size=1000'), 200)
  t.equal(await search({ fieldName: 'colour', searchTerm: 'red' }), 400)
  t.equal(await search([], '?size=0'), 400)

  // §8
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(narrow) })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/viber/transactional/templates', headers: bearer(tok) })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', headers: bearer(tok) })).statusCode, 200)
  const created = await app.inject({ method: 'POST', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', headers: bearer(tok, json), payload: JSON.stringify({ name: 'hello', languages: { en: 'Hi {{name}}', 'pt-BR': 'Olá {{name}}' } }) })
  t.equal(created.statusCode, 200, created.body)
  t.equal((await app.inject({ method: 'POST', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', headers: bearer(tok, json), payload: JSON.stringify({ name: 'otp', category: 'OTP', languages: { en: 'no pin' } }) })).statusCode, 400)
  t.equal((await app.inject({ method: 'POST', url: '/viber/transactional/templates', headers: bearer(tok, json), payload: JSON.stringify({ name: 'x', languages: { en: 'x' } }) })).statusCode, 400)
  t.equal((await app.inject({ method: 'GET', url: '/viber/transactional/templates', headers: bearer(narrow) })).statusCode, 403)
  t.equal((await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${created.json().id}`, headers: bearer(tok) })).statusCode, 204)
  t.equal((await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${created.json().id}`, headers: bearer(tok) })).statusCode, 404)
})

t.test('the reference is loaded on its first request: files, HEAD, and a missing file in the provider\'s envelope', async (t) => {
  const app = await build(t)
  const missing = await app.inject({ method: 'GET', url: '/_sandbox/docs/static/no-such-file.js' })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, '404000000', 'the provider-shaped 404')
  const css = await app.inject({ method: 'GET', url: '/_sandbox/docs/static/swagger-ui.css' })
  t.equal(css.statusCode, 200)
  t.match(css.headers['content-type'], /text\/css/)
  t.ok(css.rawPayload.length > 1000, 'the whole file')
  const head = await app.inject({ method: 'HEAD', url: '/_sandbox/docs' })
  t.equal(head.statusCode, 200)
  const slash = await app.inject({ method: 'GET', url: '/_sandbox/docs/' })
  t.equal(slash.statusCode, 200)
  t.match(slash.body, /swagger-ui/i)
  const doc = committed()
  t.notOk(Object.keys(doc.paths).some((p: string) => p.startsWith('/_sandbox/docs')), 'the reference\'s routes are not in the document')
})
