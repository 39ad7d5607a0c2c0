import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { basic, bearer, build, FakeTime, send, SEED_APP, smsStep, templateViberStep, token, viberStep } from '../helper.js'
import { ConfigError } from '../../src/config.js'
import { ERRORS } from '../../src/errors.js'
import { loadSeed } from '../../src/seed.js'

/*
 * Inputs found wrong by a black-box audit against the specs (round two, last session): each is a 4xx
 * that says what to fix, or the answer the spec gives, never a silent change of meaning.
 */

const JSON_TYPE = { 'content-type': 'application/json' }

t.test('a number too large to hold (1e400, 309 digits) is a 400 naming its field, not an integer stored as null', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  for (const [name, raw, path] of [
    ['order 1e400', '{"flow":[{"type":"Sms","from":"YourBrand","to":"+306912345678","message":{"body":"hi"},"order":1e400}]}', 'flow[0].order'],
    ['order 1E+400', '{"flow":[{"type":"Sms","from":"YourBrand","to":"+306912345678","message":{"body":"hi"},"order":1E+400}]}', 'flow[0].order'],
    ['ttl of 309 digits', `{"flow":[{"type":"Sms","from":"YourBrand","to":"+306912345678","message":{"body":"hi"},"order":1,"ttl":${'9'.repeat(309)}}]}`, 'flow[0].ttl'],
    ['a long mantissa with a short exponent', `{"flow":[{"type":"Sms","from":"YourBrand","to":"+306912345678","message":{"body":"hi"},"order":1${'0'.repeat(300)}e10}]}`, 'flow[0].order'],
    ['an unknown property', '{"flow":[{"type":"Sms","from":"YourBrand","to":"+306912345678","message":{"body":"hi"},"order":1,"extra":{"n":-2e999}}]}', 'flow[0].extra.n'],
    ['a PLAY verb\'s repeat', '{"flow":[{"type":"Voice","from":"Sandbox","to":{"phone":"+306912345678"},"dialPlan":{"verbs":[{"type":"PLAY","fileURL":"https://example.com/a.mp3","repeat":-1e400}]},"order":1}]}', 'flow[0].dialPlan.verbs[0].repeat']
  ] as const) {
    const res = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, JSON_TYPE), payload: raw })
    t.equal(res.statusCode, 400, `${name}: 400`)
    t.equal(res.json().code, '400000000', `${name}: the validation code`)
    t.match(res.json().properties, { [path]: /too large/ }, `${name}: names ${path}`)
  }
  const seq = await app.inject({ method: 'POST', url: '/failover/transactional', headers: bearer(tok, JSON_TYPE), payload: JSON.stringify({ flow: [templateViberStep()] }).replace('"order":1', '"order":1,"seq":1e400') })
  t.equal(seq.statusCode, 400, 'a transactional seq of 1e400: 400')
  t.match(seq.json().developerMessage, /flow\[0\]\.seq: .*too large/)
  // the text scan only decides whether to look: "1e400" inside a string is text, and a small exponent a number
  const text = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, JSON_TYPE), payload: JSON.stringify({ flow: [smsStep('+306912345678', { message: { body: 'code 1e400 and 7e-500' } })] }) })
  t.equal(text.statusCode, 200, '"1e400" in a message body is accepted')
  t.equal(text.json().flow[0].message.body, 'code 1e400 and 7e-500')
  const small = await app.inject({ method: 'POST', url: '/failover', headers: bearer(tok, JSON_TYPE), payload: '{"flow":[{"type":"Sms","from":"YourBrand","to":"+306912345678","message":{"body":"hi"},"order":1e0,"ttl":1.2e2}]}' })
  t.equal(small.statusCode, 200, 'finite numbers in exponent form are numbers')
  t.equal(small.json().flow[0].ttl, 120)
})

