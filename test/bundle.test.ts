import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { ROOT } from '../src/paths.js'

/*
 * The esbuild bundles (scripts/bundle.mjs) as users start them: built into dist/bundle-test/src (so
 * the package root is still found above them), then started as a real server on a fresh database.
 * Everything that loads on first use is used once: a callback (undici), the API reference (Swagger UI,
 * outside the bundle), and the CLI's --version.
 */

const out = join(ROOT, 'dist', 'bundle-test', 'src')
const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

t.test('the bundled server starts, sends a callback, serves the reference; the bundled CLI answers', async (t) => {
  rmSync(join(ROOT, 'dist', 'bundle-test'), { recursive: true, force: true })
  t.teardown(() => rmSync(join(ROOT, 'dist', 'bundle-test'), { recursive: true, force: true }))
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs')], { cwd: ROOT, env: { ...process.env, BUNDLE_OUT: out }, encoding: 'utf8' })
  t.equal(built.status, 0, built.stderr)
  t.ok(existsSync(join(out, 'server.js')) && existsSync(join(out, 'cli.js')))
  t.notMatch(readFileSync(join(out, 'server.js'), 'utf8'), /from ["']\.\/app\.js["']/, 'one file, not the modules')
  t.ok(readdirSync(join(out, 'chunks')).some((f) => f.includes('undici')), 'undici in a chunk of its own')

  const version = spawnSync(process.execPath, [join(out, 'cli.js'), '--version'], { encoding: 'utf8' })
  t.equal(version.stdout.trim(), JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version, 'the CLI runs its main once')

  const hits: string[] = []
  const receiver = createServer((req, res) => { let body = ''; req.on('data', (d) => { body += d }); req.on('end', () => { hits.push(body); res.end() }) })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()))
  t.teardown(() => { receiver.close() })
  const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`

  const db = join(t.testdir(), 'bundle.db')
  const child = spawn(process.execPath, [join(out, 'server.js')], { env: { ...process.env, PORT: '0', SANDBOX_DB: db, SANDBOX_CLOCK: 'manual', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { child.kill('SIGKILL') })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr.on('data', (d: Buffer) => { output += d.toString() })
  const deadline = Date.now() + 30_000
  let base = ''
  while (base === '' && Date.now() < deadline) {
    const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)
    if (m) base = m[1]
    else await sleep(50)
  }
  t.not(base, '', `started: ${output.slice(-500)}`)
  const health = await fetch(`${base}/_sandbox/health`)
  t.equal(health.status, 200)
  const tok = await (await fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json() as { access_token: string }
  const sent = await fetch(`${base}/failover`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tok.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ flow: [{ type: 'Sms', from: 'Bundle', to: '+306900000090', message: { body: 'hi' }, order: 1 }], callback: { strategy: 'OnChange', url: hook } })
  })
  t.equal(sent.status, 200)
  const trackingId = (await sent.json() as { trackingId: string }).trackingId
  while (hits.length === 0 && Date.now() < deadline) await sleep(50)
  t.equal(hits.length, 1, `the callback arrived: ${output.slice(-800)}`)
  t.match(hits[0] ?? '', trackingId)
  const docs = await fetch(`${base}/_sandbox/docs`)
  t.equal(docs.status, 200)
  t.match(await docs.text(), /swagger-ui/i, 'the reference, loaded on first use')
  child.kill('SIGTERM')
  await new Promise<void>((resolve) => child.once('exit', () => resolve()))
})
