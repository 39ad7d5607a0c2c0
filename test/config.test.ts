import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CONFIG_KEYS, ConfigError, defaultConfig, loadConfig } from '../src/config.js'
import { loadSeed, parseSeed } from '../src/seed.js'
import { buildApp } from '../src/app.js'
import { ROOT } from '../src/paths.js'

// sandbox.md "Running it": every variable, its default, and one clear line for a bad value

const DEFAULTS = {
  PORT: 8080,
  HOST: '127.0.0.1',
  SANDBOX_DB: './data/sandbox.db',
  SANDBOX_CLOCK: 'realtime',
  SANDBOX_TIME_SCALE: 1,
  SANDBOX_SEED: 'db/seed.json',
  SANDBOX_STRICT: false,
  SANDBOX_WEBHOOK_TIMEOUT_MS: 2000,
  LOG_LEVEL: 'info'
}

/** The ConfigError message of an environment, or a failure when it loads. */
function configError (t: Test, env: Record<string, string>): string {
  try {
    loadConfig(env)
  } catch (err) {
    t.type(err, ConfigError, `${JSON.stringify(env)}: a ConfigError`)
    return (err as Error).message
  }
  t.fail(`${JSON.stringify(env)} loaded`)
  return ''
}

t.test('defaults: the table of sandbox.md', async (t) => {
  const config = loadConfig({})
  t.match(config, DEFAULTS)
  t.same(Object.keys(config).sort(), [...CONFIG_KEYS].sort(), 'every setting present')
  t.same(defaultConfig(), config)
  t.same(defaultConfig({ SANDBOX_STRICT: true }).SANDBOX_STRICT, true, 'overrides')
  t.same(loadConfig({ HOME: '/root', PATH: '/bin', port: '1' }), config, 'other variables (and other spellings) are ignored')
})

t.test('good values are read and typed; blank means unset', async (t) => {
  t.match(loadConfig({ PORT: '0' }), { PORT: 0 })
  t.match(loadConfig({ PORT: '65535' }), { PORT: 65535 })
  t.match(loadConfig({ PORT: ' 9000 ' }), { PORT: 9000 }, 'surrounding spaces trimmed')
  t.match(loadConfig({ HOST: '0.0.0.0', SANDBOX_DB: ':memory:', SANDBOX_SEED: '/etc/seed.json' }), { HOST: '0.0.0.0', SANDBOX_DB: ':memory:', SANDBOX_SEED: '/etc/seed.json' })
  t.match(loadConfig({ SANDBOX_CLOCK: 'manual' }), { SANDBOX_CLOCK: 'manual' })
  t.match(loadConfig({ SANDBOX_CLOCK: 'Manual' }), { SANDBOX_CLOCK: 'manual' }, 'choices in any case')
  t.match(loadConfig({ SANDBOX_TIME_SCALE: '60' }), { SANDBOX_TIME_SCALE: 60 })
  t.match(loadConfig({ SANDBOX_TIME_SCALE: '0.5' }), { SANDBOX_TIME_SCALE: 0.5 })
  for (const [value, expected] of [['true', true], ['false', false], ['TRUE', true], ['False', false]] as const) {
    t.match(loadConfig({ SANDBOX_STRICT: value }), { SANDBOX_STRICT: expected }, `SANDBOX_STRICT=${value}`)
  }
  t.match(loadConfig({ SANDBOX_WEBHOOK_TIMEOUT_MS: '500' }), { SANDBOX_WEBHOOK_TIMEOUT_MS: 500 })
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent', 'DEBUG']) {
    t.match(loadConfig({ LOG_LEVEL: level }), { LOG_LEVEL: level.toLowerCase() }, `LOG_LEVEL=${level}`)
  }
  t.match(loadConfig({ PORT: '', HOST: '   ', SANDBOX_CLOCK: '' }), { PORT: 8080, HOST: '127.0.0.1', SANDBOX_CLOCK: 'realtime' }, 'blank values take the default')
})

