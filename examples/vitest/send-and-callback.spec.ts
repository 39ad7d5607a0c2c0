/*
 * vitest with the startSandbox() helpers. Run it: npx vitest run --root examples/vitest
 * In your project: import { startSandbox } from 'failover-sandbox'
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startSandbox, type Sandbox } from '../../src/index.js'

let sb: Sandbox
beforeAll(async () => { sb = await startSandbox() })
afterAll(async () => { await sb.close() })

test('Viber expires at its ttl, the SMS fallback is delivered, one callback per change', async () => {
  const account = await sb.account()
  const hook = account.webhook(`vitest-${account.accountId}`)
  // +306900000VSC: V=2 Viber never delivered (EXPIRED at its ttl), S=0 SMS delivered
  const to = '+306900000200'
  const { trackingId } = await account.send({
    flow: [
      { type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to, templateId: '0aac888f-2ee2-4112-9659-1755a951966a', templateLang: 'en', templateParams: { customer_name: 'Alex' }, ttl: 10, order: 1, failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED'] },
      { type: 'Sms', from: 'YourBrand', to, message: { body: 'We could not reach you on Viber.' }, order: 2 }
    ],
    callback: { strategy: 'OnCompletion', url: hook.url }
  })
  await account.advance(10 * 60) // the Viber ttl
  await account.advance('idle')
  const record = await account.waitFor(trackingId, 'Succeeded')
  expect(record.terminationChannel).toBe('Sms')
  const arrivals = await hook.waitFor(1)
  expect(arrivals[0].json).toMatchObject({ trackingId, status: 'Succeeded' })
})

test('afterCommit: the send is stored but the client never learns its trackingId', async () => {
  const account = await sb.account()
  const body = { flow: [{ type: 'Sms', from: 'YourBrand', to: '+306900000200', message: { body: 'hi' }, order: 1 }] }
  await expect(account.send(body, { fault: 'afterCommit;502' })).rejects.toMatchObject({ status: 502 })
  // the duplicate-send case: the flow exists although the client saw an error
  expect(await account.messages()).toHaveLength(1)
  const [entry] = await account.requests({ path: '/failover/transactional' })
  expect(entry.fault).toMatchObject({ afterCommit: true, status: 502 })
  expect(entry.trackingId).toBeTruthy()
})
