import t from 'tap'
import { build, control } from '../helper.js'

t.test('the receiver takes anything, answers 200, lists oldest first, clears', async (t) => {
  const app = await build(t, { config: { SANDBOX_INBOX_MAX_BODY_BYTES: 256 } })
  const post = async (payload: string, contentType?: string) => await app.inject({
    method: 'POST', url: '/_sandbox/webhooks/ci-run_1', payload, headers: contentType === undefined ? {} : { 'content-type': contentType, 'x-trace': 'abc' }
  })
  t.equal((await post('{"trackingId":"t1"}', 'application/json')).statusCode, 200)
  t.equal((await post('{not json', 'application/json')).statusCode, 200, 'malformed JSON is still taken')
  t.equal((await post('<xml/>', 'text/xml')).statusCode, 200)
  t.equal((await post('a=1&b=2', 'application/x-www-form-urlencoded')).statusCode, 200)
  t.equal((await post('z'.repeat(1000), 'text/plain')).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/_sandbox/webhooks/ci-run_1' })).statusCode, 200, 'no body at all')

  const list = (await control(app, 'GET', '/webhooks/ci-run_1')).json()
  t.equal(list.length, 6)
  t.same(list[0].json, { trackingId: 't1' })
  t.equal(list[0].headers['x-trace'], 'abc')
  t.equal(list[0].contentType, 'application/json')
  t.equal(list[1].body, '{not json')
  t.notOk('json' in list[1])
  t.equal(list[2].body, '<xml/>')
  t.equal(list[3].body, 'a=1&b=2')
  t.equal(list[4].size, 1000)
  t.equal(list[4].truncated, true)
  t.match(list[4].body, /…\[truncated by the sandbox: 1000 bytes in all\]$/)
  t.equal(list[5].body, '')
  t.ok(list[0].id < list[5].id, 'oldest first')

  t.same((await control(app, 'GET', '/webhooks/other')).json(), [], 'inboxes are separate')
  t.same((await control(app, 'DELETE', '/webhooks/ci-run_1')).json(), { deleted: 6 })
  t.same((await control(app, 'GET', '/webhooks/ci-run_1')).json(), [])
  t.equal((await control(app, 'GET', '/webhooks/bad%20name')).statusCode, 400, 'a name that is not URL-safe is a 400')
})

t.test('callbacks of the sandbox land in its own receiver', async (t) => {
  const { startSandbox } = await import('../../src/index.js')
  const sb = await startSandbox()
  t.teardown(sb.close)
  const hook = sb.webhook('callbacks')
  const answer = await sb.send({ flow: [{ type: 'Sms', from: 'YourBrand', to: '+306900000200', message: { body: 'hi' }, order: 1 }], callback: { url: hook.url, strategy: 'OnChange' } }, { transactional: false })
  t.ok(answer.trackingId)
  await sb.advance('idle')
  const arrivals = await hook.waitFor(1)
  t.ok(arrivals.length >= 1)
  t.equal((arrivals[0].json as any).trackingId, answer.trackingId)
})

t.test('inboxes are pruned by count', async (t) => {
  const app = await build(t, { config: { SANDBOX_INBOX_MAX_ROWS: 2 } })
  for (let i = 0; i < 4; i++) await app.inject({ method: 'POST', url: '/_sandbox/webhooks/x', payload: String(i), headers: { 'content-type': 'text/plain' } })
  t.equal(app.store.inbox.pruneBeyond(2), 2)
  t.same((await control(app, 'GET', '/webhooks/x')).json().map((a: any) => a.body), ['2', '3'])
})
