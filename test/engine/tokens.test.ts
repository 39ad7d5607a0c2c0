import t, { type Test } from 'tap'
import { ERRORS } from '../../src/errors.js'
import { issueToken } from '../../src/engine/tokens.js'
import { apiFailure, SEED_ACCOUNT, seededStore, T0 } from '../helper.js'

// provider-api.md §1's token rules without HTTP

const SEED = SEED_ACCOUNT
const APP = SEED.applications[0]

const failure = apiFailure
const store = (t: Test) => seededStore(t)

t.test('a new token, then the same one with the seconds it has left', async (t) => {
  const s = store(t)
  let n = 0
  const mint = (): string => `tok-${++n}`
  const first = issueToken(s, { id: APP.id, secret: APP.secret }, { grant_type: 'client_credentials' }, mint, T0)
  t.match(first, { access_token: 'tok-1', token_type: 'bearer', expires_in: APP.tokenLifetime - 1 })
  const again = issueToken(s, { id: APP.id, secret: APP.secret }, { grant_type: 'client_credentials' }, mint, T0 + 10_000)
  t.equal(again.access_token, 'tok-1', 'the live token again')
  t.equal(again.expires_in, APP.tokenLifetime - 11)
  const narrow = issueToken(s, { id: APP.id, secret: APP.secret }, { grant_type: 'client_credentials', scope: 'sms, failover' }, mint, T0)
  t.equal(narrow.scope, 'sms failover', 'narrowed, in the provider order')
  t.equal(narrow.access_token, 'tok-2', 'another scope set, another token')
})

t.test('credentials, grant and scope problems', async (t) => {
  const s = store(t)
  const mint = (): string => 'x'
  t.equal(failure(() => issueToken(s, undefined, { grant_type: 'client_credentials' }, mint, T0)).entry, ERRORS.OAUTH_BAD_CREDENTIALS)
  t.equal(failure(() => issueToken(s, { id: APP.id, secret: 'wrong' }, { grant_type: 'client_credentials' }, mint, T0)).entry, ERRORS.OAUTH_BAD_CREDENTIALS)
  t.equal(failure(() => issueToken(s, { id: APP.id, secret: APP.secret }, {}, mint, T0)).entry, ERRORS.OAUTH_GRANT)
  t.equal(failure(() => issueToken(s, { id: APP.id, secret: APP.secret }, { grant_type: 'password' }, mint, T0)).entry, ERRORS.OAUTH_GRANT)
  t.equal(failure(() => issueToken(s, { id: APP.id, secret: APP.secret }, { grant_type: 'client_credentials', scope: 'admin' }, mint, T0)).entry, ERRORS.OAUTH_SCOPE)
})