t.test('template text parameters count characters, not UTF-16 units; integers must be exact', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const withName = (name: unknown): unknown => ({ flow: [templateViberStep('+306912345678', { templateParams: { customer_name: name } })] })
  const fifty = '😀'.repeat(50)
  const ok = await send(app, tok, withName(fifty))
  t.equal(ok.statusCode, 200, '50 emoji (100 UTF-16 units) are 50 characters: accepted')
  t.equal(ok.json().flow[0].templateParams.customer_name, fifty)
  const long = await send(app, tok, withName('😀'.repeat(51)))
  t.equal(long.statusCode, 400, '51 emoji: 400')
  t.match(long.json().developerMessage, /customer_name: is longer than 50 characters/)
  const huge = await send(app, tok, withName(1.2345678901234568e29))
  t.equal(huge.statusCode, 400, 'an integer beyond 2^53: 400, not echoed as 1.2345678901234568e+29')
  t.match(huge.json().developerMessage, /as a string/)
  t.equal((await send(app, tok, withName(9007199254740991))).statusCode, 200, '2^53 − 1 is exact: accepted')
})

t.test('a tracking id of any length is "Tracking not found", after the token is checked', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  for (const length of [101, 5000]) {
    const id = 'a'.repeat(length)
    const res = await app.inject({ method: 'GET', url: `/failover/tracking/${id}`, headers: bearer(tok) })
    t.equal(res.statusCode, 404, `${length} characters: 404`)
    t.same(res.json(), { code: '404000000', developerMessage: 'Tracking not found.', type: 'NotFound' })
    const anonymous = await app.inject({ method: 'GET', url: `/failover/tracking/${id}` })
    t.equal(anonymous.statusCode, 401, `${length} characters without a token: 401 first`)
  }
})

t.test('seq is a template field: on a /failover Viber step it is refused like templateId', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, { flow: [viberStep('+306912345678', { seq: 5 })] }, { transactional: false })
  t.equal(res.statusCode, 400)
  t.match(res.json().developerMessage, /flow\[0\]\.seq: .*\/failover\/transactional/)
})

t.test('a search term with a NUL character matches no number (SQLite LIKE would stop at it and match all)', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  t.equal((await send(app, tok, { flow: [smsStep('+306912345678')] }, { transactional: false })).statusCode, 200)
  const search = async (operator: string, term: string): Promise<number> => {
    const res = await app.inject({ method: 'POST', url: '/failover/tracking', headers: bearer(tok, JSON_TYPE), payload: { fieldName: 'to', searchOperator: operator, searchTerm: term } })
    t.equal(res.statusCode, 200, `${operator} ${JSON.stringify(term)}: 200`)
    return res.json().totalElements
  }
  t.equal(await search('contains', '6912'), 1, 'a real term still matches')
  for (const op of ['contains', 'starts_with', 'ends_with', 'is']) t.equal(await search(op, '\u0000'), 0, `${op} "\\u0000": nothing`)
  t.equal(await search('contains', '69\u000012'), 0, 'a NUL inside a term: nothing')
  t.equal(await search('is_not', '\u0000'), 1, 'is_not "\\u0000": every flow')
})

t.test('/oauth/token: credentials before the body, and text/plain is the wrong content type', async (t) => {
  const app = await build(t)
  const good = basic(SEED_APP.id, SEED_APP.secret)
  const bad = basic(SEED_APP.id, 'wrong')
  const malformed = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: bad, ...JSON_TYPE }, payload: '{bad' })
  t.equal(malformed.statusCode, 401, 'bad credentials and a malformed body: 401 beats 400')
  t.same(malformed.json(), { error: 'unauthorized', error_description: 'Bad credentials' })
  const plainBad = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: bad, 'content-type': 'text/plain' }, payload: 'grant_type=client_credentials' })
  t.equal(plainBad.statusCode, 401, 'bad credentials and text/plain: 401')
  const plain = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: good, 'content-type': 'text/plain' }, payload: 'grant_type=client_credentials' })
  t.equal(plain.statusCode, 400, 'text/plain with good credentials: 400')
  t.equal(plain.json().developerMessage, ERRORS.UNSUPPORTED_CONTENT_TYPE.message)
  const noCredentials = await app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/xml' }, payload: '<grant/>' })
  t.equal(noCredentials.statusCode, 401, 'no credentials and an XML body: 401')
  const form = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: good, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
  t.equal(form.statusCode, 200, 'the form still works')
})

