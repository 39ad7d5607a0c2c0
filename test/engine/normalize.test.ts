import t from 'tap'
import { normalize } from '../../src/engine/accept.js'

// issue 15: normalize copies the parsed body without structuredClone; the copy must be as deep and as plain

t.test('the flow kept is a deep copy: defaults go into it, never into the body given', async (t) => {
  const body = { flow: [{ type: 'Sms', from: 'B', to: '+306912345678', message: { body: 'hi' }, order: 1 }], callback: { url: 'https://x.test' } }
  const before = JSON.stringify(body)
  const request = normalize(body, [], () => 1) as any
  t.equal(JSON.stringify(body), before, 'the body is untouched')
  t.equal(request.flow[0].ttl, 1200)
  t.equal(request.flow[0].message.flash, false)
  t.equal(request.callback.strategy, 'OnCompletion')
  t.not(request.flow[0].message, body.flow[0].message)
})

t.test('an own "__proto__" key stays an own property of the copy, and is stripped as unknown', async (t) => {
  const body = JSON.parse('{"flow":[{"type":"Sms","from":"B","to":"+306912345678","message":{"body":"hi","__proto__":{"polluted":true}},"order":1}]}')
  const kept = normalize(body, [], () => 1) as any
  t.equal(Object.getPrototypeOf(kept.flow[0].message), Object.prototype, 'the prototype is not replaced')
  t.ok(Object.hasOwn(kept.flow[0].message, '__proto__'))
  t.equal(kept.flow[0].message.polluted, undefined)
  const stripped = normalize(body, ['flow[0].message.__proto__'], () => 1) as any
  t.notOk(Object.hasOwn(stripped.flow[0].message, '__proto__'), 'stripped')
  t.equal(({} as any).polluted, undefined)
})
