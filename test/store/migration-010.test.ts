import t from 'tap'
import Database from 'better-sqlite3'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS_DIR } from '../../src/paths.js'
import { Store } from '../../src/store/index.js'

// migration 010 (issue 15): the tables under a flow refer to it, and events and history to their message,
// by integer keys; a database from before keeps every row, read back by the same ids

const count = (store: Store, table: string): number => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n

t.test('a database from before 010 keeps its flows, messages, history, events and callbacks', async (t) => {
  const file = join(t.testdir(), 'old.db')
  const old = new Database(file)
  old.pragma('journal_mode = WAL')
  old.pragma('foreign_keys = ON')
  for (const name of readdirSync(MIGRATIONS_DIR).filter((f) => /^00\d_.+\.sql$/.test(f)).sort()) old.exec(readFileSync(join(MIGRATIONS_DIR, name), 'utf8'))
  old.pragma('user_version = 9')
  old.prepare(`INSERT INTO accounts (id, name, balance, currency, prices, clock_mode, clock_scale, clock_base_sandbox, clock_base_real, seed, created_at)
    VALUES ('acc', 'Acc', 0, 'EUR', '{}', 'manual', 1, 0, 0, '{}', 0)`).run()
  const request = (to: string): string => JSON.stringify({ flow: [{ type: 'Sms', from: 'X', to, message: { body: 'hi' }, order: 1 }] })
  for (const [i, id] of ['f1', 'f2'].entries()) {
    const to = `+30691234567${i}`
    old.prepare(`INSERT INTO flows (id, account_id, application_id, kind, status, outcomes, warnings, created_at, updated_at, created_real)
      VALUES (?, 'acc', 'app', 'standard', 'InProgress', '{}', '[]', ?, ?, 1)`).run(id, 10 + i, 10 + i)
    old.prepare('INSERT INTO flow_requests (flow_id, request) VALUES (?, ?)').run(id, request(to))
    old.prepare("INSERT INTO flow_steps (flow_id, idx, type, to_number) VALUES (?, 0, 'Sms', ?)").run(id, to)
    old.prepare(`INSERT INTO messages (id, flow_id, account_id, step_idx, channel, to_number, status, detailed_status, description, status_at, price, outcome, data, created_at)
      VALUES (?, ?, 'acc', 0, 'Sms', ?, 'Queued', 'Queued', 'the old words', 1, 36000, '{"outcome":"Delivered","source":"default"}', '{"body":"hi"}', 1)`).run(`m${i + 1}`, id, to)
    old.prepare("INSERT INTO message_history (message_id, status, detailed_status, at) VALUES (?, 'Queued', 'Queued', 1)").run(`m${i + 1}`)
    old.prepare("INSERT INTO due_events (account_id, due_at, kind, flow_id, message_id, payload) VALUES ('acc', ?, 'message.status', ?, ?, '{\"status\":\"DELIVERED\"}')").run(100 + i, id, `m${i + 1}`)
  }
  old.prepare(`INSERT INTO callbacks (id, account_id, flow_id, seq, kind, url, body, state, created_at, created_real)
    VALUES ('c1', 'acc', 'f1', 1, 'status', 'http://127.0.0.1:1/cb', '{}', 'pending', 1, 1)`).run()
  old.prepare("INSERT INTO due_events (account_id, due_at, kind, flow_id, message_id, payload) VALUES ('acc', 200, 'callback.attempt', 'f1', NULL, '{\"callbackId\":\"c1\"}')").run()
  // a kind no handler knows (never scheduled by any version) is not carried over
  old.prepare("INSERT INTO due_events (account_id, due_at, kind, flow_id, message_id, payload) VALUES ('acc', 300, 'step.start', 'f1', 'm1', '{}')").run()
  old.close()

  const store = new Store(file)
  t.teardown(() => store.close())
  t.ok((store.db.pragma('user_version', { simple: true }) as number) >= 10)
  t.same(store.db.pragma('foreign_key_check'), [], 'every foreign key matches')
  t.equal(store.db.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are back on after the migration')
  t.same((store.db.prepare('PRAGMA table_info(flow_steps)').all() as Array<{ name: string }>).map((c) => c.name), ['fid', 'idx', 'type', 'to_number'])

  t.equal(store.flows.flow('f2')?.request.flow[0].to, '+306912345671', 'a flow reads back with its request')
  t.same(store.flows.messagesOf('f1').map((m) => [m.id, m.flowId, m.data.body]), [['m1', 'f1', 'hi']], 'its messages, with its id')
  const m2 = store.flows.message('m2')
  t.same([m2?.flowId, m2?.outcome], ['f2', { outcome: 'Delivered', source: 'default' }], 'plain JSON from before reads back')
  t.equal(m2?.description, 'The message is queued.', 'the description is the words of its status, no longer stored')
  t.same(store.flows.history('m1').map((h) => h.status), ['Queued'], 'the history follows its message')
  const first = store.events.next('acc')
  t.same([first?.kind, first?.flowId, first?.messageId, first?.payload], ['message.status', 'f1', 'm1', { status: 'DELIVERED' }], 'due events keep their kind, flow and message')
  t.same(store.flows.search('acc', { filters: [{ field: 'to', op: 'is', term: '+306912345671' }], page: 0, size: 10 }).flows.map((f) => f.id), ['f2'], 'the search by number finds it')
  t.same(store.flows.messages('acc', { trackingId: 'f2', limit: 10 }).map((m) => m.id), ['m2'])
  const callbackEvents = store.db.prepare('SELECT f.id AS flow, e.payload FROM due_events e JOIN flows f ON f.fid = e.fid WHERE e.kind = 2').all()
  t.same(callbackEvents, [{ flow: 'f1', payload: '{"callbackId":"c1"}' }], 'the callback attempt keeps its flow, its kind as a number')
  t.same(store.db.prepare('SELECT kind, count(*) AS n FROM due_events GROUP BY kind ORDER BY kind').all(), [{ kind: 0, n: 2 }, { kind: 2, n: 1 }], 'two status events, one attempt, no unknown kind')
  // a new message is written packed, and reads back the same
  store.flows.insertMessage({ ...m2!, id: 'm3', outcome: { outcome: 'Undelivered', source: 'header' }, data: { from: 'X', body: 'yo' } })
  t.ok((store.db.prepare("SELECT outcome FROM messages WHERE id = 'm3'").get() as { outcome: string }).outcome.length < 20, 'packed')
  t.same(store.flows.message('m3')?.outcome, { outcome: 'Undelivered', source: 'header' })
  t.equal(store.callbacks.get('c1')?.flowId, 'f1')

  // the rows under a flow still go with it
  store.flows.deleteFlowsOf('acc')
  for (const table of ['flows', 'flow_requests', 'flow_steps', 'messages', 'message_history', 'callbacks']) t.equal(count(store, table), 0, `${table} emptied with the flows`)
})
