import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import t from 'tap'
import { connect } from 'node:net'
import { join } from 'node:path'
import { buildApp, type App } from '../../src/app.js'
import { basic, fixture, SEED_APP, smsStep, token, viberStep } from '../helper.js'
import { deepText, mutateBytes, mutateTree, oddHeader, oddQuery, oddSegment, ODD_CONTENT_TYPES, serialize, type Json } from './mutate.js'
import { prng, runSeed, type Rng } from './support.js'

/*
 * Fuzz suite (the "Prove speed and durability" issue): a seeded generator turns valid requests into
 * malformed ones, at least FUZZ_N (2,000) per endpoint through app.inject, plus raw bytes over a real
 * socket. Every answer must be a 2xx (the sandbox tolerates some changes: unknown fields are ignored)
 * or a provider-shaped 4xx — {code, developerMessage}, or the OAuth body for 401s and /oauth/token —
 * never a 5xx, never a hang; the server stays up and its memory bounded.
 * Replay a run with SEED=<n>; FUZZ_N=<n> changes the number of requests per endpoint.
 */

const SEED = runSeed()
const N = Number(process.env.FUZZ_N ?? 2000)
const HANG_MS = 10_000
// RSS follows the allocator's high-water mark (1 MB bodies, a loaded machine): only a runaway fails it
const RSS_BOUND = 1024 * 1024 * 1024
const HEAP_BOUND = 64 * 1024 * 1024
const FORM = 'application/x-www-form-urlencoded'
const JSON_TYPE = 'application/json'

type Headers = Record<string, string | string[]>

interface Endpoint {
  name: string
  method: 'GET' | 'POST' | 'PUT'
  /** the URL, with `segment` in place of the id when given */
  path: (rng: Rng, segment?: string) => string
  /** a valid JSON body (for /oauth/token: the form fields) */
  body?: (rng: Rng) => unknown
  headers: () => Headers
  oauth?: boolean
  /** the account this endpoint acts on was made unusable (5xx): use a fresh one */
  onServerError?: () => Promise<void>
}

interface Case { method: Endpoint['method'], url: string, headers: Headers, payload?: string | Buffer, label: string }

/** Problems with an answer, or undefined when it is a 2xx or a provider-shaped 4xx. */
function verdict (ep: Endpoint, status: number, contentType: unknown, text: string): string | undefined {
  if (status >= 500) return `${status}`
  if (status >= 200 && status < 300) return undefined
  if (status < 400) return `unexpected ${status}`
  let body: any
  try { body = JSON.parse(text) } catch { return `${status} not JSON` }
  if (typeof contentType !== 'string' || !contentType.startsWith(JSON_TYPE)) return `${status} with content-type ${String(contentType)}`
  const oauth = typeof body?.error === 'string' && typeof body?.error_description === 'string'
  const provider = typeof body?.code === 'string' && /^\d{9}$/.test(body.code) && body.code.startsWith(String(status)) &&
    typeof body.developerMessage === 'string' && body.developerMessage !== ''
  if (status === 401) return oauth ? undefined : '401 without the OAuth body'
  if (ep.oauth === true && oauth) return undefined
  return provider ? undefined : `${status} not the provider envelope`
}

