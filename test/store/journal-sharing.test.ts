import t, { type Test } from 'tap'
import { join } from 'node:path'
import { Store } from '../../src/store/index.js'
import type { JournalEntry } from '../../src/store/journal.js'
import { bearer, build, control, send, smsStep, token } from '../helper.js'

// migrations 008 and 012 (issue 15): a polled answer that does not change is stored once, then referred to

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
type Raw = { id: number, response_body: string | null, answer: number | null }
const raw = (store: Store): Raw[] => store.db.prepare('SELECT id, response_body, answer FROM requests ORDER BY id').all() as Raw[]
const answers = (store: Store): Array<{ id: number, v: number | string }> =>
  (store.db.prepare('SELECT id, body FROM journal_answers ORDER BY id').all() as Array<{ id: number, body: string }>).map((a) => ({ id: a.id, v: JSON.parse(a.body).v ?? 'x' }))

t.test('an unchanged answer for the same tracking id is stored once; every entry still reads it', async (t) => {
  const store = open(t)
  store.journal.insertMany([entry(), entry()])
  store.journal.insertMany([entry(), entry({ responseBody: '{"trackingId":"f1","v":2}' }), entry({ responseBody: '{"trackingId":"f1","v":2}' })])
  // another account, another tracking id: an answer of its own; no answer, or no tracking id: nothing shared
  store.journal.insertMany([entry({ accountId: 'b' }), entry({ trackingId: 'f2' }), entry({ responseBody: null }), entry({ trackingId: null })])
  t.same(answers(store).map((a) => a.v), [1, 2, 1, 1], 'four answers stored: f1 v1, f1 v2, b\'s f1, f2')
  const [a1, a2, b1, f2] = answers(store).map((a) => a.id)
  t.same(raw(store).map((r) => [r.response_body === null ? null : 'inline', r.answer]), [
    [null, a1], [null, a1], [null, a1], [null, a2], [null, a2], [null, b1], [null, f2], [null, null], ['inline', null]
  ])
  const list = store.journal.list('a', { limit: 100 }).reverse()
  t.same(list.map((e) => e.responseBody === null ? null : JSON.parse(e.responseBody).v), [1, 1, 1, 2, 2, 1, null, 1])
  t.same(store.journal.list('a', { trackingId: 'f1', limit: 3 }).map((e) => e.responseBody),
    [null, '{"trackingId":"f1","v":2}', '{"trackingId":"f1","v":2}'], 'filters see the shared answer')
})

t.test('pruning copies nothing: an answer goes once no entry after the cut can refer to it', async (t) => {
  const store = open(t)
  store.journal.insertMany([entry(), entry(), entry(), entry()])
  t.equal(store.journal.pruneBeyond(2), 2)
  t.same(raw(store).map((r) => [r.id, r.response_body, r.answer]), [[3, null, 1], [4, null, 1]], 'the kept entries still refer to the one answer')
  t.same(answers(store).map((a) => a.id), [1])
  for (const e of store.journal.list('a')) t.equal(e.responseBody, '{"trackingId":"f1","v":1}')
  store.journal.insertMany([entry(), entry({ responseBody: '{"trackingId":"f1","v":2}' })])
  t.same(raw(store).slice(2).map((r) => r.answer), [1, 2], 'still shared; a changed answer is stored')

  // by age: the same; once no kept entry has an answer, none is kept
  store.journal.insertMany([entry({ realAt: 5, trackingId: null })])
  t.equal(store.journal.pruneOlderThan(5), 4)
  t.same(raw(store).map((r) => [r.id, r.answer]), [[7, null]])
  t.same(answers(store), [], 'no entry refers to an answer: all went')
  store.journal.insertMany([entry()])
  t.same(raw(store).at(-1)?.answer, 3, 'a remembered answer that went is stored again')
  t.equal(store.journal.list('a')[0].responseBody, '{"trackingId":"f1","v":1}')
})

t.test('a cleared account is forgotten: its answers go, its next answer is stored again', async (t) => {
  const store = open(t)
  store.journal.insertMany([entry(), entry(), entry({ accountId: 'b' })])
  t.equal(store.journal.clear('a'), 2)
  t.same(answers(store).map((a) => a.id), [2], 'b\'s answer stays')
  store.journal.insertMany([entry(), entry()])
  const rows = raw(store)
  t.same(rows.map((r) => r.answer), [2, 3, 3])
})

t.test('a batch that rolls back leaves nothing to refer to', async (t) => {
  const store = open(t)
  store.db.exec("CREATE TRIGGER refuse BEFORE INSERT ON requests WHEN NEW.path = '/boom' BEGIN SELECT RAISE(ABORT, 'boom'); END")
  t.throws(() => store.journal.insertMany([entry(), entry({ path: '/boom' })]))
  t.same(raw(store), [])
  t.same(answers(store), [])
  store.journal.insertMany([entry()])
  t.equal(answers(store).length, 1, 'stored: the earlier answer never committed')
  t.equal(store.journal.list('a')[0].responseBody, '{"trackingId":"f1","v":1}')
})

t.test('through the API: a polled flow is journaled once in full, and every poll reads its answer', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const trackingId = (await send(app, tok, { flow: [smsStep('+306900000300')] }, { transactional: false })).json().trackingId
  const polls = []
  for (let i = 0; i < 3; i++) polls.push((await app.inject({ method: 'GET', url: `/failover/tracking/${trackingId}`, headers: bearer(tok) })).body)
  const journaled = (await control(app, 'GET', `/requests?method=GET&trackingId=${trackingId}`)).json()
  t.same(journaled.map((e: any) => e.response.body), polls.reverse(), 'each entry shows the answer its request got')
  const rows = app.store.db.prepare('SELECT answer FROM requests WHERE method = ? ORDER BY id').all('GET') as Raw[]
  t.equal(new Set(rows.map((r) => r.answer)).size, 1, 'stored once')
  t.equal(app.store.db.prepare('SELECT count(*) AS n FROM journal_answers').pluck().get(), 2, 'the send\'s answer and the polls\' one')
})

t.test('SANDBOX_TRACKING_CACHE=0 keeps no answer in memory: every answer is stored in full', async (t) => {
  const store = new Store(join(t.testdir(), 'j.db'), { trackingRecords: 0 })
  t.teardown(() => store.close())
  store.journal.insertMany([entry(), entry()])
  store.journal.insertMany([entry()])
  t.same(raw(store).map((r) => r.answer), [1, 2, 3])
})

t.test('at most SANDBOX_TRACKING_CACHE tracking ids are remembered, the least recently written forgotten first', async (t) => {
  const store = new Store(join(t.testdir(), 'j.db'), { trackingRecords: 2 })
  t.teardown(() => store.close())
  store.journal.insertMany([entry({ trackingId: 'a' }), entry({ trackingId: 'b' }), entry({ trackingId: 'c' })])
  store.journal.insertMany([entry({ trackingId: 'a' }), entry({ trackingId: 'c' })])
  t.same(raw(store).map((r) => r.answer), [1, 2, 3, 4, 3], 'a was forgotten, c shared')
})
