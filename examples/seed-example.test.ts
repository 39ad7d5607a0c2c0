/*
 * The seed page's example, end to end, as an integration test of your own code would run it.
 * Run it: npx tap examples/seed-example.test.ts
 *
 * In your project the import is `import { startSandbox } from 'failover-sandbox'`; here the
 * example goes through the same entry, from source.
 */
import { createServer, type Server } from 'node:http'
import t, { type Test } from 'tap'
import { startSandbox, type Sandbox } from '../src/index.js'

// +306900000VSC: V=2 Viber never delivered (EXPIRED at its ttl), S=0 SMS delivered, C=0 Voice completed
const RECIPIENT = '+306900000200'
const VIBER_TTL_MINUTES = 10

/** The body of the seed page's example, sent to `to`; pass a callback to have the record POSTed to it. */
function seedExample (to: string, callback?: { url: string, strategy?: string }): Record<string, unknown> {
  return {
    flow: [
      {
        type: 'Viber',
        senderInfoTrackingId: 'your-sender-info-tracking-id',
        to,
        templateId: '0aac888f-2ee2-4112-9659-1755a951966a',
        templateLang: 'en',
        templateParams: { customer_name: 'Alex' },
        deliveryScope: 'PRIMARY_DEVICE',
        ttl: VIBER_TTL_MINUTES,
        order: 1,
        failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED']
      },
      {
        type: 'Sms',
        from: 'YourBrand',
        to,
        message: { body: 'We could not reach you on Viber.' },
        ttl: 120,
        order: 2,
        failoverOnStatuses: ['FAILED', 'UNDELIVERED']
      }
    ],
    ...(callback === undefined ? {} : { callback })
  }
}

/** Stands in for your application's client: token, send, track. Point it at sb.url. */
class FailoverClient {
  #token: string | undefined
  constructor (readonly baseUrl: string, readonly credentials: { applicationId: string, applicationSecret: string }) {}

  async token (): Promise<string> {
    if (this.#token !== undefined) return this.#token
    const basic = Buffer.from(`${this.credentials.applicationId}:${this.credentials.applicationSecret}`).toString('base64')
    const res = await fetch(`${this.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials'
    })
    if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`)
    this.#token = ((await res.json()) as { access_token: string }).access_token
    return this.#token
  }

  async #call (method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${await this.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return await res.json()
  }

  async sendTransactional (body: unknown): Promise<{ trackingId: string, flowKind: string }> {
    return await this.#call('POST', '/failover/transactional', body)
  }

  async tracking (trackingId: string): Promise<any> {
    return await this.#call('GET', `/failover/tracking/${trackingId}`)
  }
}

/** What the flow record says once Viber expired and the SMS was delivered: also the callback body (§6). */
function assertFellBackToSms (t: Test, record: any, trackingId: string): void {
  t.equal(record.trackingId, trackingId)
  t.equal(record.flowKind, 'transactional')
  t.equal(record.status, 'Succeeded')
  t.equal(record.terminationChannel, 'Sms')
  t.same(record.messages.map((m: any) => [m.type, m.status.name]), [['Viber', 'EXPIRED'], ['Sms', 'Delivered']])
  t.equal(record.messages[0].templateId, '0aac888f-2ee2-4112-9659-1755a951966a')
}

/** Stands in for your application's webhook: a real HTTP endpoint that keeps what it receives. */
async function webhook (): Promise<{ url: string, received: Array<{ body: any, headers: Record<string, unknown> }>, close: () => Promise<void> }> {
  const received: Array<{ body: any, headers: Record<string, unknown> }> = []
  const server: Server = createServer((req, res) => {
    let data = ''
    req.on('data', (chunk) => { data += chunk })
    req.on('end', () => {
      received.push({ body: JSON.parse(data), headers: req.headers })
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/failover-callback`, received, close: async () => await new Promise<void>((resolve) => server.close(() => resolve())) }
}

let sb: Sandbox
t.before(async () => { sb = await startSandbox() })
t.teardown(async () => await sb.close())

t.test('the seed example falls back from Viber to SMS', async (t) => {
  const hook = await webhook()
  t.teardown(hook.close)
  const client = new FailoverClient(sb.url, sb.credentials)
  const { trackingId, flowKind } = await client.sendTransactional(seedExample(RECIPIENT, { strategy: 'OnCompletion', url: hook.url }))
  t.equal(flowKind, 'transactional')

  // the first step is sent at once; nothing else happens until the clock moves
  t.equal((await client.tracking(trackingId)).status, 'InProgress')

  // the Viber ttl runs out, the SMS step starts and is delivered a few seconds later
  await sb.clock.advance(VIBER_TTL_MINUTES * 60_000 + 5_000)
  assertFellBackToSms(t, await client.tracking(trackingId), trackingId)

  // what the recipient saw: the template with its placeholder filled, then the SMS
  const [sms, viber] = await sb.messages({ trackingId })
  t.equal(viber.viber?.text, 'Hello Alex, your order is on its way.')
  t.equal(sms.sms?.text, 'We could not reach you on Viber.')

  // OnCompletion: exactly one callback, carrying the same record as tracking, flowKind included
  t.equal(hook.received.length, 1)
  assertFellBackToSms(t, hook.received[0].body, trackingId)
  t.same(hook.received[0].body, await client.tracking(trackingId))
})