function formOf (value: Json): string {
  // JSON.stringify, not String(): a generated object may carry its own non-function toString
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return typeof value === 'string' ? value : JSON.stringify(value)
  return new URLSearchParams(Object.entries(value).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()
}

const CATEGORIES = ['tree', 'tree', 'tree', 'tree', 'bytes', 'bytes', 'content-type', 'header', 'header', 'url'] as const

function makeCase (rng: Rng, ep: Endpoint): Case {
  const headers: Headers = { ...ep.headers() }
  let url = ep.path(rng)
  const base = ep.body?.(rng) as Json | undefined
  let payload: string | Buffer | undefined
  if (base !== undefined) {
    payload = ep.oauth === true ? formOf(base) : JSON.stringify(base)
    headers['content-type'] = ep.oauth === true ? FORM : JSON_TYPE
  }
  const category = rng.pick(CATEGORIES)
  let label: string
  switch (category) {
    case 'tree': {
      let m = mutateTree(rng, base ?? {})
      if (rng.chance(0.2)) { const second = mutateTree(rng, m.value); m = { value: second.value, label: `${m.label}; ${second.label}` } }
      const s = serialize(rng, m.value)
      label = m.label + (s.depth === undefined ? '' : ` (${s.depth} levels)`)
      // /oauth/token reads forms and JSON alike: send the changed fields either way
      if (ep.oauth === true && s.depth === undefined && rng.chance(0.5)) {
        payload = formOf(m.value)
        headers['content-type'] = FORM
      } else {
        payload = s.text
        headers['content-type'] = JSON_TYPE
      }
      break
    }
    case 'bytes': {
      const m = mutateBytes(rng, typeof payload === 'string' ? payload : JSON.stringify(base ?? {}))
      payload = m.payload
      headers['content-type'] ??= JSON_TYPE
      label = m.label
      break
    }
    case 'content-type': {
      const type = rng.pick(ODD_CONTENT_TYPES)
      payload ??= JSON.stringify(base ?? {})
      if (rng.chance(0.1)) delete headers['content-type']
      else headers['content-type'] = type
      label = `Content-Type ${JSON.stringify(headers['content-type'] ?? null).slice(0, 40)}`
      break
    }
    case 'header': {
      const h = oddHeader(rng, typeof headers.authorization === 'string' ? headers.authorization.replace(/^Bearer /, '') : undefined)
      if (h.value === undefined) delete headers[h.name]
      else headers[h.name] = h.value
      label = h.label
      break
    }
    case 'url': {
      label = rng.chance(0.6) ? 'odd path segment' : 'odd query'
      url = label === 'odd path segment' ? ep.path(rng, oddSegment(rng)) : `${url}${url.includes('?') ? '&' : '?'}${oddQuery(rng)}`
      break
    }
  }
  return { method: ep.method, url, headers, payload, label: `${category}: ${label}` }
}

function describeCase (c: Case): string {
  const payload = c.payload === undefined ? '' : typeof c.payload === 'string' ? c.payload : c.payload.toString('latin1')
  const headers = Object.fromEntries(Object.entries(c.headers).map(([k, v]) => [k, String(v).slice(0, 80)]))
  return `${c.method} ${c.url.slice(0, 120)} headers=${JSON.stringify(headers)} body(${payload.length} bytes)=${JSON.stringify(payload.slice(0, 100))}`
}

async function inject (app: App, c: Case): Promise<{ status: number, contentType: unknown, body: string } | 'hang' | Error> {
  let timer: NodeJS.Timeout | undefined
  const hang = new Promise<'hang'>((resolve) => { timer = setTimeout(() => resolve('hang'), HANG_MS) })
  try {
    const res = app.inject({ method: c.method, url: c.url, headers: c.headers, ...(c.payload === undefined ? {} : { payload: c.payload }) })
      .then((r) => ({ status: r.statusCode, contentType: r.headers['content-type'], body: r.body }))
    return await Promise.race([res, hang])
  } catch (err) {
    // light-my-request refused to build the request (an invalid header): not the server's answer
    return err as Error
  } finally {
    clearTimeout(timer)
  }
}

async function setup (dir: string): Promise<{ app: App, endpoints: Endpoint[] }> {
  // outbound HTTP (callbacks, inbound replies) goes nowhere: the fuzz is about what comes in
  const app = await buildApp({ config: { SANDBOX_DB: join(dir, 'fuzz.db'), SANDBOX_CLOCK: 'manual' }, fetch: async () => ({ status: 200 }) })
  await app.ready()
  const json = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<any> => {
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as any }) })
    if (res.statusCode !== 200) throw new Error(`setup: ${method} ${url} → ${res.statusCode} ${res.body}`)
    return res.json()
  }
  const tok = await token(app)
  await json('PUT', '/_sandbox/balance', { balance: 1e9 })
  const trackingIds: string[] = []
  for (let i = 0; i < 20; i++) trackingIds.push((await json('POST', '/failover', { flow: [smsStep()] }, { authorization: `Bearer ${tok}` })).trackingId)

  // the control routes act on their own accounts: a broken clock there cannot break the API's account
  const newAccount = async (): Promise<{ id: string, tok: string }> => {
    const created = await json('POST', '/_sandbox/accounts', { name: 'fuzz', balance: 1e6, clock: 'manual' })
    return { id: created.accountId, tok: await token(app, { id: created.applicationId, secret: created.applicationSecret }) }
  }
  const control = await newAccount()
  let clock = await newAccount()
  const asControl = { authorization: `Bearer ${control.tok}` }
  const messageIds: string[] = []
  for (let i = 0; i < 40; i++) {
    const body = { flow: [viberStep('+306900000999', { inboundUrl: 'https://inbound.example/replies' }), smsStep('+306900000999', { order: 2 })] }
    const { trackingId } = await json('POST', '/failover', body, asControl)
    messageIds.push((await json('GET', `/failover/tracking/${trackingId as string}`, undefined, asControl)).messages[0].trackingId)
  }
  const templateIds: string[] = []
  for (let i = 0; i < 30; i++) {
    templateIds.push((await json('POST', '/viber/transactional/templates?senderInfoTrackingId=your-sender-info-tracking-id', { name: `t${i}`, languages: { en: 'Hello {{name}}' } }, asControl)).id)
  }

  const api = (): Headers => ({ authorization: `Bearer ${tok}` })
  const onControl = (): Headers => ({ 'x-sandbox-account': control.id })
  const onClock = (): Headers => ({ 'x-sandbox-account': clock.id })
  const fresh = async (): Promise<void> => { clock = await newAccount() }
  const withSegment = (prefix: string, ids: string[], suffix = '') => (rng: Rng, segment?: string): string => `${prefix}${segment ?? rng.pick(ids)}${suffix}`
  const plain = (path: string) => (rng: Rng, segment?: string): string => (segment === undefined ? path : `${path}/${segment}`)
  const later = new Date(Date.UTC(2100, 0, 1)).toISOString()

  // searches first: later batches add flows to the account they search
  const endpoints: Endpoint[] = [
    {
      name: 'POST /oauth/token',
      method: 'POST',
      path: plain('/oauth/token'),
      body: (rng) => rng.pick([{ grant_type: 'client_credentials' }, { grant_type: 'client_credentials', scope: 'failover sms' }, { grant_type: 'client_credentials', scope: 'viber,voice' }]),
      headers: () => ({ authorization: basic(SEED_APP.id, SEED_APP.secret) }),
      oauth: true
    },
    {
      name: 'POST /failover/tracking',
      method: 'POST',
      path: (rng, segment) => (segment === undefined ? '/failover/tracking?page=0&size=10' : `/failover/tracking/${segment}`),
      body: (rng) => rng.pick([[{ fieldName: 'status', searchOperator: 'is', searchTerm: 'InProgress' }], { fieldName: 'to', searchOperator: 'contains', searchTerm: '6912' }, [{ fieldName: 'type', searchTerm: 'Sms' }, { fieldName: 'flowKind', searchOperator: 'is_not', searchTerm: 'transactional' }]]),
      headers: api
    },
    { name: 'GET /failover/tracking/{id}', method: 'GET', path: withSegment('/failover/tracking/', trackingIds), headers: api },
    {
      name: 'POST /failover',
      method: 'POST',
      path: plain('/failover'),
      body: (rng) => rng.pick([() => fixture('legacy-3-step.json'), () => ({ flow: [viberStep(), smsStep('+306912345678', { order: 2 })], callback: { strategy: 'OnChange', url: 'https://hooks.example/cb' } })])(),
      headers: api
    },
    { name: 'POST /failover/transactional', method: 'POST', path: plain('/failover/transactional'), body: () => fixture('seed-example.json'), headers: api },
    {
      name: 'POST /_sandbox/clock',
      method: 'POST',
      path: plain('/_sandbox/clock'),
      body: (rng) => rng.pick([{ mode: 'manual' }, { scale: 10 }, { now: later }, { mode: 'manual', scale: 1 }]),
      headers: onClock,
      onServerError: fresh
    },
    {
      name: 'POST /_sandbox/clock/advance',
      method: 'POST',
      path: plain('/_sandbox/clock/advance'),
      body: (rng) => rng.pick([{ seconds: 1 }, { seconds: 3600 }, { until: 'idle' }]),
      headers: onClock,
      onServerError: fresh
    },
    {
      name: 'PUT /_sandbox/scenarios',
      method: 'PUT',
      path: plain('/_sandbox/scenarios'),
      body: () => [{ to: '+306912345678', channel: 'Viber', outcome: 'EXPIRED', afterSeconds: 5 }, { to: '/^\\+3069/', channel: 'Sms', outcome: 'Delivered' }],
      headers: onControl
    },
    { name: 'PUT /_sandbox/balance', method: 'PUT', path: plain('/_sandbox/balance'), body: () => ({ balance: 1000 }), headers: onControl },
    { name: 'POST /_sandbox/accounts', method: 'POST', path: plain('/_sandbox/accounts'), body: () => ({ name: 'fuzzed', balance: 10, clock: 'manual', scale: 1 }), headers: () => ({}) },
    {
      name: 'POST /_sandbox/messages/{id}/status',
      method: 'POST',
      path: withSegment('/_sandbox/messages/', messageIds, '/status'),
      body: (rng) => rng.pick([{ status: 'DELIVERED' }, { status: 'seen' }, { status: 'FAILED', detailedStatus: 'System Failure' }]),
      headers: onControl
    },
    { name: 'POST /_sandbox/messages/{id}/reply', method: 'POST', path: withSegment('/_sandbox/messages/', messageIds, '/reply'), body: () => ({ text: 'Thanks!' }), headers: onControl },
    { name: 'POST /_sandbox/templates/{id}/approve', method: 'POST', path: withSegment('/_sandbox/templates/', templateIds, '/approve'), headers: onControl }
  ]
  return { app, endpoints }
}

