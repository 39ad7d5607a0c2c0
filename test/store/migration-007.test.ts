import t from 'tap'
import Database from 'better-sqlite3'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS_DIR } from '../../src/paths.js'
import { Store } from '../../src/store/index.js'

// migration 007 (issue 15): the request moves beside the flow row; due events lose their flow index

t.test('a database from before 007 keeps every flow and its request', async (t) => {
  const file = join(t.testdir(), 'old.db')
  const old = new Database(file)
  old.pragma('journal_mode = WAL')
  for (const name of readdirSync(MIGRATIONS_DIR).filter((f) => /^00[1-4]_.+\.sql$/.test(f)).sort()) old.exec(readFileSync(join(MIGRATIONS_DIR, name), 'utf8'))
  old.pragma('user_version = 4')
  old.prepare(`INSERT INTO accounts (id, name, balance, currency, prices, clock_mode, clock_scale, clock_base_sandbox, clock_base_real, seed, created_at)
    VALUES ('acc', 'Acc', 0, 'EUR', '{}', 'manual', 1, 0, 0, '{}', 0)`).run()
  const request = { flow: [{ type: 'Sms', from: 'X', to: '+306912345678', message: { body: 'hi' }, order: 1 }] }
  old.prepare(`INSERT INTO flows (id, account_id, application_id, kind, status, request, outcomes, warnings, created_at, updated_at, created_real)
    VALUES ('f1', 'acc', 'app', 'standard', 'InProgress', ?, '{}', '[]', 1, 1, 1)`).run(JSON.stringify(request))
  old.prepare("INSERT INTO flow_steps (flow_id, idx, type, to_number) VALUES ('f1', 0, 'Sms', '+306912345678')").run()
  old.close()

  const store = new Store(file)
  t.teardown(() => store.close())
  t.ok((store.db.pragma('user_version', { simple: true }) as number) >= 7)
  const columns = (store.db.prepare('PRAGMA table_info(flows)').all() as Array<{ name: string }>).map((c) => c.name)
  t.notOk(columns.includes('request'), 'the flow row has no request column')
  const flow = store.flows.flow('f1')
  t.same(flow?.request, request, 'the request moved with its flow')
  t.equal(store.flows.search('acc', { filters: [], page: 0, size: 10 }).flows[0].request.flow[0].to, '+306912345678', 'and reads back in a search page')
  const indexes = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'due_events'").all() as Array<{ name: string }>).map((r) => r.name)
  t.notOk(indexes.includes('due_events_flow'))
  t.ok(indexes.includes('due_events_callback'))
  const plan = (store.db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM callbacks c WHERE c.state = 'pending' AND NOT EXISTS (SELECT 1 FROM due_events e
      WHERE e.fid = (SELECT f.fid FROM flows f WHERE f.id = c.flow_id) AND e.kind = 2 AND json_extract(e.payload, '$.callbackId') = c.id)`).all() as Array<{ detail: string }>).map((r) => r.detail).join('\n')
  t.match(plan, /due_events_callback/, 'the restart\'s look for pending attempts still uses an index')
  // the request goes with its flow
  store.flows.deleteFlowsOf('acc')
  t.equal((store.db.prepare('SELECT count(*) AS n FROM flow_requests').get() as { n: number }).n, 0)
})
