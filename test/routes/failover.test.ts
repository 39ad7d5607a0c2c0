import t from 'tap'
import { build, fixture, send, token, tracking } from '../helper.js'
import { ERRORS } from '../../src/errors.js'

t.test('the seed page example returns 200 as written', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, fixture('seed-example.json'))
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.match(body.trackingId, /^[0-9a-f-]{36}$/)
  t.equal(body.flowKind, 'transactional')
  t.equal(body.flow[0].templateId, '0aac888f-2ee2-4112-9659-1755a951966a')
  t.equal(body.flow[0].seq, 1, 'seq assigned')
  t.equal(body.flow[0].deliveryScope, 'PRIMARY_DEVICE')
  t.equal(body.flow[1].message.body, 'We could not reach you on Viber.')
  const record = await tracking(app, tok, body.trackingId)
  t.equal(record.flowKind, 'transactional')
  t.equal(record.messages[0].status.name, 'QUEUED')
})

t.test('the legacy 3-step example returns 200 on /failover, without flowKind', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, fixture('legacy-3-step.json'), { transactional: false })
  t.equal(res.statusCode, 200, res.body)
  t.notOk('flowKind' in res.json())
  t.equal(res.json().flow[1].dialPlan.verbs.length, 2)
})

t.test('template fields on /failover are refused with the catalog message', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const res = await send(app, tok, fixture('seed-example.json'), { transactional: false })
  t.equal(res.statusCode, 400)
  t.equal(res.json().code, '400000000')
  t.match(res.json().developerMessage, ERRORS.TEMPLATE_ON_STANDARD.message)
})
