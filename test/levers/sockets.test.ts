import { request } from 'node:http'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.js'
import { control } from '../helper.js'

/** A GET over a real socket: resolves with the status, or the socket error. */
async function get (port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<{ status?: number, error?: string }> {
  return await new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode }))
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client gave up')))
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }))
    req.end()
  })
}

async function listening (t: Test, config = {}) {
  const app = await buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual', ...config } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => await app.close())
  return { app, port: (app.server.address() as { port: number }).port }
}

t.test('reset: the connection is destroyed without an answer, and journaled', async (t) => {
  const { app, port } = await listening(t)
  const res = await get(port, '/accounts/me/balance', { 'x-sandbox-fault': 'reset' })
  t.equal(res.error, 'ECONNRESET')
  const [entry] = (await control(app, 'GET', '/requests')).json()
  t.equal(entry.status, null)
  t.same(entry.fault, { source: 'header', drop: 'reset' })
  t.same((await control(app, 'GET', '/requests/count?status=none')).json(), { count: 1 })
})

t.test('reset of a send: its body is journaled before the connection goes', async (t) => {
  const { app, port } = await listening(t)
  const body = JSON.stringify({ flow: [{ type: 'Sms', from: 'YourBrand', to: '+306900000200', message: { body: 'hi' }, order: 1 }] })
  const error = await new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/failover', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-sandbox-fault': 'reset' } }, (res) => resolve(`answered ${res.statusCode}`))
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    req.end(body)
  })
  t.equal(error, 'ECONNRESET')
  const [entry] = (await control(app, 'GET', '/requests')).json()
  t.equal(entry.status, null)
  t.equal(entry.request.body, body)
})

t.test('a 401 for a client that announces a body and never sends it comes after at most ~1 s', async (t) => {
  const { app, port } = await listening(t)
  const started = performance.now()
  const status = await new Promise<number | string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/failover', method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': '100' } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
      req.destroy()
    })
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    req.write('{"flow":')
  })
  const took = performance.now() - started
  t.equal(status, 401)
  t.ok(took >= 900 && took < 5000, `answered after the capture's wait (${Math.round(took)} ms)`)
  const [entry] = (await control(app, 'GET', '/requests')).json()
  t.equal(entry.status, 401)
  t.equal(entry.request.body, '{"flow":', 'what did arrive is kept')
})

t.test('hang: no answer until the client gives up; the server still closes', async (t) => {
  const { app, port } = await listening(t)
  await control(app, 'PUT', '/faults', [{ route: 'GET /accounts/me/balance', drop: 'hang', times: 1 }])
  const started = performance.now()
  const res = await get(port, '/accounts/me/balance', {}, 300)
  t.equal(res.error, 'client gave up')
  t.ok(performance.now() - started >= 280)
  t.equal((await get(port, '/accounts/me/balance')).status, 401, 'the rule is spent: the next one is answered')
  // one more, left hanging: close must not wait for it
  const pending = get(port, '/accounts/me/balance', { 'x-sandbox-fault': 'hang' }, 60_000)
  await new Promise((resolve) => setTimeout(resolve, 100))
  const closing = performance.now()
  await app.close()
  t.ok(performance.now() - closing < 5000, 'close does not wait for a hung request')
  t.ok((await pending).error, 'the hung client sees the connection closed')
})

t.test('hang is bounded by SANDBOX_FAULT_HANG_MS', async (t) => {
  const { app, port } = await listening(t, { SANDBOX_FAULT_HANG_MS: 200 })
  const res = await get(port, '/accounts/me/balance', { 'x-sandbox-fault': 'hang' }, 10_000)
  t.ok(res.error, `closed without an answer: ${res.error}`)
  app.journal.flush()
  t.same((await control(app, 'GET', '/requests?status=none')).json()[0].fault, { source: 'header', drop: 'hang' })
})

t.test('afterCommit with reset: the send is stored, the client gets no answer', async (t) => {
  const { app, port } = await listening(t)
  const tokenRes = await app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' })
  const tok = tokenRes.json().access_token
  await control(app, 'PUT', '/faults', [{ route: 'POST /failover', drop: 'reset', afterCommit: true }])
  const body = JSON.stringify({ flow: [{ type: 'Sms', from: 'YourBrand', to: '+306900000200', message: { body: 'hi' }, order: 1 }] })
  const error = await new Promise<string>((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/failover', method: 'POST', agent: false, headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' } }, (res) => resolve(`answered ${res.statusCode}`))
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
    req.end(body)
  })
  t.equal(error, 'ECONNRESET')
  const messages = (await control(app, 'GET', '/messages')).json()
  t.equal(messages.length, 1, 'stored')
  const [entry] = (await control(app, 'GET', '/requests?path=/failover')).json()
  t.equal(entry.status, null)
  t.equal(entry.trackingId, messages[0].trackingId)
})
