import t, { type Test } from 'tap'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { build, SEED_ACCOUNT, send, T0, templateViberStep, token } from '../helper.js'
import { Store } from '../../src/store/index.js'

// issue 15: a send's sender and template come from a bounded cache, its account's prices and
// scenario rules are parsed once per text, and a grouped send looks at the database file once per
// commit. None of it may answer from something that changed.

const SENDER = 'your-sender-info-tracking-id'
const PENDING = '5b0f3c1e-7a57-4c0e-9d43-3f4f8a1c2d10'

/** The seed account 'a' in a store that caches (seededStore's does not). */
function cachingStore (t: Test): Store {
  const store = new Store(':memory:', { trackingRecords: 100 })
  t.teardown(() => store.close())
  store.createAccount({ id: 'a', seed: SEED_ACCOUNT, clock: { mode: 'manual', scale: 1, baseSandbox: T0, baseReal: T0 }, createdAt: T0 })
  return store
}

t.test('a sender or template read is cached, and every catalog write forgets it', async (t) => {
  const store = cachingStore(t)
  const first = store.catalog.sender('a', SENDER)
  t.equal(store.catalog.sender('a', SENDER), first, 'the second read is the same object')
  t.ok(Object.isFrozen(first), 'shared, so frozen')
  t.equal(store.catalog.sender('a', 'nobody'), undefined)
  store.catalog.insertSender('a', { id: 'nobody', name: 'New', active: true })
  t.same(store.catalog.sender('a', 'nobody'), { id: 'nobody', name: 'New', active: true }, 'an unknown sender, then inserted: found')

  const [seeded] = store.catalog.templates('a')
  t.equal(store.catalog.template('a', seeded.id)?.status, seeded.status)
  store.catalog.setTemplateStatus('a', seeded.id, 'REJECTED')
  t.equal(store.catalog.template('a', seeded.id)?.status, 'REJECTED', 'a status change is seen')
  t.ok(Object.isFrozen(store.catalog.template('a', seeded.id)?.languages))
  store.catalog.deleteTemplate('a', seeded.id)
  t.equal(store.catalog.template('a', seeded.id), undefined, 'a deleted template is gone')
  store.catalog.insertTemplate('a', { ...seeded, status: 'PENDING', createdAt: T0 })
  t.equal(store.catalog.template('a', seeded.id)?.status, 'PENDING', 'and back')
  store.catalog.deleteTemplates('a')
  t.equal(store.catalog.template('a', seeded.id), undefined, 'all deleted')
})

t.test('a read inside a transaction that rolls back is not kept', async (t) => {
  const store = cachingStore(t)
  t.throws(() => store.transaction(() => {
    store.catalog.insertSender('a', { id: 'ghost', name: 'Ghost', active: true })
    t.ok(store.catalog.sender('a', 'ghost'), 'seen inside')
    throw new Error('roll back')
  }), /roll back/)
  t.equal(store.catalog.sender('a', 'ghost'), undefined, 'gone with the rollback')
})

t.test('deleting an account forgets its senders', async (t) => {
  const store = cachingStore(t)
  store.createAccount({ id: 'b', seed: SEED_ACCOUNT, clock: { mode: 'manual', scale: 1, baseSandbox: T0, baseReal: T0 }, createdAt: T0, applications: [{ ...SEED_ACCOUNT.applications[0], id: 'app-b' }] })
  t.ok(store.catalog.sender('b', SENDER))
  t.equal(store.catalog.sender('b', SENDER), store.catalog.sender('b', SENDER), 'cached')
  store.accounts.delete('b')
  store.forgetCached()
  t.equal(store.catalog.sender('b', SENDER), undefined)
})

t.test('through the API: a template approved, then reset to PENDING, is what the next send checks', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const flow = { flow: [templateViberStep('+306912345678', { templateId: PENDING, templateParams: { from_time: '9', to_time: '11' } })] }
  const first = await send(app, tok, flow)
  t.equal(first.statusCode, 400)
  t.match(first.body, /not APPROVED/, 'PENDING: refused')
  t.equal((await app.inject({ method: 'POST', url: `/_sandbox/templates/${PENDING}/approve` })).statusCode, 200)
  t.equal((await send(app, tok, flow)).statusCode, 200, 'approved: sent')
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/reset' })).statusCode, 200)
  t.match((await send(app, tok, flow)).body, /not APPROVED/, 'reset: PENDING again')
})

t.test('an account\'s prices and scenario rules: parsed once per text, a change is seen', async (t) => {
  const app = await build(t)
  const before = app.store.accounts.billing('sandbox')!
  t.equal(app.store.accounts.billing('sandbox')!.prices, before.prices, 'the same parsed prices')
  t.ok(Object.isFrozen(before.prices) && Object.isFrozen(before.scenarios), 'shared, so frozen')
  const put = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ to: '+306900000001', channel: 'Sms', outcome: 'FAILED' }] })
  t.equal(put.statusCode, 200, put.body)
  const after = app.store.accounts.billing('sandbox')!
  t.equal(after.scenarios.length, 1, 'the new rules')
  t.ok(Object.isFrozen(after.scenarios[0]))
  t.equal(after.balance, before.balance)
})

t.test('a send right after the database file went is refused by its group commit (503), not answered 200', async (t) => {
  const db = join(t.testdir(), 'gone.db')
  const app = await build(t, { config: { SANDBOX_DB: db } })
  const tok = await token(app)
  const sms = { flow: [{ type: 'Sms', from: 'Sandbox', to: '+306912345678', message: { body: 'hi' }, order: 1 }] }
  t.equal((await send(app, tok, sms, { transactional: false })).statusCode, 200, 'before: kept')
  // within 100 ms of the last look: the request's own check may go by it, the commit's may not
  rmSync(db)
  const refused = await send(app, tok, sms, { transactional: false })
  t.equal(refused.statusCode, 503, refused.body)
  t.equal(refused.json().code, '503000000')
  t.match(refused.json().developerMessage, /was deleted while the server ran/)
  t.equal((await send(app, tok, sms, { transactional: false })).statusCode, 503, 'and after')
})