/** Sends `request` as raw bytes on a new connection and reads everything until the server ends it. */
async function exchange (port: number, request: string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(request))
    let text = ''
    socket.on('data', (d) => { text += d.toString() })
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
  })
}

t.test('an HTTP/1.1 request without Host gets the provider envelope, not an empty 400', async (t) => {
  // refused before any route is served, like the framing errors of BAD_HTTP: no route documents it
  const app = await build(t, { contract: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const raw = await exchange(port, 'GET /failover/tracking/x HTTP/1.1\r\nConnection: close\r\n\r\n')
  t.match(raw, /^HTTP\/1\.1 400 /)
  const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))
  t.same(body, { code: '400000000', developerMessage: 'An HTTP/1.1 request needs a Host header: send one.', type: 'ValidationError' })
  const http10 = await exchange(port, 'GET /_sandbox/health HTTP/1.0\r\n\r\n')
  t.match(http10, /^HTTP\/1\.[01] 200 /, 'HTTP/1.0 needs no Host')
})

t.test('a body with thousands of faults gets an answer that lists 50 of them and counts the rest', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const extra = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`p${i}`, 'x']))
  const res = await send(app, tok, { flow: [templateViberStep('+306912345678', { templateParams: { customer_name: 'A', ...extra } })] })
  t.equal(res.statusCode, 400)
  t.ok(res.body.length < 20_000, `a bounded answer (${res.body.length} bytes)`)
  t.equal(Object.keys(res.json().properties).length, 50, '50 problems in properties')
  t.match(res.json().developerMessage, /\(2950 more problems not listed: fix these first\.\)$/)
  t.match(res.json().developerMessage, /^flow\[0\]\.templateParams\.p0, /, 'the first ones, in order')
})

t.test('a seed file that is not JSON stops the start with one line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'seed-line-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'seed.json')
  writeFileSync(file, 'not json\n')
  t.throws(() => loadSeed(file), ConfigError)
  try {
    loadSeed(file)
  } catch (err) {
    t.notMatch((err as Error).message, /\n/, 'no newline in the message')
    t.match((err as Error).message, /SANDBOX_SEED=.*cannot read it as JSON/)
  }
  t.equal(new ConfigError('a\n  b\r\nc').message, 'a b c', 'every ConfigError is one line')
})

t.test('the journal never shows more than SANDBOX_JOURNAL_MAX_ROWS, and a mistyped filter is a 400', async (t) => {
  const app = await build(t, { config: { SANDBOX_JOURNAL_MAX_ROWS: 5 } })
  const tok = await token(app)
  for (let i = 0; i < 12; i++) await app.inject({ method: 'GET', url: `/failover/tracking/missing-${i}`, headers: bearer(tok) })
  const count = await app.inject({ method: 'GET', url: '/_sandbox/requests/count' })
  t.equal(count.json().count, 5, 'the count is at the cap')
  const list = await app.inject({ method: 'GET', url: '/_sandbox/requests?limit=100' })
  t.equal(list.json().length, 5, 'the list too')
  t.equal(list.json()[0].path, '/failover/tracking/missing-11', 'the newest are kept')
  const typo = await app.inject({ method: 'GET', url: '/_sandbox/requests?trackingid=x' })
  t.equal(typo.statusCode, 400, 'trackingid= (for trackingId=) is a 400, not every entry')
  t.match(typo.json().developerMessage, /trackingid/)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/requests/count?trackingid=x' })).statusCode, 400, 'on the count too')
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/messages?chanel=Sms' })).statusCode, 400, 'and on the messages')
  const fax = await app.inject({ method: 'GET', url: '/_sandbox/messages?channel=Fax' })
  t.equal(fax.statusCode, 400, 'an unknown channel is a 400')
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/messages?channel=sms' })).statusCode, 200, 'a channel in any case is fine')
})