t.test(`fuzz: ${N} malformed requests per endpoint through inject (SEED=${SEED})`, async (t) => {
  t.comment(`SEED=${SEED} FUZZ_N=${N} (replay: SEED=${SEED} npx tap test/durability/fuzz.test.ts)`)
  const { app, endpoints } = await setup(t.testdir())
  t.teardown(async () => await app.close())
  const rng = prng(SEED)
  // the heap is compared after a full collection (RSS alone follows garbage and the allocator, not leaks)
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  const rssBefore = process.memoryUsage().rss
  const rows: string[] = []
  for (const ep of endpoints) {
    const started = Date.now()
    const counts = new Map<string, number>()
    const problems: string[] = []
    let refused = 0
    for (let i = 0; i < N; i++) {
      let c: Case
      try {
        c = makeCase(rng, ep)
      } catch (err) {
        // a bug of the generator, not of the server: reported, and the batch goes on
        problems.push(`the generator failed: ${(err as Error).stack?.split('\n').slice(0, 3).join(' ') ?? String(err)}`)
        continue
      }
      const res = await inject(app, c)
      if (res instanceof Error) { refused++; continue }
      if (res === 'hang') {
        counts.set('hang', (counts.get('hang') ?? 0) + 1)
        problems.push(`hang (no answer in ${HANG_MS} ms) [${c.label}] ${describeCase(c)}`)
        continue
      }
      const key = res.status >= 200 && res.status < 300 ? '2xx' : String(res.status)
      counts.set(key, (counts.get(key) ?? 0) + 1)
      const problem = verdict(ep, res.status, res.contentType, res.body)
      if (problem !== undefined) {
        // a few examples per kind of problem: enough to reproduce, not a wall of text
        if (problems.filter((p) => p.startsWith(`${problem} [${c.label.split(':')[0]}`)).length < 2) {
          problems.push(`${problem} [${c.label}] ${describeCase(c)} → ${res.body.slice(0, 160)}`)
        }
        if (res.status >= 500) await ep.onServerError?.()
      }
    }
    const health = await app.inject({ method: 'GET', url: '/_sandbox/health' })
    t.equal(health.statusCode, 200, `${ep.name}: the server is up after the batch`)
    t.same(problems, [], `${ep.name}: every answer a 2xx or a provider-shaped 4xx, none 5xx, no hang`)
    const ms = Date.now() - started
    const cells = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}:${v}`).join(' ')
    const rss = (process.memoryUsage().rss / 1048576).toFixed(0)
    rows.push(`${ep.name.padEnd(38)} ${String(N - refused).padStart(5)}  ${cells}  (${ms} ms, rss ${rss} MB${refused > 0 ? `, ${refused} not sendable` : ''})`)
  }
  const grown = process.memoryUsage().rss - rssBefore
  t.comment(`${'endpoint'.padEnd(38)} ${'sent'.padStart(5)}  status counts`)
  for (const row of rows) t.comment(row)
  t.comment(`rss grew ${(grown / 1048576).toFixed(1)} MB over ${endpoints.length * N} requests`)
  t.ok(grown < RSS_BOUND, `no runaway: rss grew ${(grown / 1048576).toFixed(1)} MB (bound ${RSS_BOUND / 1048576} MB)`)
  gc()
  const heap = process.memoryUsage().heapUsed - heapBefore
  t.ok(heap < HEAP_BOUND, `memory stays bounded: the heap after gc grew ${(heap / 1048576).toFixed(1)} MB (bound ${HEAP_BOUND / 1048576} MB)`)
})

/** Raw bytes on a socket; every answer that comes back, until the server closes or goes quiet. */
async function raw (port: number, bytes: Buffer | string, options: { halfClose?: boolean, quietMs?: number } = {}): Promise<{ answers: Array<{ status: number, contentType?: string, body: string }>, rest: string }> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    let quiet: NodeJS.Timeout | undefined
    const finish = (): void => {
      clearTimeout(quiet)
      socket.destroy()
      resolve(parseAnswers(Buffer.concat(chunks)))
    }
    const idle = (): void => { clearTimeout(quiet); quiet = setTimeout(finish, options.quietMs ?? 1500) }
    socket.on('data', (d: Buffer) => { chunks.push(d); idle() })
    socket.on('end', finish)
    socket.on('close', finish)
    socket.on('error', (err) => (chunks.length > 0 ? finish() : reject(err)))
    socket.on('connect', () => {
      socket.write(bytes)
      if (options.halfClose === true) socket.end()
      idle()
    })
  })
}

function parseAnswers (data: Buffer): { answers: Array<{ status: number, contentType?: string, body: string }>, rest: string } {
  const answers: Array<{ status: number, contentType?: string, body: string }> = []
  let text = data.toString('latin1')
  for (;;) {
    const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text)
    const end = text.indexOf('\r\n\r\n')
    if (!m || end < 0) break
    const head = text.slice(0, end)
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)
    const contentType = /\r\ncontent-type:\s*([^\r\n]+)/i.exec(head)?.[1]
    const bodyLength = length ? Number(length[1]) : 0
    answers.push({ status: Number(m[1]), contentType, body: Buffer.from(text.slice(end + 4, end + 4 + bodyLength), 'latin1').toString('utf8') })
    text = text.slice(end + 4 + bodyLength)
  }
  return { answers, rest: text }
}

t.test(`fuzz: raw bytes over a real socket (SEED=${SEED})`, async (t) => {
  const { app } = await setup(t.testdir())
  t.teardown(async () => await app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const tok = await token(app)
  const rng = prng(SEED ^ 0x5eed)
  const api: Endpoint = { name: 'raw', method: 'POST', path: () => '/failover/transactional', headers: () => ({}) }
  const valid = JSON.stringify(fixture('seed-example.json'))
  const request = (body: Buffer | string, extra: string[] = [], length?: number): Buffer => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body
    const head = ['POST /failover/transactional HTTP/1.1', 'Host: 127.0.0.1', `Authorization: Bearer ${tok}`, 'Content-Type: application/json',
      `Content-Length: ${length ?? bytes.length}`, ...extra, 'Connection: close', '', ''].join('\r\n')
    return Buffer.concat([Buffer.from(head), bytes])
  }
  const utf8 = (bad: number[]): Buffer => Buffer.concat([Buffer.from(valid.replace('Alex', 'A')).subarray(0, valid.indexOf('Alex') + 1), Buffer.from(bad), Buffer.from(valid.slice(valid.indexOf('Alex') + 4))])

  // [label, bytes, options, whether the answer to the request must be a provider-shaped one]
  const cases: Array<[string, Buffer, { halfClose?: boolean }]> = [
    ['valid request', request(valid), {}],
    ['invalid UTF-8 (lone 0xff) in a string', request(utf8([0xff])), {}],
    ['invalid UTF-8 (encoded surrogate) in a string', request(utf8([0xed, 0xa0, 0x80])), {}],
    ['invalid UTF-8 (overlong /) in a string', request(utf8([0xc0, 0xaf])), {}],
    ['truncated JSON, exact Content-Length', request(valid.slice(0, 100)), {}],
    ['duplicate Content-Type', request(valid, ['Content-Type: text/plain']), {}],
    ['Expect: 100-continue', request(valid, ['Expect: 100-continue']), {}],
    ['empty Expect', request(valid, ['Expect:']), {}],
    ['huge header value within the limit (12 KB)', request(valid, [`X-Filler: ${'f'.repeat(12_000)}`]), {}],
    ['deep nesting (100k levels) as an unknown property', request(valid.slice(0, -1) + ',"zz":' + deepText(rng, 100_000) + '}'), {}]
  ]
  for (let i = 0; i < 80; i++) {
    const m = mutateBytes(rng, valid)
    cases.push([`random: ${m.label}`, request(m.payload), {}])
  }
  const problems: string[] = []
  const statuses = new Map<number, number>()
  for (const [label, bytes, options] of cases) {
    const { answers } = await raw(port, bytes, options)
    const final = answers.filter((a) => a.status !== 100)
    if (final.length === 0) { problems.push(`${label}: no answer`); continue }
    for (const a of final) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1)
    const problem = verdict(api, final[0].status, final[0].contentType, final[0].body)
    if (problem !== undefined) problems.push(`${label}: ${problem} → ${final.map((a) => `${a.status} ${a.body.slice(0, 160)}`).join(' | ')}`)
    if (label === 'valid request' && final[0].status !== 200) problems.push(`the valid request was answered ${final[0].status}: ${final[0].body.slice(0, 200)}`)
  }
  t.same(problems, [], 'every request over the socket answered: a 2xx or a provider-shaped 4xx, no 5xx, no hang')

  // bytes that are not an HTTP request at all: Node's parser refuses them before Fastify routes anything
  const framing: Array<[string, Buffer, { halfClose?: boolean }?]> = [
    ['Content-Length larger than the body, then the client half-closes', request(valid, [], valid.length + 50), { halfClose: true }],
    ['Content-Length smaller than the body, then more bytes on a closing connection', request(valid, [], valid.length - 30)],
    ['Content-Length 0 with a body on a closing connection', request(valid, [], 0)],
    ['bytes after a short Content-Length (a second, garbage request)', Buffer.from(request(valid, [], valid.length - 30).toString('latin1').replace('Connection: close\r\n', ''), 'latin1')],
    ['Content-Length and Transfer-Encoding together', request(valid, ['Transfer-Encoding: chunked'])],
    ['bad chunk size', Buffer.from(`POST /failover/transactional HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tok}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`)],
    ['control character in a header', Buffer.from('POST /failover/transactional HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\n{}')],
    ['headers over Node\'s 16 KB limit', request(valid, [`X-Filler: ${'f'.repeat(20_000)}`])],
    ['a request line that is not HTTP', Buffer.from('HELLO THERE\r\n\r\n')]
  ]
  const framingAnswers: string[] = []
  for (const [label, bytes, options] of framing) {
    const { answers } = await raw(port, bytes, options)
    const final = answers.filter((a) => a.status !== 100)
    const last = final.at(-1)
    framingAnswers.push(`${label}: ${final.map((a) => a.status).join(', ') || 'connection closed'}${last ? ` ${last.body.slice(0, 100)}` : ''}`)
    if (final.some((a) => a.status >= 500)) problems.push(`${label}: a 5xx`)
    if (final.length === 0) problems.push(`${label}: no answer`)
    for (const a of final) {
      const problem = verdict(api, a.status, a.contentType, a.body)
      if (problem !== undefined) problems.push(`${label}: ${problem} → ${a.body.slice(0, 160)}`)
    }
  }
  for (const line of framingAnswers) t.comment(line)
  t.same(problems.filter((p) => framing.some(([label]) => p.startsWith(label))), [], 'malformed HTTP framing is answered with a provider-shaped 4xx, never a 5xx')
  t.comment(`socket answers by status: ${[...statuses].map(([s, n]) => `${s}:${n}`).join(' ')}`)
  const health = await fetch(`http://127.0.0.1:${port}/_sandbox/health`)
  t.equal(health.status, 200, 'the server is up after the raw batch')
})

