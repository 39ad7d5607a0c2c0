import t, { type Test } from 'tap'
import { ERRORS } from '../../src/errors.js'
import { createTemplate, reviewTemplate } from '../../src/engine/templates.js'
import { apiFailure, SEED_ACCOUNT, seededStore, T0 } from '../helper.js'

// provider-api.md §8's template rules without HTTP: created PENDING, reviewed once

const SEED = SEED_ACCOUNT
const SENDER = SEED.senders[0].id

const failure = apiFailure
const store = (t: Test) => seededStore(t)

t.test('a template is created PENDING with its placeholders; reviewed once', async (t) => {
  const s = store(t)
  const view = createTemplate(s, 'a', SENDER, { name: 'otp', category: 'OTP', languages: { en: 'Code {{pin}} for {{name}}' } }, () => 'tpl-1', T0)
  t.match(view, { id: 'tpl-1', status: 'PENDING', category: 'OTP', placeholders: ['pin', 'name'], createdAt: new Date(T0).toISOString() })
  t.equal(s.catalog.template('a', 'tpl-1')!.status, 'PENDING', 'stored')
  t.equal(reviewTemplate(s, 'a', 'tpl-1', 'APPROVED').status, 'APPROVED')
  t.equal(failure(() => reviewTemplate(s, 'a', 'tpl-1', 'REJECTED')).entry, ERRORS.TEMPLATE_NOT_PENDING, 'only once')
  t.equal(failure(() => reviewTemplate(s, 'a', 'nope', 'REJECTED')).entry, ERRORS.TEMPLATE_NOT_FOUND)
})

t.test('every problem at once, and no id minted for a refused template', async (t) => {
  const s = store(t)
  let minted = 0
  const err = failure(() => createTemplate(s, 'a', 'no-such-sender', { name: 'x', category: 'OTP', languages: { en: 'no pin', de: 'kein {{pin}}' } }, () => String(++minted), T0))
  t.same(Object.keys(err.properties ?? {}).sort(), ['languages.en', 'senderInfoTrackingId'])
  t.equal(minted, 0)
  t.equal(s.catalog.templates('a').length, SEED.templates.length, 'nothing stored')
})
