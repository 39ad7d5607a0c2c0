import t from 'tap'
import { ERRORS } from '../../src/errors.js'
import { bearer, control, fixture, send, smsStep, timeline, viberStep, voiceStep, type Timeline } from '../helper.js'

// provider-api.md §5: prices are charged when a step is sent; SMS per part (GSM-7 160 chars, 153 per
// part when split; otherwise UCS-2 70 / 67); totalPrice is the sum of message prices. Seed prices
// (sandbox.md "Default seed"): SMS 0.036 per part, Viber transactional 0.0093, promotional 0.035, Voice 0.05.

const SMS = 0.036
const round = (n: number): number => Math.round(n * 1e6) / 1e6

async function balance (tl: Timeline): Promise<number> {
  const res = await tl.app.inject({ method: 'GET', url: '/accounts/me/balance', headers: bearer(tl.tok) })
  if (res.statusCode !== 200) throw new Error(`balance: ${res.statusCode} ${res.body}`)
  return res.json().balance
}

t.test('SMS parts at the GSM-7 and UCS-2 boundaries', async (t) => {
  const tl = await timeline(t)
  const cases: Array<[string, string, 'GSM7' | 'UCS2', number]> = [
    ['160 GSM-7 characters', 'a'.repeat(160), 'GSM7', 1],
    ['161 GSM-7 characters', 'a'.repeat(161), 'GSM7', 2],
    ['306 GSM-7 characters (2 × 153)', 'a'.repeat(306), 'GSM7', 2],
    ['307 GSM-7 characters', 'a'.repeat(307), 'GSM7', 3],
    ['158 + € (an extension character counts two)', 'a'.repeat(158) + '€', 'GSM7', 1],
    ['159 + € = 161 septets', 'a'.repeat(159) + '€', 'GSM7', 2],
    ['GSM-7 accents (é, ñ, Ä) stay GSM-7', 'é'.repeat(80) + 'ñ'.repeat(40) + 'Ä'.repeat(40), 'GSM7', 1],
    ['70 UCS-2 characters', 'α'.repeat(70), 'UCS2', 1],
    ['71 UCS-2 characters', 'α'.repeat(71), 'UCS2', 2],
    ['134 UCS-2 characters (2 × 67)', 'α'.repeat(134), 'UCS2', 2],
    ['135 UCS-2 characters', 'α'.repeat(135), 'UCS2', 3],
    ['one non-GSM character makes the whole text UCS-2', 'a'.repeat(70) + 'ç', 'UCS2', 2],
    ['an emoji counts two UTF-16 units: 68 + 😀 = 70', 'a'.repeat(68) + '😀', 'UCS2', 1],
    ['69 + 😀 = 71', 'a'.repeat(69) + '😀', 'UCS2', 2]
  ]
  let spent = 0
  for (const [says, body, encoding, parts] of cases) {
    const id = await tl.send({ flow: [smsStep('+306912345678', { message: { body } })] })
    const m = (await tl.record(id)).messages[0]
    t.equal(m.parts, parts, `${says}: parts`)
    t.equal(m.part, 1)
    t.equal(m.price, round(parts * SMS), `${says}: price`)
    const seen = (await control(tl.app, 'GET', `/messages?trackingId=${id}`)).json()[0]
    t.same({ encoding: seen.sms.encoding, parts: seen.sms.parts }, { encoding, parts }, `${says}: encoding`)
    spent += parts * SMS
  }
  t.equal(await balance(tl), round(100 - spent), 'the balance paid for every part')
})

