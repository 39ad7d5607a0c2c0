import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { CliError, FLAGS, flagName, helpText, parseArgs } from '../src/cli.js'
import { CONFIG_KEYS, ConfigSchema } from '../src/config.js'
import { ROOT } from '../src/paths.js'
import { VERSION } from '../src/version.js'

const CLI = join(ROOT, 'src', 'cli.ts')

interface Run { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

/** The CLI as a user runs it (through tsx, one process, so signals reach it). */
function start (args: string[], env: Record<string, string> = {}): { child: ChildProcess, done: Promise<Run>, output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: '', PORT: '', HOST: '', SANDBOX_DB: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, done, output: () => stdout }
}

const run = async (args: string[], env: Record<string, string> = {}): Promise<Run> => await start(args, env).done

t.test('the flags mirror the variables of src/config.ts', async (t) => {
  t.same(FLAGS.map((f) => f.key), CONFIG_KEYS, 'one flag per variable, in order')
  const expected: Record<string, string> = {
    PORT: '--port', HOST: '--host', SANDBOX_DB: '--db', SANDBOX_CLOCK: '--clock', SANDBOX_TIME_SCALE: '--time-scale', SANDBOX_SEED: '--seed', SANDBOX_STRICT: '--strict', SANDBOX_WEBHOOK_TIMEOUT_MS: '--webhook-timeout-ms', LOG_LEVEL: '--log-level'
  }
  for (const [key, flag] of Object.entries(expected)) t.equal(flagName(key as any), flag, `${key} is ${flag}`)
  for (const f of FLAGS) t.equal(f.default, (ConfigSchema.properties[f.key] as { default?: unknown }).default, `${f.flag} default from the schema`)
})

t.test('parseArgs turns flags into variables, over the environment', async (t) => {
  const parsed = parseArgs(['--port', '9000', '--db=:memory:', '--strict', '--time-scale', '60', '--clock', 'manual'], { PORT: '1', HOST: '0.0.0.0' })
  t.equal(parsed.kind, 'run')
  if (parsed.kind !== 'run') return
  t.match(parsed.env, { PORT: '9000', HOST: '0.0.0.0', SANDBOX_DB: ':memory:', SANDBOX_STRICT: 'true', SANDBOX_TIME_SCALE: '60', SANDBOX_CLOCK: 'manual' })
  t.same([...parsed.fromFlags].sort(), ['PORT', 'SANDBOX_CLOCK', 'SANDBOX_DB', 'SANDBOX_STRICT', 'SANDBOX_TIME_SCALE'])
  t.match(parseArgs(['--no-strict']), { env: { SANDBOX_STRICT: 'false' } })
  t.match(parseArgs(['--strict=false']), { env: { SANDBOX_STRICT: 'false' } })
  t.same(parseArgs(['--port', '1', '--help']), { kind: 'help' })
  t.same(parseArgs(['-v']), { kind: 'version' })
  t.throws(() => parseArgs(['--bogus']), { name: 'CliError', message: 'unknown flag --bogus (see --help)' })
  t.throws(() => parseArgs(['--port']), { name: 'CliError', message: '--port needs a value: --port <n>' })
  t.throws(() => parseArgs(['--port', '--db', 'x']), { name: 'CliError', message: '--port needs a value: --port <n>' }, 'a flag is not a value')
  t.throws(() => parseArgs(['8080']), { name: 'CliError', message: /unexpected argument "8080"/ })
  t.throws(() => parseArgs(['--no-port']), { name: 'CliError', message: 'unknown flag --no-port (see --help)' }, 'only switches have a --no- form')
  t.ok(new CliError('x') instanceof Error)
})

t.test('--help lists every flag with its variable, default and description', async (t) => {
  const res = await run(['--help'])
  t.equal(res.code, 0)
  t.equal(res.stdout, helpText())
  for (const f of FLAGS) {
    const line = res.stdout.split('\n').find((l) => l.trimStart().startsWith(f.flag + ' ') || l.trim() === f.flag || l.trimStart().startsWith(f.flag + '  '))
    t.ok(line, `${f.flag} listed`)
    t.match(line, f.key, `${f.flag} names ${f.key}`)
    t.match(line, `(default ${typeof f.default === 'string' ? f.default : JSON.stringify(f.default)})`, `${f.flag} default`)
    t.ok(res.stdout.includes(f.description), `${f.flag} description`)
  }
  t.match(res.stdout, '--version')
})

t.test('--version prints the package version', async (t) => {
  const res = await run(['--version'])
  t.equal(res.code, 0)
  t.equal(res.stdout, VERSION + '\n')
})

t.test('a bad value exits non-zero with one line naming the flag and the variable', async (t) => {
  for (const [args, pattern] of [
    [['--port', 'abc'], /^failover-sandbox: --port: PORT="abc" is not valid: .+\n$/],
    [['--clock', 'sometimes'], /^failover-sandbox: --clock: SANDBOX_CLOCK="sometimes" is not valid: .*realtime, manual.*\n$/],
    [['--colour'], /^failover-sandbox: unknown flag --colour \(see --help\)\n$/]
  ] as Array<[string[], RegExp]>) {
    const res = await run(args)
    t.not(res.code, 0, `${args.join(' ')} exits non-zero`)
    t.match(res.stderr, pattern, args.join(' '))
    t.equal(res.stderr.split('\n').length, 2, 'one line')
    t.equal(res.stdout, '')
  }
  const env = await run([], { SANDBOX_TIME_SCALE: '0' })
  t.not(env.code, 0)
  t.match(env.stderr, /^failover-sandbox: SANDBOX_TIME_SCALE="0" is not valid/, 'a bad variable is named as such')
})

t.test('a real start answers /_sandbox/health, then SIGTERM exits 0', async (t) => {
  // PORT in the environment is wrong on purpose: the flag wins
  const sb = start(['--port', '0', '--db', ':memory:', '--log-level', 'info'], { PORT: 'not-a-port' })
  t.teardown(() => { if (sb.child.exitCode === null) sb.child.kill('SIGKILL') })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "Server listening" line within 30 s: ' + sb.output())), 30_000)
    sb.child.stdout!.on('data', () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(sb.output())
      if (m) { clearTimeout(timer); resolve(m[1]) }
    })
    void sb.done.then((r) => reject(new Error(`exited ${r.code}: ${r.stderr}`)))
  })
  const res = await fetch(url + '/_sandbox/health')
  t.equal(res.status, 200)
  t.same(await res.json(), { status: 'ok', version: VERSION })
  sb.child.kill('SIGTERM')
  const end = await sb.done
  t.equal(end.code, 0, 'exit 0 after SIGTERM')
  t.match(end.stdout, /"signal":"SIGTERM"/, 'the shutdown is logged (JSON: stdout is not a TTY)')
  await t.rejects(fetch(url + '/_sandbox/health'), 'nothing listens any more')
})
