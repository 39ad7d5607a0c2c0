// The floor of a durable accept, for issue 15's create target: a bare Fastify POST route that does the
// least a send must do before its 200 and nothing else. The body is parsed (Fastify's parser, like the
// bare route), stored as one row appended to a table (with FLOOR_INDEX=1, one index on the number), in
// a group commit per turn of the event loop, in WAL with synchronous=NORMAL and checkpoints off the
// request path, as the sandbox stores; the answer goes after the COMMIT. No authentication, validation,
// phone numbers, steps, journal or balance. bench/run.ts measures it beside the bare route (the ceiling
// of any sandbox that answers after storing); bench/floor.ts compares its modes.
import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import Fastify from 'fastify'

if (process.env.FLOOR_DB === undefined) throw new Error('FLOOR_DB: the database file to store into')
const db = new Database(process.env.FLOOR_DB)
db.pragma('journal_mode = WAL')
db.pragma('synchronous = NORMAL')
// checkpoints off the request path, as the sandbox's checkpointer does; here none at all (a run is
// seconds), so the floor does not even pay the checkpoints' CPU: it is, if anything, optimistic
db.pragma('wal_autocheckpoint = 0')
// the cheapest table there is: rows appended in rowid order; FLOOR_INDEX=1 adds the one index the
// search by number needs (the sandbox also finds a flow by its id, which this does not index)
db.exec('CREATE TABLE IF NOT EXISTS sends (id TEXT NOT NULL, "to" TEXT NOT NULL, body TEXT NOT NULL)')
if (process.env.FLOOR_INDEX === '1') db.exec('CREATE INDEX IF NOT EXISTS sends_to ON sends ("to")')
const insert = db.prepare('INSERT INTO sends (id, "to", body) VALUES (?, ?, ?)')
let queue = []
const flush = db.transaction((q) => { for (const s of q) insert.run(s.id, s.to, s.body) })
// FLOOR_MODE: group (the default: the sandbox's way), sync (each INSERT its own transaction, answered
// at once), defer (no database: only the wait for the next turn of the event loop), none (neither)
const mode = process.env.FLOOR_MODE ?? 'group'
const grouped = async (id, to, body) => {
  if (mode === 'none') return
  if (mode === 'sync') { insert.run(id, to, body); return }
  await new Promise((resolve, reject) => {
    // a failed commit still settles every send (as an error), so a run ends instead of hanging
    if (queue.length === 0) {
      setImmediate(() => {
        const q = queue
        queue = []
        try {
          if (mode === 'group') flush(q)
          for (const s of q) s.resolve()
        } catch (err) {
          for (const s of q) s.reject(err)
        }
      })
    }
    queue.push({ id, to, body, resolve, reject })
  })
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 })
app.post('/floor', async (request, reply) => {
  if (typeof request.body !== 'object' || request.body === null) return await reply.code(400).send({ code: '400000000' })
  const id = randomUUID()
  await grouped(id, String(request.body.flow?.[0]?.to), JSON.stringify(request.body))
  return await reply.type('application/json').send(JSON.stringify({ trackingId: id, ...request.body, createdAt: new Date().toISOString() }))
})
app.get('/health', async () => ({ status: 'ok' }))
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