t.test('a control call with a bearer token that names no account is a 404, never the sandbox account', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  t.equal((await send(app, tok, { flow: [smsStep('+306912345678')] }, { transactional: false })).statusCode, 200)
  const stale = await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: bearer('00000000-dead-beef-0000-000000000000') })
  t.equal(stale.statusCode, 404, 'an unknown token: 404')
  t.match(stale.json().developerMessage, /names no account/)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/messages' })).json().length, 1, 'the sandbox account was not reset')
  // an account's token acts on it; once the account is deleted, its token names nothing
  const created = (await app.inject({ method: 'POST', url: '/_sandbox/accounts' })).json()
  const other = await token(app, { id: created.applicationId, secret: created.applicationSecret })
  const balance = await app.inject({ method: 'PUT', url: '/_sandbox/balance', headers: bearer(other, JSON_TYPE), payload: { balance: 7 } })
  t.equal(balance.statusCode, 200, 'a live token acts on its account')
  t.equal((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(other) })).json().balance, 7, 'its account\'s balance was set')
  t.not((await app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tok) })).json().balance, 7, 'not the sandbox account\'s')
  t.equal((await app.inject({ method: 'DELETE', url: `/_sandbox/accounts/${created.accountId as string}` })).statusCode, 204)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/requests/count', headers: bearer(other) })).statusCode, 404, 'a deleted account\'s token: 404')
})

t.test('the admin token sent as the bearer names no account: the sandbox account', async (t) => {
  const app = await build(t, { config: { SANDBOX_ADMIN_TOKEN: 'admin-token-0123456789' } })
  const tok = await token(app)
  t.equal((await send(app, tok, { flow: [smsStep('+306912345678')] }, { transactional: false })).statusCode, 200)
  const res = await app.inject({ method: 'GET', url: '/_sandbox/messages', headers: bearer('admin-token-0123456789') })
  t.equal(res.statusCode, 200)
  t.equal(res.json().length, 1, 'the sandbox account\'s message')
})

t.test('control routes read JSON: a form or text body is the wrong content type; the webhook receiver takes anything', async (t) => {
  const app = await build(t)
  for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
    const res = await app.inject({ method: 'PUT', url: '/_sandbox/balance', headers: { 'content-type': type }, payload: '{"balance":3}' })
    t.equal(res.statusCode, 400, `${type}: 400`)
    t.equal(res.json().developerMessage, ERRORS.UNSUPPORTED_CONTENT_TYPE.message, `${type}: says which content type to send`)
  }
  const emptyForm = await app.inject({ method: 'POST', url: '/_sandbox/reset', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })
  t.equal(emptyForm.statusCode, 200, 'an empty body is no body, whatever its type')
  const text = await app.inject({ method: 'POST', url: '/_sandbox/webhooks/edge', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.statusCode, 200, 'the receiver stores a text body')
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/webhooks/edge' })).json()[0].body, 'hello')
})

t.test('a rules route given something else than a list says it wants a list', async (t) => {
  const app = await build(t)
  for (const [url, payload] of [['/_sandbox/scenarios', '{}'], ['/_sandbox/faults', '{"route":"*"}'], ['/_sandbox/scenarios', 'null']]) {
    const res = await app.inject({ method: 'PUT', url, headers: JSON_TYPE, payload })
    t.equal(res.statusCode, 400, `${url} ${payload}: 400`)
    t.equal(res.json().developerMessage, ERRORS.BODY_NOT_ARRAY.message)
  }
  const object = await app.inject({ method: 'PUT', url: '/_sandbox/balance', headers: JSON_TYPE, payload: '[]' })
  t.equal(object.json().developerMessage, ERRORS.BODY_NOT_OBJECT.message, 'an object route still says object')
})