t.test('one clear line for each bad variable, naming it, its value and what it takes', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['PORT', 'abc', 'must be a whole number from 0 to 65535'],
    ['PORT', '70000', 'must be a whole number from 0 to 65535'],
    ['PORT', '-1', 'must be a whole number from 0 to 65535'],
    ['PORT', '80.5', 'must be a whole number from 0 to 65535'],
    ['SANDBOX_CLOCK', 'fast', 'must be one of realtime, manual'],
    ['SANDBOX_TIME_SCALE', '0', 'must be a number greater than 0 and at most 100000'],
    ['SANDBOX_TIME_SCALE', 'x', 'must be a number greater than 0 and at most 100000'],
    ['SANDBOX_TIME_SCALE', '100001', 'must be a number greater than 0 and at most 100000'],
    ['SANDBOX_STRICT', 'yes', 'must be true or false'],
    ['SANDBOX_STRICT', '1', 'must be true or false'],
    ['SANDBOX_WEBHOOK_TIMEOUT_MS', '0', 'must be a whole number from 1 to 600000'],
    ['SANDBOX_WEBHOOK_TIMEOUT_MS', '2s', 'must be a whole number from 1 to 600000'],
    ['LOG_LEVEL', 'verbose', 'must be one of fatal, error, warn, info, debug, trace, silent']
  ]
  for (const [key, value, rule] of cases) {
    const message = configError(t, { [key]: value })
    t.match(message, new RegExp(`^${key}=${JSON.stringify(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid: it ${rule} \\(`), `${key}=${value}`)
    t.notMatch(message, '\n', `${key}=${value}: one line`)
  }
  // every numeric or choice setting has a bad value that is caught
  // (free text: a path, an address, a token)
  for (const key of CONFIG_KEYS.filter((k) => !['HOST', 'SANDBOX_DB', 'SANDBOX_SEED', 'SANDBOX_ADMIN_TOKEN'].includes(k))) {
    t.match(configError(t, { [key]: 'not-a-valid-value' }), new RegExp(`^${key}="not-a-valid-value" is not valid: it must `), key)
  }
  const two = configError(t, { PORT: 'x', LOG_LEVEL: 'loud', HOST: 'fine' })
  t.match(two, /^PORT="x" is not valid: .*; LOG_LEVEL="loud" is not valid: /, 'two bad variables: both named, on one line')
  t.notMatch(two, 'HOST', 'a good variable is not blamed')
  t.notMatch(two, '\n')
})

t.test('loadConfig reads process.env by default', async (t) => {
  const before = process.env.SANDBOX_CLOCK
  t.teardown(() => { if (before === undefined) delete process.env.SANDBOX_CLOCK; else process.env.SANDBOX_CLOCK = before })
  process.env.SANDBOX_CLOCK = 'manual'
  t.equal(loadConfig().SANDBOX_CLOCK, 'manual')
  process.env.SANDBOX_CLOCK = 'sundial'
  t.throws(() => loadConfig(), ConfigError)
})

t.test('SANDBOX_SEED: the default seed loads; a bad seed is one clear line naming the variable and the field', async (t) => {
  const seed = loadSeed('db/seed.json')
  t.equal(seed.accounts[0].id, 'sandbox')
  t.equal(seed.accounts[0].applications[0].id, 'sandbox-app')
  const dir = t.testdir({ 'broken.json': '{ "accounts": [', 'empty.json': '{"accounts": []}' })
  t.throws(() => loadSeed(join(dir, 'missing.json')), { name: 'ConfigError', message: new RegExp(`^SANDBOX_SEED=${join(dir, 'missing.json')}: cannot read it as JSON \\(ENOENT`) })
  t.throws(() => loadSeed(join(dir, 'broken.json')), { name: 'ConfigError', message: /: cannot read it as JSON \(/ })
  t.throws(() => loadSeed(join(dir, 'empty.json')), { name: 'ConfigError', message: /^SANDBOX_SEED=.*empty\.json: accounts: must not be empty\.$/ })

  const base = (): any => JSON.parse(readFileSync(join(ROOT, 'db', 'seed.json'), 'utf8'))
  const mistakes: Array<[(s: any) => void, string]> = [
    [(s) => { s.accounts[0].applications[0].tokenLifetime = 100 }, 'accounts[0].applications[0].tokenLifetime: must be one of 3600, 86400, 631139040.'],
    [(s) => { s.accounts[0].balance = -1 }, 'accounts[0].balance: must be >= 0.'],
    [(s) => { s.accounts[0].templates[0].status = 'LIVE' }, 'accounts[0].templates[0].status: must be one of PENDING, APPROVED, REJECTED.'],
    [(s) => { s.accounts[0].applications[0].scopes = ['sms', 'fax'] }, 'accounts[0].applications[0].scopes[1]: must be one of sms, viber, voice, failover, account.'],
    [(s) => { delete s.accounts[0].prices.sms }, 'accounts[0].prices.sms: is required.'],
    [(s) => { s.accounts[0].colour = 'red' }, 'accounts[0].colour: is not a known property: remove it.']
  ]
  for (const [change, message] of mistakes) {
    const data = base()
    change(data)
    t.throws(() => parseSeed(data, 'my-seed.json'), { name: 'ConfigError', message: `SANDBOX_SEED=my-seed.json: ${message}` }, message)
  }
  const file = join(dir, 'bad-lifetime.json')
  const data = base()
  data.accounts[0].applications[0].tokenLifetime = 7200
  writeFileSync(file, JSON.stringify(data))
  await t.rejects(buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_SEED: file } }), { name: 'ConfigError', message: /tokenLifetime: must be one of/ }, 'buildApp stops on a bad seed')
})
