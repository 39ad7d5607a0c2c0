import t, { type Test } from 'tap'
import { Store } from '../../src/store/index.js'
import { bearer, build, send, smsStep, token, tracking } from '../helper.js'

// issue 15, "group commit": the sends of one event-loop turn share one transaction; each settles after its COMMIT

function store (t: Test, groupMax?: number): Store {
  const s = new Store(':memory:', { groupMax })
  t.teardown(() => s.close())
  s.db.exec('CREATE TABLE t (x INTEGER NOT NULL)')
  return s
}
const rows = (s: Store): number[] => (s.db.prepare('SELECT x FROM t ORDER BY rowid').all() as Array<{ x: number }>).map((r) => r.x)
const insert = (s: Store, x: number) => () => { s.db.prepare('INSERT INTO t (x) VALUES (?)').run(x); return x }

t.test('the writes of one turn commit together, in order, and settle only after the commit', async (t) => {
  const s = store(t)
  let flushes = 0
  const flush = s.flush.bind(s)
  s.flush = () => { flushes++; flush() }
  let settled = 0
  const all = [1, 2, 3].map((x) => s.grouped(insert(s, x)).then((v) => { settled++; return v }))
  t.same(rows(s), [], 'nothing written during the turn')
  await Promise.resolve()
  t.equal(settled, 0, 'nothing settled before the commit')
  t.same(await Promise.all(all), [1, 2, 3])
  t.same(rows(s), [1, 2, 3], 'in arrival order')
  t.equal(flushes, 1, 'one transaction for the three')
  t.notOk(s.db.inTransaction)
})

t.test('a write that throws rolls back alone; the others commit', async (t) => {
  const s = store(t)
  const failing = s.grouped(() => { insert(s, 99)(); throw new Error('refused') })
  const ok = [s.grouped(insert(s, 1)), s.grouped(insert(s, 2))]
  await t.rejects(failing, /refused/)
  t.same(await Promise.all(ok), [1, 2])
  t.same(rows(s), [1, 2], 'the failed write left nothing')
})

t.test('a commit that fails rejects every write of the group and stores none', async (t) => {
  const s = store(t)
  s.db.exec('CREATE TABLE fk_parent (id INTEGER PRIMARY KEY)')
  s.db.exec('CREATE TABLE fk_child (p INTEGER REFERENCES fk_parent(id) DEFERRABLE INITIALLY DEFERRED)')
  // a deferred foreign key is checked at COMMIT: the whole group's commit fails
  const bad = s.grouped(() => s.db.prepare('INSERT INTO fk_child (p) VALUES (42)').run())
  const good = s.grouped(insert(s, 1))
  await t.rejects(bad, /FOREIGN KEY/)
  await t.rejects(good, /FOREIGN KEY/, 'its neighbour too: it never committed')
  t.same(rows(s), [])
  t.notOk(s.db.inTransaction, 'rolled back')
  t.same(await s.grouped(insert(s, 2)), 2, 'the next group commits')
})

t.test('a transaction started while writes wait commits them first', async (t) => {
  const s = store(t)
  const queued = s.grouped(insert(s, 1))
  s.transaction(() => { t.same(rows(s), [1], 'the queued write is already committed'); insert(s, 2)() })
  t.same(await queued, 1)
  t.same(rows(s), [1, 2])
})

t.test('queued inside a transaction: the flush waits for the next turn, never nests', async (t) => {
  const s = store(t, 1)
  let p: Promise<number> | undefined
  s.transaction(() => { p = s.grouped(insert(s, 1)) })
  t.same(await p, 1)
  t.same(rows(s), [1])
})

t.test('SANDBOX_COMMIT_GROUP_MAX bounds a group', async (t) => {
  const s = store(t, 2)
  let flushes = 0
  const flush = s.flush.bind(s)
  s.flush = () => { flushes++; flush() }
  const all = [1, 2, 3, 4, 5].map((x) => s.grouped(insert(s, x)))
  t.equal(flushes, 2, 'two full groups committed at once')
  t.same(rows(s), [1, 2, 3, 4])
  t.same(await Promise.all(all), [1, 2, 3, 4, 5])
  t.same(rows(s), [1, 2, 3, 4, 5])
})

t.test('sends through the API: many at once, each answered with a stored flow', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  let flushes = 0
  const flush = app.store.flush.bind(app.store)
  app.store.flush = () => { flushes++; flush() }
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => send(app, tok, { flow: [smsStep(`+3069123456${String(i).padStart(2, '0')}`)] }, { transactional: false })))
  for (const a of answers) t.equal(a.statusCode, 200, a.body)
  const ids = answers.map((a) => a.json().trackingId)
  t.equal(new Set(ids).size, 8, 'eight flows')
  t.ok(flushes < 8, `fewer commits than sends (${flushes})`)
  for (const id of ids) t.equal((await tracking(app, tok, id)).trackingId, id)
  // a refused send (no such template) is still a 400 of its own, the others unaffected
  const mixed = await Promise.all([
    send(app, tok, { flow: [{ ...smsStep('+306912345600'), type: 'Viber', templateId: 'nope' }] }),
    send(app, tok, { flow: [smsStep('+306912345601')] }, { transactional: false })
  ])
  t.equal(mixed[0].statusCode, 400, mixed[0].body)
  t.equal(mixed[1].statusCode, 200, mixed[1].body)
  const after = await app.inject({ method: 'GET', url: `/failover/tracking/${mixed[1].json().trackingId as string}`, headers: bearer(tok) })
  t.equal(after.statusCode, 200)
})

t.test('the balance is checked in the group: two sends in one turn with money for one, the second is refused (not sent Unsent)', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  // one Sms costs 0.036 in the seed account: 0.05 pays for one
  t.equal((await app.inject({ method: 'PUT', url: '/_sandbox/balance', payload: { balance: 0.05 } })).statusCode, 200)
  let flushes = 0
  const flush = app.store.flush.bind(app.store)
  app.store.flush = () => { flushes++; flush() }
  const [first, second] = await Promise.all([
    send(app, tok, { flow: [smsStep('+306912345610')] }, { transactional: false }),
    send(app, tok, { flow: [smsStep('+306912345611')] }, { transactional: false })
  ])
  t.equal(flushes, 1, 'one group')
  t.equal(first.statusCode, 200, first.body)
  t.equal(second.statusCode, 400, second.body)
  t.equal(second.json().code, '400001009', 'InsufficientBalance, with the balance the first send left')
  t.match(second.json().developerMessage, /costs 0\.036 EUR and the balance is 0\.014/)
  const record = await tracking(app, tok, first.json().trackingId)
  t.not(record.messages[0].status, 'Unsent', 'the first was charged and sent')
  t.same(app.store.db.prepare('SELECT count(*) AS n FROM flows').get(), { n: 1 }, 'the refused send left no flow')
})
