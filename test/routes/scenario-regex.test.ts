import t from 'tap'
import { advance, build, send, smsStep, token, tracking } from '../helper.js'
import { ERRORS } from '../../src/errors.js'
import { MAX_SCENARIO_PATTERN, MAX_SCENARIO_SUBJECT, patternMatches, rulePattern } from '../../src/scenario-regex.js'

/* issue 11 point 6: hostile scenario rules */

t.test('PUT /_sandbox/scenarios refuses a catastrophic pattern with a 400 that says why', async (t) => {
  const app = await build(t)
  for (const to of ['/^(a+)+$/', '/(x+x+)+y/', '/^(\\d+)*$/']) {
    const res = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ channel: 'Voice', to, outcome: 'Busy' }] })
    t.equal(res.statusCode, 400, to)
    t.equal(res.json().type, 'ValidationError')
    t.equal(res.json().properties['[0].to'], ERRORS.SCENARIO_REGEX_UNSAFE.message)
  }
  const long = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ channel: 'Sms', to: `/^${'1'.repeat(MAX_SCENARIO_PATTERN)}$/`, outcome: 'Failed' }] })
  t.equal(long.statusCode, 400)
  t.equal(long.json().properties['[0].to'], ERRORS.SCENARIO_REGEX_TOO_LONG.message)
  const invalid = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ channel: 'Sms', to: '/(/', outcome: 'Failed' }] })
  t.equal(invalid.json().properties['[0].to'], ERRORS.SCENARIO_REGEX.message)
  // nothing was stored by the refused calls
  t.same((await app.inject({ method: 'GET', url: '/_sandbox/scenarios' })).json(), [])
  // a plain pattern is accepted, and works
  const ok = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ channel: 'Sms', to: '/^\\+30691234/', outcome: 'Failed' }] })
  t.equal(ok.statusCode, 200)
  const tok = await token(app)
  const sent = await send(app, tok, { flow: [smsStep('+306912345678')] }, { transactional: false })
  t.equal(sent.statusCode, 200)
  await advance(app, { until: 'idle' })
  t.equal((await tracking(app, tok, sent.json().trackingId)).status, 'Failed')
})

t.test('a regex rule never runs on a `to` longer than the bound; it returns at once', async (t) => {
  t.ok(patternMatches('^a+$', 'a'.repeat(MAX_SCENARIO_SUBJECT)))
  t.notOk(patternMatches('^a+$', 'a'.repeat(MAX_SCENARIO_SUBJECT + 1)))
  // an unsafe pattern stored before the check existed matches nothing, quickly
  const started = Date.now()
  t.notOk(patternMatches('^(a+)+$', `${'a'.repeat(40)}!`))
  t.ok(Date.now() - started < 100)
})

t.test('a regex written bare (sandbox.md: "exact or regex") works as one; a number stays exact', async (t) => {
  t.equal(rulePattern('+306912345678'), undefined, 'a number is exact')
  t.equal(rulePattern('/^\\+3069/'), '^\\+3069')
  t.equal(rulePattern('^\\+3069'), '^\\+3069')
  t.equal(rulePattern('+3069.*'), '\\+3069.*', 'a leading + is the plus sign')
  t.equal(rulePattern('+30(69|70)\\d+'), '\\+30(69|70)\\d+')
  const app = await build(t)
  const put = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ channel: 'Sms', to: '+306911.*', outcome: 'Failed' }, { channel: 'Sms', to: '^\\+30692', outcome: 'Undelivered' }] })
  t.equal(put.statusCode, 200)
  t.same(put.json().map((r: { to: string }) => r.to), ['+306911.*', '^\\+30692'], 'stored as written')
  const tok = await token(app)
  const ids = []
  for (const to of ['+306911000001', '+306920000001', '+306930000001']) {
    const sent = await send(app, tok, { flow: [smsStep(to)] }, { transactional: false })
    t.equal(sent.statusCode, 200)
    ids.push(sent.json().trackingId as string)
  }
  await advance(app, { until: 'idle' })
  t.same(await Promise.all(ids.map(async (id) => (await tracking(app, tok, id)).messages[0].status.name)), ['Failed', 'Undelivered', 'Delivered'])
  const bad = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ channel: 'Sms', to: '+30(69', outcome: 'Failed' }] })
  t.equal(bad.statusCode, 400, 'a bare pattern that does not compile is refused like a /…/ one')
  t.equal(bad.json().properties['[0].to'], ERRORS.SCENARIO_REGEX.message)
  const unsafe = await app.inject({ method: 'PUT', url: '/_sandbox/scenarios', payload: [{ channel: 'Sms', to: '^(\\d+)*$', outcome: 'Failed' }] })
  t.equal(unsafe.statusCode, 400, 'a bare catastrophic pattern is refused like a /…/ one')
  t.equal(unsafe.json().properties['[0].to'], ERRORS.SCENARIO_REGEX_UNSAFE.message)
  t.same((await app.inject({ method: 'GET', url: '/_sandbox/scenarios' })).json().map((r: { to: string }) => r.to), ['+306911.*', '^\\+30692'], 'the refused PUTs changed nothing')
})
