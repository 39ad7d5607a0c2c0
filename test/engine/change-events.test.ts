import t from 'tap'
import { build, send, settle, smsStep, token } from '../helper.js'

// issue 15: a change is copied and announced only to listeners there are (an advance makes one per event)

t.test('listeners hear every change after it commits; with none, nothing is queued', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  const heard: string[] = []
  const onMessage = (e: { message: { status: string } }): void => { heard.push(e.message.status) }
  app.engine.events.on('message', onMessage)
  const res = await send(app, tok, { flow: [smsStep('+306912345678')] }, { transactional: false })
  t.equal(res.statusCode, 200)
  await settle()
  t.ok(heard.length > 0, `the send's changes were heard (${heard.join(', ')})`)
  app.engine.events.off('message', onMessage)

  // a change made while nobody listens: a listener added right after it (same tick) hears nothing of it
  const manual = await send(app, tok, { flow: [smsStep('+306912345679')] }, { transactional: false, outcome: 'Sms=MANUAL' })
  t.equal(manual.statusCode, 200, manual.body)
  const messageId = app.store.flows.messagesOf(manual.json().trackingId)[0].id
  await settle()
  app.engine.forceStatus('sandbox', messageId, 'Delivered')
  const late: string[] = []
  app.engine.events.on('message', (e) => { late.push(e.message.status) })
  app.engine.events.on('completed', (e) => { late.push(e.flow.status) })
  await settle()
  t.same(late, [], 'nothing was queued for listeners that were not there')
  // and a listener hears the next change
  const again = await send(app, tok, { flow: [smsStep('+306912345670')] }, { transactional: false, outcome: 'Sms=MANUAL' })
  t.equal(again.statusCode, 200)
  await settle()
  t.ok(late.length > 0, `heard once listening (${late.join(', ')})`)
})
