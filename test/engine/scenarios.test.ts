import t from 'tap'
import { ApiError, ERRORS } from '../../src/errors.js'
import { scenarioRules } from '../../src/engine/scenarios.js'

// sandbox.md "Outcomes" layer 2: scenario rules checked without HTTP

const failure = (fn: () => unknown): ApiError => {
  try { fn() } catch (err) { if (err instanceof ApiError) return err; throw err }
  throw new Error('no error')
}

t.test('channel and outcome in any case come back in the provider spelling', async (t) => {
  t.same(scenarioRules([{ channel: 'sms', outcome: 'undelivered', to: '/^\\+3069/' }, { channel: 'VIBER', outcome: 'expired', afterSeconds: 5 }]), [
    { channel: 'Sms', outcome: 'Undelivered', to: '/^\\+3069/' },
    { channel: 'Viber', outcome: 'EXPIRED', afterSeconds: 5 }
  ])
  t.same(scenarioRules([]), [], 'no rules')
})

t.test('every bad rule is named by its index', async (t) => {
  const err = failure(() => scenarioRules([{ channel: 'Fax', outcome: 'x' }, { channel: 'Sms', outcome: 'SEEN' }, { channel: 'Voice', outcome: 'Busy', to: '/(/' }]))
  t.equal(err.entry.type, ERRORS.VALIDATION.type)
  t.same(Object.keys(err.properties ?? {}), ['[0].channel', '[1].outcome', '[2].to'])
  t.match(err.properties?.['[1].outcome'], 'must be one of')
})
