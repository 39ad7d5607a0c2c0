import t from 'tap'
import { build, send, smsStep, token } from '../helper.js'

// "every queue has a bound": attempts waiting for a delivery slot stay few; the rest wait as due rows in SQLite

t.test('the timer path holds back once SANDBOX_CALLBACK_QUEUE_MAX attempts wait for a slot, then delivers every one', async (t) => {
  let posts = 0
  const held: Array<() => void> = []
  const app = await build(t, {
    config: { SANDBOX_CALLBACK_CONCURRENCY: 1, SANDBOX_CALLBACK_QUEUE_MAX: 2 },
    fetch: async () => {
      posts++
      await new Promise<void>((resolve) => held.push(resolve))
      return { status: 200 }
    }
  })
  const tok = await token(app)
  const FLOWS = 700 // more than one scheduler batch (500 events) of callback attempts
  for (let i = 0; i < FLOWS; i++) {
    const res = await send(app, tok, { flow: [smsStep()], callback: { strategy: 'OnCompletion', url: 'http://127.0.0.1:9/hook' } }, { transactional: false })
    t.equal(res.statusCode, 200)
  }
  const now = (await app.inject({ method: 'GET', url: '/_sandbox/clock' })).json().now
  // a jump runs what falls due in the background way (effects not awaited between batches)
  const jumped = app.inject({ method: 'POST', url: '/_sandbox/clock', payload: { now: new Date(Date.parse(now) + 3_600_000).toISOString() } })
  for (let i = 0; i < 500 && posts < 1; i++) await new Promise((resolve) => setImmediate(resolve))
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve))
  t.equal(posts, 1, 'one attempt on the wire')
  t.ok(app.store.events.pending('sandbox') > 0, 'due attempts are held back as rows while the queue is full')

  // release the receiver: every callback arrives once, and the jump finishes
  while (posts < FLOWS || held.length > 0) {
    const release = held.shift()
    if (release) release()
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.equal((await jumped).statusCode, 200)
  t.equal(posts, FLOWS, 'each callback POSTed exactly once')
  const callbacks = (await app.inject({ method: 'GET', url: '/_sandbox/callbacks?limit=1000' })).json()
  t.ok(callbacks.every((c: any) => c.state === 'delivered'), 'all delivered')
})
