import t from 'tap'
import Database from 'better-sqlite3'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { MIGRATIONS_DIR } from '../../src/paths.js'
import { Store } from '../../src/store/index.js'

// migration 012 (issue 15): journaled answers with a tracking id move to journal_answers; the entries that
// referred to another entry's answer (migration 008) refer to its number; every entry reads what it did

t.test('a journal from before 012 reads the same answers, shares on, and prunes without copies', async (t) => {
  const file = join(t.testdir(), 'old.db')
  const old = new Database(file)
  old.pragma('journal_mode = WAL')
  for (const name of readdirSync(MIGRATIONS_DIR).filter((f) => /^0(0\d|1[01])_.+\.sql$/.test(f)).sort()) old.exec(readFileSync(join(MIGRATIONS_DIR, name), 'utf8'))
  old.pragma('user_version = 11')
  const insert = old.prepare(`INSERT INTO requests (account_id, at, real_at, method, path, status, duration_ms, request_headers, request_body, response_body, tracking_id, error_code, fault, response_same_as)
    VALUES ('acc', 1, 1, ?, ?, ?, 1, '{}', NULL, ?, ?, NULL, NULL, ?)`)
  const v1 = '{"trackingId":"f1","v":1}'
  insert.run('POST', '/failover', 200, '{"trackingId":"f1"}', 'f1', null) // 1: a send's answer
  insert.run('GET', '/failover/tracking/f1', 200, v1, 'f1', null) // 2: in full
  insert.run('GET', '/failover/tracking/f1', 200, null, 'f1', 2) // 3: refers to 2
  insert.run('GET', '/failover/tracking/f1', 200, null, 'f1', 2) // 4: refers to 2
  insert.run('GET', '/failover/nowhere', 404, '{"code":"404000000"}', null, null) // 5: no tracking id: stays inline
  old.close()

  const store = new Store(file, { trackingRecords: 10 })
  t.teardown(() => store.close())
  const bodies = store.journal.list('acc').map((e) => e.responseBody)
  t.same(bodies, ['{"code":"404000000"}', v1, v1, v1, '{"trackingId":"f1"}'], 'every entry reads the answer it had')
  t.same(store.db.prepare('SELECT id, answer, response_body IS NOT NULL AS inline FROM requests ORDER BY id').all(),
    [{ id: 1, answer: 1, inline: 0 }, { id: 2, answer: 2, inline: 0 }, { id: 3, answer: 2, inline: 0 }, { id: 4, answer: 2, inline: 0 }, { id: 5, answer: null, inline: 1 }])
  t.same(store.db.prepare('SELECT id FROM journal_answers ORDER BY id').pluck().all(), [1, 2], 'each answer once, numbered by its entry')
  t.notOk(store.db.prepare("SELECT 1 FROM pragma_table_info('requests') WHERE name = 'response_same_as'").get(), 'the old column is gone')
  t.notOk(store.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'requests_shared'").get(), 'and its index')

  // new answers are numbered after the old ones; pruning the entry that held an answer copies nothing
  store.journal.insertMany([{ accountId: 'acc', at: 2, realAt: 2, method: 'GET', path: '/failover/tracking/f1', status: 200, durationMs: 1, requestHeaders: {}, requestBody: null, responseBody: '{"trackingId":"f1","v":2}', trackingId: 'f1', errorCode: null, fault: null }])
  t.equal(store.db.prepare('SELECT max(id) FROM journal_answers').pluck().get(), 3)
  t.equal(store.journal.pruneBeyond(3), 3)
  t.same(store.journal.list('acc').map((e) => e.responseBody), ['{"trackingId":"f1","v":2}', '{"code":"404000000"}', v1])
  t.same(store.db.prepare('SELECT id FROM journal_answers ORDER BY id').pluck().all(), [1, 2, 3], 'answers within reach of a kept entry stay')
})