t.test('Viber and Voice prices: text-only and templates at the transactional price, other layouts promotional', async (t) => {
  // the seed example asks for a callback: answer it here instead of on the network
  const tl = await timeline(t, { fetch: async () => ({ status: 200 }) })
  const layouts: Array<[string, Record<string, unknown>, number]> = [
    ['text', { text: 'Hi' }, 0.0093],
    ['image', { imageUrl: 'https://example.com/a.png' }, 0.035],
    ['text + button', { text: 'Hi', action: { caption: 'Open', targetUrl: 'https://example.com' } }, 0.035],
    ['text + image + button', { text: 'Hi', imageUrl: 'https://example.com/a.png', action: { caption: 'Open', targetUrl: 'https://example.com' } }, 0.035],
    ['file', { viberFile: { fileName: 'a.pdf', fileType: 'pdf', fileUrl: 'https://example.com/a.pdf' } }, 0.035]
  ]
  for (const [says, message, price] of layouts) {
    const id = await tl.send({ flow: [viberStep(undefined, { message })] })
    t.equal((await tl.record(id)).messages[0].price, price, says)
  }
  const template = await tl.send(fixture('seed-example.json'), { transactional: true })
  t.equal((await tl.record(template)).messages[0].price, 0.0093, 'template step')
  const call = await tl.send({ flow: [voiceStep()] })
  t.equal((await tl.record(call)).messages[0].price, 0.05, 'a call')
  t.equal(await balance(tl), round(100 - 0.0093 * 2 - 0.035 * 4 - 0.05))
})

t.test('each step is charged when it is sent; totalPrice is the sum of the steps started', async (t) => {
  const tl = await timeline(t)
  const to = '+306900000110'
  const id = await tl.send({ flow: [viberStep(to), smsStep(to, { order: 2, message: { body: 'x'.repeat(200) } }), voiceStep(to, { order: 3 })] })
  let r = await tl.record(id)
  t.equal(r.totalPrice, 0.0093, 'the first step is paid at once')
  t.equal(await balance(tl), round(100 - 0.0093))
  await tl.at(2)
  r = await tl.record(id)
  t.equal(r.totalPrice, round(0.0093 + 2 * SMS), 'the 2-part SMS when it starts')
  t.equal(await balance(tl), round(100 - 0.0093 - 2 * SMS))
  await tl.idle()
  r = await tl.record(id)
  t.same(r.messages.map((m: any) => m.price), [0.0093, 0.072, 0.05])
  t.equal(r.totalPrice, round(0.0093 + 0.072 + 0.05))
  t.equal(await balance(tl), round(100 - 0.0093 - 0.072 - 0.05))

  // a flow that succeeds on its first step pays for that step only
  const cheap = await tl.send({ flow: [viberStep(), smsStep(undefined, { order: 2 }), voiceStep(undefined, { order: 3 })] })
  await tl.idle()
  t.equal((await tl.record(cheap)).totalPrice, 0.0093)
  t.equal(await balance(tl), round(100 - 0.0093 - 0.072 - 0.05 - 0.0093))
})

t.test('statusCode "1": the balance pays for the first step but not a later one', async (t) => {
  const tl = await timeline(t)
  const put = await control(tl.app, 'PUT', '/balance', { balance: 0.0093 })
  t.equal(put.statusCode, 200)
  t.same(put.json(), { balance: 0.0093, currency: { code: 'EUR', name: 'Euro', sign: '€' } })
  const id = await tl.send({ flow: [viberStep('+306900000100'), smsStep('+306900000100', { order: 2 })] })
  t.equal(await balance(tl), 0, 'exactly the first step’s price was taken')
  await tl.at(2)
  const r = await tl.record(id)
  t.same(r.messages.map((m: any) => m.status.name), ['UNDELIVERED', 'Unsent'])
  t.equal(r.messages[1].status.reason.detailedStatus, 'Unsent')
  t.equal(r.messages[1].price, 0, 'an unsent message costs nothing')
  t.equal(tl.sec(r.messages[1].createdAt), 2)
  t.equal(r.status, 'Failed')
  t.equal(r.statusCode, '1')
  t.equal(r.terminationChannel, 'Sms')
  t.equal(r.totalPrice, 0.0093)
  t.equal(tl.sec(r.updatedAt), 2)
  t.equal(await balance(tl), 0)

  // topping up afterwards does not bring the flow back
  await control(tl.app, 'PUT', '/balance', { balance: 50 })
  await tl.idle()
  t.equal((await tl.record(id)).status, 'Failed')
  t.equal(await balance(tl), 50)
})