t.test('dateStart and dateEnd take a date alone as the whole day (UTC)', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  await app.inject({ method: 'POST', url: '/_sandbox/clock', headers: JSON_TYPE, payload: { now: '2031-05-17T23:30:00.000Z' } })
  t.equal((await send(app, tok, { flow: [smsStep('+306912345678')] }, { transactional: false })).statusCode, 200)
  const count = async (query: string): Promise<number> => {
    const res = await app.inject({ method: 'POST', url: `/failover/tracking?${query}`, headers: bearer(tok, JSON_TYPE), payload: { fieldName: 'to', searchTerm: '+306912345678' } })
    t.equal(res.statusCode, 200, `${query}: 200`)
    return res.json().totalElements
  }
  t.equal(await count('dateStart=2031-05-17'), 1, 'from the start of the day')
  t.equal(await count('dateEnd=2031-05-17'), 1, 'to the end of the day (23:30 is inside)')
  t.equal(await count('dateStart=2031-05-17&dateEnd=2031-05-17'), 1, 'the one day')
  t.equal(await count('dateStart=2031-05-18'), 0, 'the next day starts after it')
  t.equal(await count('dateEnd=2031-05-16'), 0, 'the day before ends before it')
  t.equal(await count('dateEnd=2031-05-17T23:00:00Z'), 0, 'a date-time is still an instant')
  for (const bad of ['2031-13-45', 'yesterday', '17/05/2031']) {
    const res = await app.inject({ method: 'POST', url: `/failover/tracking?dateStart=${bad}`, headers: bearer(tok, JSON_TYPE), payload: { fieldName: 'to', searchTerm: '+306912345678' } })
    t.equal(res.statusCode, 400, `${bad}: 400`)
    t.match(res.json().developerMessage, /dateStart: must be an ISO-8601 date-time .* or a date/)
  }
})

