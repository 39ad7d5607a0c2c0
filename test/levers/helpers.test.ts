import t from 'tap'
import { startSandbox, SandboxHttpError } from '../../src/index.js'

/** The status of the SandboxHttpError a helper rejects with (0 if it resolves). */
async function statusOf (promise: Promise<unknown>): Promise<number> {
  try { await promise } catch (err) { return err instanceof SandboxHttpError ? err.status : -1 }
  return 0
}

const SMS = (to = '+306900000200') => ({ flow: [{ type: 'Sms', from: 'YourBrand', to, message: { body: 'hi' }, order: 1 }] })

t.test('the helpers of startSandbox(): send, advance, waitFor, scenarios, faults, requests, account', async (t) => {
  const sb = await startSandbox()
  t.teardown(sb.close)

  // a token narrowed to a scope
  const token = await sb.token('account')
  const balance = await fetch(`${sb.url}/accounts/me/balance`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(balance.status, 200)
  t.equal(await statusOf(sb.token('nonsense')), 400)

  // scenarios steer the outcome; send → advance → waitFor
  await sb.scenarios.set([{ to: '+306912345678', channel: 'Sms', outcome: 'Undelivered' }])
  t.equal((await sb.scenarios.get()).length, 1)
  const { trackingId } = await sb.send(SMS('+306912345678'), { transactional: false })
  const advanced = await sb.advance('idle')
  t.ok(advanced.eventsRun > 0)
  const record = await sb.waitFor(trackingId, 'Failed')
  t.equal(record.status, 'Failed')
  await sb.scenarios.clear()
  t.same(await sb.scenarios.get(), [])

  // outcome header
  const viaOutcome = await sb.send(SMS(), { transactional: false, outcome: 'Sms=Undelivered' })
  await sb.advance(3600)
  t.equal((await sb.waitFor(viaOutcome.trackingId)).status, 'Failed')

  // faults through the helper and the journal through requests()
  const rules = await sb.faults.set([{ route: 'POST /failover', status: 503, retryAfter: 1, times: 1 }])
  t.same(rules, [{ route: 'POST /failover', status: 503, retryAfter: 1, times: 1, remaining: 1 }])
  const err = await sb.send(SMS(), { transactional: false }).catch((e: unknown) => e)
  t.ok(err instanceof SandboxHttpError)
  t.equal((err as SandboxHttpError).status, 503)
  t.equal((err as SandboxHttpError).headers['retry-after'], '1')
  t.same((await sb.faults.get())[0], { route: 'POST /failover', status: 503, retryAfter: 1, times: 0, remaining: 0 })
  await sb.faults.clear()
  t.same(await sb.faults.get(), [])
  t.equal(await sb.requests.count({ status: 503 }), 1)
  t.equal(await sb.requests.count({ method: 'POST', path: '/failover', status: '2xx' }), 2)
  const [last] = await sb.requests({ limit: 1 })
  t.equal(last.status, 503)
  t.same(last.fault, { source: 'rule', rule: 0, status: 503, retryAfter: 1 })
  await sb.requests.clear()
  t.equal(await sb.requests.count(), 0)

  // a header fault through send()
  t.equal(await statusOf(sb.send(SMS(), { fault: '502' })), 502)

  // without the option, a standard Viber step (free text, no template) goes to POST /failover
  const viberText = { flow: [{ type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to: '+306912345678', message: { text: 'hi' }, order: 1 }] }
  const standard = await sb.send(viberText)
  t.ok(standard.trackingId)
  t.equal(standard.flowKind, undefined, 'the standard answer has no flowKind')
  t.equal((await sb.send(SMS())).flowKind, 'transactional', 'anything else goes to /failover/transactional')
  t.equal(await statusOf(sb.send(viberText, { transactional: true })), 400, 'an explicit option wins')
  t.same((await sb.requests({ limit: 3 })).map((e) => e.path), ['/failover/transactional', '/failover/transactional', '/failover'])

  // bad input to the helpers fails at once, saying why
  await t.rejects(sb.advance(-1), RangeError)
  t.throws(() => sb.webhook('no spaces'), RangeError)

  // an isolated account: its own journal, faults and clock
  const other = await sb.account({ clock: 'manual' })
  t.not(other.accountId, sb.accountId)
  t.equal(other.url, sb.url, 'an account carries the sandbox url')
  await other.faults.set([{ route: 'POST /failover/transactional', status: 500 }])
  t.equal(await statusOf(other.send(SMS())), 500)
  const mine = await sb.send(SMS())
  t.ok(mine.trackingId, 'the first account is not faulted')
  t.equal(await other.requests.count(), 2, 'token and the faulted send')
  await other.faults.clear()
  const theirs = await other.send(SMS())
  await other.advance('idle')
  t.equal((await other.waitFor(theirs.trackingId)).status, 'Succeeded')
  t.equal((await other.messages()).length, 1)
  t.equal(await statusOf(other.waitFor(mine.trackingId, 'Succeeded', 100)), 404, 'accounts do not see each other\'s flows')
})
