/*
 * node:test with the startSandbox() helpers: send → advance → waitFor → expect the callback.
 * Run it: node --import tsx --test examples/node-test/send-and-callback.spec.ts
 * In your project: import { startSandbox } from 'failover-sandbox'
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startSandbox, SandboxHttpError, type Sandbox } from '../../src/index.js'

// +306900000VSC: S=0, the SMS is delivered
const TO = '+306900000200'
let sb: Sandbox

before(async () => { sb = await startSandbox() })
after(async () => { await sb.close() })

test('an SMS flow is delivered and its callback reaches the receiver', async () => {
  const account = await sb.account() // isolated: its own clock, journal and faults
  const hook = account.webhook(`node-test-${account.accountId}`)
  const { trackingId } = await account.send({
    flow: [{ type: 'Sms', from: 'YourBrand', to: TO, message: { body: 'Your code is 1234' }, order: 1 }],
    callback: { strategy: 'OnCompletion', url: hook.url }
  })
  await account.advance('idle')
  const record = await account.waitFor(trackingId, ['Succeeded', 'Failed'])
  assert.equal(record.status, 'Succeeded')
  const [callback] = await hook.waitFor(1)
  assert.equal((callback.json as { trackingId: string }).trackingId, trackingId)
  assert.equal(await account.requests.count({ method: 'POST', path: '/failover/transactional', body: TO }), 1)
})

test('a 503 from the provider stores nothing; the journal shows the fault', async () => {
  const account = await sb.account()
  await account.faults.set([{ route: 'POST /failover/transactional', status: 503, retryAfter: 1, times: 1 }])
  const body = { flow: [{ type: 'Sms', from: 'YourBrand', to: TO, message: { body: 'hi' }, order: 1 }] }
  await assert.rejects(account.send(body), (err: unknown) => err instanceof SandboxHttpError && err.status === 503 && err.headers['retry-after'] === '1')
  const { trackingId } = await account.send(body) // the rule is spent: the retry goes through
  assert.ok(trackingId)
  const [retry, faulted] = await account.requests({ path: '/failover/transactional' })
  assert.equal(retry.status, 200)
  assert.equal(faulted.fault?.status, 503)
  assert.equal((await account.messages()).length, 1)
})
