import t, { type Test } from 'tap'
import { ApiError, ERRORS } from '../../src/errors.js'
import { createTemplate, reviewTemplate } from '../../src/engine/templates.js'
import { loadSeed } from '../../src/seed.js'
import { DEFAULT_SEED } from '../../src/paths.js'
import { Store } from '../../src/store/index.js'

// provider-api.md §8's template rules without HTTP: created PENDING, reviewed once

const SEED = loadSeed(DEFAULT_SEED).accounts[0]
const SENDER = SEED.senders[0].id
const T0 = Date.UTC(2026, 0, 1)

function store (t: Test): Store {
  const s = new Store(':memory:')
  t.teardown(() => s.close())
  s.createAccount({ id: 'a', seed: SEED, clock: { mode: 'manual', scale: 1, baseSandbox: T0, baseReal: T0 }, createdAt: T0 })
  return s
}

const failure = (fn: () => unknown): ApiError => {
  try { fn() } catch (err) { if (err instanceof ApiError) return err; throw err }
  throw new Error('no error')
}

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
