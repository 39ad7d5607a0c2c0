import t from 'tap'
import { build, fixture, send, token, tracking } from '../helper.js'

// issue 14, point 5: a send reads the account, its senders and its templates once — the checks read
// them and hand what they read to the first step — not once to check and again to send

t.test('the seed example reads its sender, template and account once each', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const calls = { sender: 0, template: 0, billing: 0 }
  const catalog = app.store.catalog
  const accounts = app.store.accounts
  const sender = catalog.sender.bind(catalog)
  const template = catalog.template.bind(catalog)
  const billing = accounts.billing.bind(accounts)
  catalog.sender = (...args) => { calls.sender++; return sender(...args) }
  catalog.template = (...args) => { calls.template++; return template(...args) }
  accounts.billing = (...args) => { calls.billing++; return billing(...args) }

  const res = await send(app, tok, fixture('seed-example.json'))
  t.equal(res.statusCode, 200)
  t.same(calls, { sender: 1, template: 1, billing: 1 }, 'one read of each')

  // what the first step shows came from those reads: the sender's display name and the rendered template
  const record = await tracking(app, tok, res.json().trackingId)
  t.equal(record.messages[0].from, 'YourBrand')
  const seen = (await app.inject({ method: 'GET', url: `/_sandbox/messages?trackingId=${res.json().trackingId}` })).json()
  t.match(JSON.stringify(seen[0]), /Alex/, 'the template was rendered with its parameters')
})

t.test('a later step (after failover) reads its sender afresh: it starts at another time', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const body = { flow: [{ type: 'Sms', from: 'Brand', to: '+306900000130', message: { body: 'first' }, order: 1 }, { type: 'Viber', senderInfoTrackingId: 'your-sender-info-tracking-id', to: '+306900000130', message: { text: 'then' }, order: 2 }] }
  const res = await send(app, tok, body, { transactional: false })
  t.equal(res.statusCode, 200)
  let reads = 0
  const catalog = app.store.catalog
  const sender = catalog.sender.bind(catalog)
  catalog.sender = (...args) => { reads++; return sender(...args) }
  await app.inject({ method: 'POST', url: '/_sandbox/clock/advance', payload: { seconds: 10 } })
  const record = await tracking(app, tok, res.json().trackingId)
  t.equal(record.messages.length, 2, 'the Sms failed (magic digit 3) and the Viber step started')
  t.equal(reads, 1, 'the Viber step read its sender when it started')
})