t.test('a template id is a UUID: it matches in any case, on a send, a review and a delete', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const upper = '0AAC888F-2EE2-4112-9659-1755A951966A'
  const res = await send(app, tok, { flow: [templateViberStep('+306912345678', { templateId: upper })] })
  t.equal(res.statusCode, 200, 'an upper-case templateId finds the template')
  t.equal(res.json().flow[0].templateId, upper, 'and is echoed as sent')
  await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', headers: JSON_TYPE, payload: { seconds: 10 } })
  const messages = (await app.inject({ method: 'GET', url: '/_sandbox/messages' })).json()
  t.match(messages[0].viber.text, /Alex/, 'the template is rendered for the recipient')
  const created = await app.inject({ method: 'POST', url: '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', headers: bearer(tok, JSON_TYPE), payload: { name: 'edge', languages: { en: 'Hi {{name}}' } } })
  t.equal(created.statusCode, 200, 'a template created')
  const id = String(created.json().id)
  t.match(id, /^[0-9a-f-]{36}$/, 'with a lower-case UUID')
  const approve = await app.inject({ method: 'POST', url: `/_sandbox/templates/${id.toUpperCase()}/approve` })
  t.equal(approve.statusCode, 200, 'approved by its upper-case id')
  const removed = await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${id.toUpperCase()}`, headers: bearer(tok) })
  t.equal(removed.statusCode, 204, 'deleted by its upper-case id')
  t.equal((await app.inject({ method: 'DELETE', url: `/viber/transactional/templates/${id}`, headers: bearer(tok) })).statusCode, 404, 'and gone')
  const unknown = await send(app, tok, { flow: [templateViberStep('+306912345678', { templateId: '0AAC888F-2EE2-4112-9659-1755A951966B' })] })
  t.equal(unknown.statusCode, 400, 'another UUID is still unknown')
})

t.test('a standard Viber message\'s body always has text, imageUrl and action, null where not sent', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const textOnly = await send(app, tok, { flow: [viberStep('+306912345678')] }, { transactional: false })
  t.equal(textOnly.statusCode, 200)
  const record = (await app.inject({ method: 'GET', url: `/failover/tracking/${textOnly.json().trackingId as string}`, headers: bearer(tok) })).json()
  t.same(findBody(record), { text: 'Hello on Viber', imageUrl: null, action: null })
  const image = await send(app, tok, { flow: [viberStep('+306912345678', { message: { imageUrl: 'https://example.com/a.png' } })] }, { transactional: false })
  t.equal(image.statusCode, 200)
  const imageRecord = (await app.inject({ method: 'GET', url: `/failover/tracking/${image.json().trackingId as string}`, headers: bearer(tok) })).json()
  t.same(findBody(imageRecord), { text: null, imageUrl: 'https://example.com/a.png', action: null })
})

/** The body of the first Viber message of a tracking record. */
function findBody (record: any): unknown {
  return (record.messages as any[]).find((m) => m.type === 'Viber')?.body
}

t.test('an expired token names no account on the control plane either', async (t) => {
  const time = new FakeTime(Date.parse('2030-01-01T00:00:00Z'))
  const app = await build(t, { time })
  const tok = await token(app)
  t.equal((await app.inject({ method: 'GET', url: '/_sandbox/messages', headers: bearer(tok) })).statusCode, 200, 'live: its account')
  time.skip(3601_000)
  const expired = await app.inject({ method: 'GET', url: '/_sandbox/messages', headers: bearer(tok) })
  t.equal(expired.statusCode, 404, 'expired: 404, never the sandbox account by default')
  t.match(expired.json().developerMessage, /unknown or expired/)
})

t.test('a seed template with an upper-case UUID is found in any case too', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  // the catalog as a seed with an upper-case id would hold it
  app.store.db.prepare("UPDATE templates SET id = upper(id) WHERE id = '0aac888f-2ee2-4112-9659-1755a951966a'").run()
  app.store.forgetCached()
  for (const id of ['0AAC888F-2EE2-4112-9659-1755A951966A', '0aac888f-2ee2-4112-9659-1755a951966a', '0Aac888f-2EE2-4112-9659-1755a951966A']) {
    t.equal((await send(app, tok, { flow: [templateViberStep('+306912345678', { templateId: id })] })).statusCode, 200, id)
  }
})

t.test('/oauth/token: a JSON body of the wrong shape is a shape error, not a content type error', async (t) => {
  const app = await build(t)
  const res = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), ...JSON_TYPE }, payload: '"grant_type"' })
  t.equal(res.statusCode, 400)
  t.not(res.json().developerMessage, ERRORS.UNSUPPORTED_CONTENT_TYPE.message)
})

t.test('the dashboard\'s demo receiver acknowledges any body', async (t) => {
  const app = await build(t)
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json']) {
    const res = await app.inject({ method: 'POST', url: '/_sandbox/demo/webhook', headers: { 'content-type': type }, payload: type === 'application/json' ? '{}' : 'a=1' })
    t.equal(res.statusCode, 204, type)
  }
})

t.test('a request that arrives while the server closes gets a 503 in the provider envelope', async (t) => {
  const app = await build(t, { contract: false })
  const tok = await token(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const socket = connect(port, '127.0.0.1')
  let text = ''
  socket.on('data', (d) => { text += d.toString() })
  await new Promise((resolve) => socket.on('connect', resolve))
  // a first request held 300 ms (a delay fault) keeps the connection busy while the close begins
  socket.write(`GET /failover/tracking/x HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${tok}\r\nX-Sandbox-Fault: delay=300\r\n\r\n`)
  await new Promise((resolve) => setTimeout(resolve, 50))
  const closing = app.close()
  // the next request on the same connection is read once the first is answered: the server is closing
  socket.write('GET /_sandbox/health HTTP/1.1\r\nHost: a\r\n\r\n')
  await closing
  await new Promise((resolve) => setTimeout(resolve, 100))
  socket.destroy()
  const answers = text.split(/(?=HTTP\/1\.1 )/)
  t.match(answers[0], /^HTTP\/1\.1 404 /, 'the request in flight is answered')
  t.match(answers[1], /^HTTP\/1\.1 503 /, 'the one after it: 503')
  t.match(answers[1], /connection: close/i)
  t.same(JSON.parse(answers[1].slice(answers[1].indexOf('\r\n\r\n') + 4)), { code: '503000000', developerMessage: ERRORS.SHUTTING_DOWN.message, type: 'ServiceUnavailable' })
})
