import t from 'tap'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../../src/store/index.js'
import { AUTOCHECKPOINT_PAGES } from '../../src/store/checkpointer.js'

// issue 15: WAL checkpoints run in a worker thread, not inside a request's COMMIT

t.test('the main connection checkpoints only past a large bound; the worker copies the WAL in', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'failover-checkpoint-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'sandbox.db')
  const store = new Store(file)
  t.equal(store.db.pragma('wal_autocheckpoint', { simple: true }), AUTOCHECKPOINT_PAGES)
  t.equal(store.db.pragma('temp_store', { simple: true }), 2, 'savepoint journals in memory (temp_store = MEMORY)')
  store.db.exec('CREATE TABLE filler (x TEXT NOT NULL)')
  const insert = store.db.prepare('INSERT INTO filler (x) VALUES (?)')
  // ~2 MB over many commits: the old default (1000 pages) would have checkpointed inside one of them
  for (let i = 0; i < 500; i++) store.transaction(() => insert.run('x'.repeat(4000)))
  const walBefore = statSync(`${file}-wal`).size
  t.ok(walBefore > 4 * 1024 * 1024 / 2, `the WAL holds the writes (${walBefore} bytes)`)
  const sizeBefore = statSync(file).size
  await store.checkpointer!.checkpointNow()
  t.ok(statSync(file).size > sizeBefore + 1024 * 1024, 'the worker copied the pages into the database file')
  // the main connection finds nothing left to copy
  const [state] = store.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ busy: number, log: number, checkpointed: number }>
  t.equal(state.log, state.checkpointed, 'every frame already checkpointed')
  // writes go on while the worker exists
  store.transaction(() => insert.run('after'))
  store.close()
  const again = new Store(file)
  t.equal((again.db.prepare('SELECT count(*) AS n FROM filler').get() as { n: number }).n, 501, 'everything is there after a reopen')
  again.close()
})

t.test(':memory: has no checkpointer', async (t) => {
  const store = new Store(':memory:')
  t.equal(store.checkpointer, undefined)
  store.close()
})
