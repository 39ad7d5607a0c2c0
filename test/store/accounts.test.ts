import t, { type Test } from 'tap'
import { Store } from '../../src/store/index.js'
import { loadSeed } from '../../src/seed.js'
import { DEFAULT_SEED } from '../../src/paths.js'
import { toMicros } from '../../src/money.js'

// The store without HTTP or engine (STYLE.md "Tests"): accounts, the catalog and reset on ':memory:'.

const SEED = loadSeed(DEFAULT_SEED).accounts[0]
const CLOCK = { mode: 'manual' as const, scale: 1, baseSandbox: 0, baseReal: 0 }
const T0 = Date.UTC(2026, 0, 1)

function fresh (t: Test): Store {
  const store = new Store(':memory:')
  t.teardown(() => store.close())
  store.createAccount({ id: 'a', seed: SEED, clock: CLOCK, createdAt: T0 })
  return store
}

t.test('an account is created from its seed with its applications, senders and templates', async (t) => {
  const store = fresh(t)
  const account = store.accounts.get('a')!
  t.equal(account.balance, toMicros(SEED.balance), 'the balance in micro-units')
  t.same(account.currency, SEED.currency)
  t.same(account.clock, CLOCK)
  t.same(account.scenarios, [])
  t.equal(store.auth.applicationsOf('a').length, SEED.applications.length)
  t.equal(store.catalog.templates('a').length, SEED.templates.length)
  for (const s of SEED.senders) t.same(store.catalog.sender('a', s.id), s)
  t.equal(store.accounts.get('nope'), undefined)
  t.equal(store.accounts.count(), 1)
})

t.test('charge takes only what is there; setBalance sets it', async (t) => {
  const store = fresh(t)
  const balance = store.accounts.get('a')!.balance
  t.ok(store.accounts.charge('a', 1000), 'a charge the balance covers')
  t.equal(store.accounts.get('a')!.balance, balance - 1000)
  t.notOk(store.accounts.charge('a', balance), 'a charge over the balance is refused')
  t.equal(store.accounts.get('a')!.balance, balance - 1000, 'and takes nothing')
  store.accounts.setBalance('a', 5)
  t.equal(store.accounts.get('a')!.balance, 5)
})

t.test('templates: insert, status, delete; per account', async (t) => {
  const store = fresh(t)
  store.createAccount({ id: 'b', seed: SEED, clock: CLOCK, createdAt: T0, applications: [{ ...SEED.applications[0], id: 'b-app' }] })
  const template = { id: 'tpl-1', senderInfoTrackingId: SEED.senders[0].id, name: 'n', category: 'TRANSACTIONAL' as const, languages: { en: 'Hi {{x}}' }, status: 'PENDING' as const, createdAt: T0 }
  store.catalog.insertTemplate('a', template)
  t.same(store.catalog.template('a', 'tpl-1'), template)
  t.equal(store.catalog.template('b', 'tpl-1'), undefined, "another account's template is not seen")
  store.catalog.setTemplateStatus('a', 'tpl-1', 'APPROVED')
  t.equal(store.catalog.template('a', 'tpl-1')!.status, 'APPROVED')
  t.notOk(store.catalog.deleteTemplate('b', 'tpl-1'), 'not deleted through another account')
  t.ok(store.catalog.deleteTemplate('a', 'tpl-1'))
  t.notOk(store.catalog.deleteTemplate('a', 'tpl-1'), 'gone')
})

t.test('reset restores the seed balance and templates and keeps the account', async (t) => {
  const store = fresh(t)
  store.accounts.setBalance('a', 0)
  store.catalog.deleteTemplates('a')
  store.accounts.setScenarios('a', [{ channel: 'Sms', outcome: 'Failed' }])
  store.resetAccount('a', SEED, T0 + 1000)
  t.equal(store.accounts.get('a')!.balance, toMicros(SEED.balance))
  t.same(store.catalog.templates('a').map((x) => x.id).sort(), SEED.templates.map((x) => x.id).sort())
  t.ok(store.catalog.templates('a').every((x) => x.createdAt === T0 + 1000), 'restored at the reset time')
  t.same(store.accounts.get('a')!.scenarios, [{ channel: 'Sms', outcome: 'Failed' }], 'scenario rules are not part of reset')
})

t.test('deleting an account removes it and answers whether there was one', async (t) => {
  const store = fresh(t)
  t.ok(store.accounts.delete('a'))
  t.equal(store.accounts.get('a'), undefined)
  t.notOk(store.accounts.delete('a'))
})
