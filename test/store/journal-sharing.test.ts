import t, { type Test } from 'tap'
import { join } from 'node:path'
import { Store } from '../../src/store/index.js'
import type { JournalEntry } from '../../src/store/journal.js'
import { bearer, build, control, send, smsStep, token } from '../helper.js'

// migration 008 (issue 15): a polled answer that does not change is stored once, then referred to

const entry = (over: Partial<JournalEntry> = {}): JournalEntry => ({
  accountId: 'a',
  at: 1,
  realAt: 1,
  method: 'GET',
  path: '/failover/tracking/f1',
  status: 200,
  durationMs: 1,
  requestHeaders: { host: 'x' },
  requestBody: null,
  responseBody: '{"trackingId":"f1","v":1}',
  trackingId: 'f1',
  errorCode: null,
  fault: null,
  ...over
})

function open (t: Test): Store {
  const store = new Store(join(t.testdir(), 'j.db'), { trackingRecords: 100 })
  t.teardown(() => store.close())
  return store
}
type Raw = { id: number, response_body: string | null, response_same_as: number | null }
const raw = (store: Store): Raw[] => store.db.prepare('SELECT id, response_body, response_same_as FROM requests ORDER BY id').all() as Raw[]

t.test('an unchanged answer for the same tracking id is stored once; every entry still reads it', async (t) => {
  const store = open(t)
  store.journal.insertMany([entry(), entry()])
  store.journal.insertMany([entry(), entry({ responseBody: '{"trackingId":"f1","v":2}' }), entry({ responseBody: '{"trackingId":"f1","v":2}' })])
  // another account, another tracking id, no answer: never shared
  store.journal.insertMany([entry({ accountId: 'b' }), entry({ trackingId: 'f2' }), entry({ responseBody: null }), entry({ trackingId: null })])
  t.same(raw(store).map((r) => [r.response_body === null ? null : JSON.parse(r.response_body).v ?? 'x', r.response_same_as]), [
    [1, null], [null, 1], [null, 1], [2, null], [null, 4], [1, null], [1, null], [null, null], [1, null]
  ])
  const list = store.journal.list('a', { limit: 100 }).reverse()
  t.same(list.map((e) => e.responseBody === null ? null : JSON.parse(e.responseBody).v), [1, 1, 1, 2, 2, 1, null, 1])
  t.same(store.journal.list('a', { trackingId: 'f1', limit: 3 }).map((e) => e.responseBody),
    [null, '{"trackingId":"f1","v":2}', '{"trackingId":"f1","v":2}'], 'filters see the shared answer')
})

t.test('pruning the row an answer is shared with copies it into the rows that keep it', async (t) => {
  const store = open(t)
  store.journal.insertMany([entry(), entry(), entry(), entry()])
  t.equal(store.journal.pruneBeyond(2), 2)
  t.same(raw(store).map((r) => [r.id, r.response_body !== null, r.response_same_as]), [[3, true, null], [4, true, null]],
    'the kept rows hold the answer again')
  store.journal.insertMany([entry(), entry()])
  t.same(raw(store).slice(2).map((r) => [r.id, r.response_body !== null, r.response_same_as]), [[5, true, null], [6, false, 5]],
    'nothing refers to a pruned row: the next answer is written in full, then shared')
  for (const e of store.journal.list('a')) t.equal(e.responseBody, '{"trackingId":"f1","v":1}')

  // by age: the same
  store.journal.insertMany([entry({ realAt: 5 })])
  t.equal(raw(store).at(-1)?.response_same_as, 5, 'shared with the row about to go')
  t.equal(store.journal.pruneOlderThan(5), 4)
  t.same(raw(store).map((r) => [r.id, r.response_body !== null, r.response_same_as]), [[7, true, null]])
  t.equal(store.journal.list('a')[0].responseBody, '{"trackingId":"f1","v":1}')
})

t.test('a cleared account is forgotten: its next answer is written in full', async (t) => {
  const store = open(t)
  store.journal.insertMany([entry(), entry()])
  store.journal.clear('a')
  store.journal.insertMany([entry(), entry()])
  const rows = raw(store)
  t.equal(rows.length, 2)
  t.not(rows[0].response_body, null)
  t.equal(rows[1].response_same_as, rows[0].id)
})

t.test('a batch that rolls back leaves nothing to refer to', async (t) => {
  const store = open(t)
  store.db.exec("CREATE TRIGGER refuse BEFORE INSERT ON requests WHEN NEW.path = '/boom' BEGIN SELECT RAISE(ABORT, 'boom'); END")
  t.throws(() => store.journal.insertMany([entry(), entry({ path: '/boom' })]))
  t.same(raw(store), [])
  store.journal.insertMany([entry()])
  t.not(raw(store)[0].response_body, null, 'written in full: the earlier row never committed')
})

t.test('through the API: a polled flow is journaled once in full, and every poll reads its answer', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const trackingId = (await send(app, tok, { flow: [smsStep('+306900000300')] }, { transactional: false })).json().trackingId
  const polls = []
  for (let i = 0; i < 3; i++) polls.push((await app.inject({ method: 'GET', url: `/failover/tracking/${trackingId}`, headers: bearer(tok) })).body)
  const journaled = (await control(app, 'GET', `/requests?method=GET&trackingId=${trackingId}`)).json()
  t.same(journaled.map((e: any) => e.response.body), polls.reverse(), 'each entry shows the answer its request got')
  const rows = app.store.db.prepare('SELECT response_same_as FROM requests WHERE method = ? ORDER BY id').all('GET') as Raw[]
  t.same(rows.map((r) => r.response_same_as === null), [true, false, false], 'stored in full once')
})

t.test('SANDBOX_TRACKING_CACHE=0 keeps no answer in memory: every answer is stored in full', async (t) => {
  const store = new Store(join(t.testdir(), 'j.db'), { trackingRecords: 0 })
  t.teardown(() => store.close())
  store.journal.insertMany([entry(), entry()])
  store.journal.insertMany([entry()])
  t.same(raw(store).map((r) => r.response_same_as), [null, null, null])
})

t.test('at most SANDBOX_TRACKING_CACHE tracking ids are remembered, the least recently written forgotten first', async (t) => {
  const store = new Store(join(t.testdir(), 'j.db'), { trackingRecords: 2 })
  t.teardown(() => store.close())
  store.journal.insertMany([entry({ trackingId: 'a' }), entry({ trackingId: 'b' }), entry({ trackingId: 'c' })])
  store.journal.insertMany([entry({ trackingId: 'a' }), entry({ trackingId: 'c' })])
  t.same(raw(store).map((r) => r.response_same_as), [null, null, null, null, 3], 'a was forgotten, c shared')
})
