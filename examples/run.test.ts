/*
 * Runs the examples of other runners and languages against real sandboxes, as their users would:
 * node:test and vitest start their own (startSandbox); Python and curl get one started here and
 * its URL in SANDBOX_URL. Python and curl are skipped, with a message, where they are not installed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { startSandbox } from '../src/index.js'
import { ROOT } from '../src/paths.js'

const EXAMPLES = join(ROOT, 'examples')

/** Runs a command to its end: exit code and output (both streams). */
async function run (command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null, output: string }> {
  return await new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => { output += String(chunk) })
    child.stderr.on('data', (chunk) => { output += String(chunk) })
    child.on('close', (code) => resolve({ code, output }))
    child.on('error', (err) => resolve({ code: -1, output: String(err) }))
  })
}

const has = (command: string): boolean => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0

t.test('node:test example', async (t) => {
  const { code, output } = await run(process.execPath, ['--import', 'tsx', '--test', join(EXAMPLES, 'node-test', 'send-and-callback.spec.ts')])
  t.equal(code, 0, output.slice(-3000))
  t.match(output, /# pass 2/)
})

t.test('vitest example', async (t) => {
  const { code, output } = await run(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', join(EXAMPLES, 'vitest')])
  t.equal(code, 0, output.slice(-3000))
  t.match(output, /2 passed/)
})

t.test('Python example (standard library only)', { skip: has('python3') ? false : 'python3 is not installed' }, async (t) => {
  const sb = await startSandbox()
  t.teardown(sb.close)
  const { code, output } = await run('python3', ['-m', 'unittest', '-v', join(EXAMPLES, 'python', 'test_sandbox.py')], { SANDBOX_URL: sb.url })
  t.equal(code, 0, output.slice(-3000))
  t.match(output, /Ran 2 tests/)
})

t.test('curl example', { skip: has('curl') && has('bash') ? false : 'curl or bash is not installed' }, async (t) => {
  const sb = await startSandbox()
  t.teardown(sb.close)
  const { code, output } = await run('bash', [join(EXAMPLES, 'curl', 'send-and-callback.sh')], { SANDBOX_URL: sb.url })
  t.equal(code, 0, output.slice(-3000))
  t.match(output, /callback received/)
})