t.test('regressions found by the fuzz: each once a 5xx or a non-provider body', async (t) => {
  const { app } = await setup(t.testdir())
  t.teardown(async () => await app.close())
  const tok = await token(app)
  const json = (payload: string) => ({ authorization: `Bearer ${tok}`, 'content-type': JSON_TYPE, payload })
  const legacy = JSON.stringify(fixture('legacy-3-step.json'))
  const post = async (url: string, o: { authorization?: string, 'content-type': string, payload: string }, account?: string) => {
    const { payload, ...headers } = o
    return await app.inject({ method: 'POST', url, headers: { ...headers, ...(account ? { 'x-sandbox-account': account } : {}) }, payload })
  }
  const fresh = (await app.inject({ method: 'POST', url: '/_sandbox/accounts', payload: { clock: 'manual' } })).json().accountId as string

  const deep = await post('/failover', json(legacy.slice(0, -1) + ',"restrictions":' + '['.repeat(3000) + ']'.repeat(3000) + '}'))
  t.ok(deep.statusCode < 500, `restrictions nested 3000 deep: ${deep.statusCode} ${deep.body.slice(0, 120)}`)
  const unknown = await post('/failover/transactional', json(JSON.stringify(fixture('seed-example.json')).slice(0, -1) + ',"zz":' + '{"a":'.repeat(20000) + '1' + '}'.repeat(20000) + '}'))
  t.ok(unknown.statusCode < 500, `an unknown property nested 20000 deep: ${unknown.statusCode} ${unknown.body.slice(0, 120)}`)

  const page = await post('/failover/tracking?page=100000000000000000000', json('[]'))
  t.ok(page.statusCode < 500, `search page=1e20: ${page.statusCode} ${page.body.slice(0, 120)}`)
  const term = await post('/failover/tracking', json(JSON.stringify({ fieldName: 'to', searchOperator: 'contains', searchTerm: 'x'.repeat(50_001) })))
  t.ok(term.statusCode < 500, `search contains a 50001-character term: ${term.statusCode} ${term.body.slice(0, 120)}`)

  const jump = await post('/_sandbox/clock', { 'content-type': JSON_TYPE, payload: '{"now":1e300}' }, fresh)
  t.ok(jump.statusCode < 500, `clock {now: 1e300}: ${jump.statusCode} ${jump.body.slice(0, 120)}`)
  const after = await app.inject({ method: 'GET', url: '/_sandbox/clock', headers: { 'x-sandbox-account': fresh } })
  t.equal(after.statusCode, 200, `the account's clock still answers after it: ${after.statusCode}`)
  const edge = (await app.inject({ method: 'POST', url: '/_sandbox/accounts', payload: { clock: 'manual' } })).json().accountId as string
  await post('/_sandbox/clock', { 'content-type': JSON_TYPE, payload: JSON.stringify({ now: 8.64e15 - 5000 }) }, edge)
  const past = await post('/_sandbox/clock/advance', { 'content-type': JSON_TYPE, payload: '{"seconds":10}' }, edge)
  t.ok(past.statusCode < 500, `advance past the last valid date: ${past.statusCode} ${past.body.slice(0, 120)}`)

  const url = await app.inject({ method: 'GET', url: '/failover/tracking/%E0%A4%A', headers: { authorization: `Bearer ${tok}` } })
  t.equal(verdict(api404, url.statusCode, url.headers['content-type'], url.body), undefined, `a bad percent-encoding in the path: ${url.statusCode} ${url.body.slice(0, 120)}`)
  const long = await app.inject({ method: 'GET', url: `/failover/tracking/${'a'.repeat(101)}`, headers: { authorization: `Bearer ${tok}` } })
  t.equal(verdict(api404, long.statusCode, long.headers['content-type'], long.body), undefined, `a path parameter over 100 characters: ${long.statusCode} ${long.body.slice(0, 120)}`)
})

const api404: Endpoint = { name: 'url', method: 'GET', path: () => '/', headers: () => ({}) }
