import t, { type Test } from 'tap'
import { connect, type Socket } from 'node:net'
import { openEventStream, type EventStream } from '../helper.js'
import { buildApp, type App } from '../../src/app.js'
import { ERRORS } from '../../src/errors.js'
import type { Config } from '../../src/config.js'

/*
 * Issue 11 point 9 and issue 10 point 4, over real sockets (timeouts and backpressure live in the
 * socket, not in inject): a request that arrives too slowly gets a 408 in the provider's envelope;
 * a live-stream client that stops reading is dropped; the live stream carries one account's events.
 */

async function listen (t: Test, config: Partial<Config> = {}): Promise<{ app: App, port: number }> {
  const app = await buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual', ...config } })
  t.teardown(async () => await app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, port: (app.server.address() as { port: number }).port }
}

/** Writes `parts` with `gapMs` between them, and resolves with everything the server answered when it closes. */
async function slowly (port: number, parts: string[], gapMs: number): Promise<{ text: string, ms: number }> {
  const started = Date.now()
  const socket: Socket = connect(port, '127.0.0.1')
  let text = ''
  socket.on('data', (d: Buffer) => { text += d.toString('utf8') })
  socket.on('error', () => {})
  const done = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  await new Promise((resolve) => socket.once('connect', resolve))
  for (const part of parts) {
    if (socket.destroyed) break
    socket.write(part)
    await new Promise((resolve) => setTimeout(resolve, gapMs))
  }
  // a client that never finishes: only the server's deadline ends it (a 10 s guard keeps the test bounded)
  const guard = setTimeout(() => socket.destroy(), 10_000)
  await done
  clearTimeout(guard)
  return { text, ms: Date.now() - started }
}

function envelope (t: Test, text: string): void {
  t.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/, text.slice(0, 200))
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
  t.equal(body.code, ERRORS.REQUEST_TIMEOUT.code)
  t.equal(body.developerMessage, ERRORS.REQUEST_TIMEOUT.message)
}

const SHORT = { SANDBOX_HEADERS_TIMEOUT_MS: 300, SANDBOX_REQUEST_TIMEOUT_MS: 800 }

t.test('headers that never finish get a 408 in the provider envelope', async (t) => {
  const { port } = await listen(t, SHORT)
  const res = await slowly(port, ['GET /_sandbox/health HTTP/1.1\r\n', 'Host: x\r\n'], 50)
  envelope(t, res.text)
  t.ok(res.ms < 5000, `closed after ${res.ms} ms`)
})

t.test('a body sent a byte at a time gets a 408 once the request deadline passes', async (t) => {
  const { port } = await listen(t, SHORT)
  const body = JSON.stringify({ balance: 5 })
  const head = `PUT /_sandbox/balance HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`
  const res = await slowly(port, [head, ...body.split('')], 150)
  envelope(t, res.text)
  t.ok(res.ms < 5000, `closed after ${res.ms} ms`)
})

t.test('a request that arrives in time is served as usual', async (t) => {
  const { port } = await listen(t, SHORT)
  const res = await slowly(port, ['GET /_sandbox/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 10)
  t.match(res.text, /^HTTP\/1\.1 200 /)
})

/** Opens the live stream on the local port. */
const openStream = async (port: number, path: string, headers: Record<string, string> = {}): Promise<EventStream> =>
  await openEventStream(`http://127.0.0.1:${port}${path}`, headers)

const completed = (accountId: string, id: string): any => ({
  flow: { accountId, id, kind: 'standard', status: 'Succeeded', statusCode: 200, terminationChannel: 'Sms' },
  at: 0
})

const settle = async (): Promise<void> => await new Promise((resolve) => setTimeout(resolve, 100))

t.test('the live stream carries only its account\'s events, resolved like every control route', async (t) => {
  const { app, port } = await listen(t)
  const created = await app.inject({ method: 'POST', url: '/_sandbox/accounts', payload: {} })
  const other = created.json().accountId as string
  const byHeader = await openStream(port, '/_sandbox/events', { 'x-sandbox-account': other })
  const byQuery = await openStream(port, `/_sandbox/events?accountId=${other}`)
  const bare = await openStream(port, '/_sandbox/events')
  t.equal(byHeader.status, 200)
  await settle()
  app.engine.events.emit('completed', completed('sandbox', 'flow-of-sandbox'))
  app.engine.events.emit('completed', completed(other, 'flow-of-other'))
  await settle()
  t.same(byHeader.events.map((e) => e.data.trackingId), ['flow-of-other'], 'X-Sandbox-Account: only that account')
  t.same(byQuery.events.map((e) => e.data.trackingId), ['flow-of-other'], '?accountId=: only that account')
  t.same(bare.events.map((e) => e.data.trackingId), ['flow-of-sandbox'], 'nothing named: the sandbox account only')
  const unknown = await openStream(port, '/_sandbox/events', { 'x-sandbox-account': 'nobody' })
  t.equal(unknown.status, 404)
  for (const s of [byHeader, byQuery, bare, unknown]) s.socket.destroy()
})

t.test('a live-stream client that stops reading is dropped once it is a buffer behind', async (t) => {
  const { app, port } = await listen(t, { SANDBOX_EVENTS_BUFFER_BYTES: 64 * 1024 })
  const slow = await openStream(port, '/_sandbox/events')
  const reader = await openStream(port, '/_sandbox/events')
  await settle()
  // the slow client stops reading: what the server writes piles up in the kernel, then in its own buffer
  slow.pause()
  const big = 'x'.repeat(16 * 1024)
  t.equal(app.engine.events.listenerCount('completed'), 2)
  for (let i = 0; i < 2000 && app.engine.events.listenerCount('completed') === 2; i++) {
    app.engine.events.emit('completed', completed('sandbox', `${i}-${big}`))
    // one event per turn: a reading client keeps up, only the stalled one falls behind
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.equal(app.engine.events.listenerCount('completed'), 1, 'the stalled client was dropped, the reading one kept')
  // reading again, it gets what the kernel still held, then the end: the server closed it
  slow.resume()
  await slow.closed
  t.pass('its connection is closed')
  // the client that reads keeps its stream
  t.notOk(reader.socket.destroyed, 'a reading client stays')
  reader.socket.destroy()
})