t.test('statusCode "1" for an unpaid call too', async (t) => {
  const tl = await timeline(t)
  await control(tl.app, 'PUT', '/balance', { balance: 0.036 })
  const id = await tl.send({ flow: [smsStep('+306900000010'), voiceStep('+306900000010', { order: 2 })] })
  await tl.idle()
  const r = await tl.record(id)
  t.same(r.messages.map((m: any) => m.status.name), ['Undelivered', 'Unsent'])
  t.equal(r.statusCode, '1')
})

t.test('a balance below the first step’s price refuses the flow with InsufficientBalance', async (t) => {
  const tl = await timeline(t)
  await control(tl.app, 'PUT', '/balance', { balance: 0.009299 })
  const res = await send(tl.app, tl.tok, { flow: [viberStep(), smsStep(undefined, { order: 2 })] }, { transactional: false })
  t.equal(res.statusCode, ERRORS.INSUFFICIENT_BALANCE.status)
  t.equal(res.json().code, ERRORS.INSUFFICIENT_BALANCE.code)
  t.equal(res.json().type, ERRORS.INSUFFICIENT_BALANCE.type)
  t.equal(await balance(tl), 0.009299, 'nothing taken')
  // the first step by order is the one that must be paid, whatever its place in the array
  const cheapFirst = await send(tl.app, tl.tok, { flow: [smsStep(undefined, { order: 2 }), viberStep(undefined, { order: 1 })] }, { transactional: false })
  t.equal(cheapFirst.statusCode, 400, 'Viber (order 1) costs more than the balance')
  await control(tl.app, 'PUT', '/balance', { balance: 0.0093 })
  const ok = await send(tl.app, tl.tok, { flow: [smsStep(undefined, { order: 2 }), viberStep(undefined, { order: 1 })] }, { transactional: false })
  t.equal(ok.statusCode, 200, ok.body)
})

t.test('PUT /_sandbox/balance validates its body', async (t) => {
  const tl = await timeline(t)
  for (const body of [{ balance: -1 }, { balance: '5' }, {}, { balance: 5, extra: true }]) {
    const res = await control(tl.app, 'PUT', '/balance', body)
    t.equal(res.statusCode, 400, JSON.stringify(body))
    t.equal(res.json().code, ERRORS.VALIDATION.code)
  }
  t.equal(await balance(tl), 100)
})

t.test('an unpaid call whose Unsent is listed goes on to the next step; as the last step it fails with "1"', async (t) => {
  const tl = await timeline(t)
  await control(tl.app, 'PUT', '/balance', { balance: 0.036 })
  const last = await tl.send({ flow: [smsStep('+306900000010'), voiceStep('+306900000010', { order: 2, failoverOnStatuses: ['Unsent'] })] })
  await tl.idle()
  let r = await tl.record(last)
  t.same(r.messages.map((m: any) => m.status.name), ['Undelivered', 'Unsent'])
  t.equal(r.statusCode, '1', 'the balance, not the lack of a next step, ended the flow')

  await control(tl.app, 'PUT', '/balance', { balance: 0.036 + 0.0093 })
  const onwards = await tl.send({ flow: [smsStep('+306900000010'), voiceStep('+306900000010', { order: 2, failoverOnStatuses: ['Unsent'] }), viberStep('+306900000010', { order: 3 })] })
  await tl.idle()
  r = await tl.record(onwards)
  t.same(r.messages.map((m: any) => m.status.name), ['Undelivered', 'Unsent', 'SEEN'], 'the cheaper Viber step could still be paid')
  t.equal(r.status, 'Succeeded')
  t.equal(r.totalPrice, 0.0453)
})
