import t, { type Test } from 'tap'
import { Store } from '../../src/store/index.js'
import { loadSeed } from '../../src/seed.js'
import { DEFAULT_SEED } from '../../src/paths.js'

// due_events without the scheduler: the order events come out in, per account, and their removal

const SEED = loadSeed(DEFAULT_SEED).accounts[0]
const T0 = Date.UTC(2026, 0, 1)

function fresh (t: Test): Store {
  const store = new Store(':memory:')
  t.teardown(() => store.close())
  const clock = { mode: 'manual' as const, scale: 1, baseSandbox: T0, baseReal: T0 }
  store.createAccount({ id: 'a', seed: SEED, clock, createdAt: T0 })
  store.createAccount({ id: 'b', seed: SEED, clock, createdAt: T0, applications: [{ ...SEED.applications[0], id: 'b-app' }] })
  return store
}

const event = (accountId: string, dueAt: number, messageId: string | null = null) =>
  ({ accountId, dueAt, kind: 'message.status' as const, flowId: null, messageId, payload: { status: 'Sent', at: dueAt } })

t.test('events come out by due time, then in the order they were added', async (t) => {
  const store = fresh(t)
  const late = store.events.add(event('a', T0 + 2000))
  const first = store.events.add(event('a', T0 + 1000))
  const tie = store.events.add(event('a', T0 + 1000))
  t.equal(store.events.next('a')!.id, first)
  t.same(store.events.next('a')!.payload, { status: 'Sent', at: T0 + 1000 }, 'the payload as stored')
  t.equal(store.events.next('a', T0 + 999), undefined, 'nothing due before the first')
  store.events.delete(first)
  t.equal(store.events.next('a', T0 + 1000)!.id, tie, 'a tie: the one added first')
  store.events.delete(tie)
  t.equal(store.events.next('a', T0 + 1000), undefined)
  t.equal(store.events.next('a', T0 + 2000)!.id, late)
  t.equal(store.events.pending('a'), 1)
})

t.test('per account: the earliest of each, and clearing one account leaves the other', async (t) => {
  const store = fresh(t)
  store.events.add(event('a', T0 + 5000))
  store.events.add(event('b', T0 + 3000))
  store.events.add(event('b', T0 + 1000))
  t.same(store.events.earliestByAccount().sort((x, y) => x.accountId.localeCompare(y.accountId)), [
    { accountId: 'a', dueAt: T0 + 5000 },
    { accountId: 'b', dueAt: T0 + 1000 }
  ])
  t.equal(store.events.next('a', T0 + 4000), undefined, "another account's events are not this one's")
  store.events.deleteForAccount('b')
  t.equal(store.events.pending('b'), 0)
  t.equal(store.events.pending('a'), 1)
  t.same(store.events.earliestByAccount(), [{ accountId: 'a', dueAt: T0 + 5000 }], 'accounts without events are left out')
})

// events refer to their message by its integer key (migration 010): the messages must exist
function withMessages (store: Store, ids: string[]): void {
  store.flows.insertFlow({ id: 'f', accountId: 'a', applicationId: 'app', kind: 'standard', request: { flow: [] } as never, outcomes: {}, warnings: [], createdAt: T0, updatedAt: T0, createdReal: T0 }, [])
  for (const id of ids) {
    store.flows.insertMessage({ id, flowId: 'f', accountId: 'a', stepIdx: 0, channel: 'Sms', to: '+306912345678', status: 'Queued', detailedStatus: 'Queued', description: '', statusAt: T0, final: false, price: 0, outcome: {}, data: {}, cleared: false, createdAt: T0 })
  }
}

t.test("a message's events of one kind are cancelled together", async (t) => {
  const store = fresh(t)
  withMessages(store, ['m1', 'm2'])
  store.events.add(event('a', T0 + 1000, 'm1'))
  store.events.add(event('a', T0 + 2000, 'm1'))
  store.events.add({ ...event('a', T0 + 3000, 'm1'), kind: 'message.expire' })
  store.events.add({ ...event('a', T0 + 1500, 'm2'), flowId: 'f' })
  store.events.cancelForMessage('m1', 'message.status')
  t.equal(store.events.pending('a'), 2, 'the expiry and the other message stay')
  t.equal(store.events.next('a')!.messageId, 'm2')
  t.equal(store.events.next('a')!.flowId, 'f', 'read back with its flow\'s id')
})
