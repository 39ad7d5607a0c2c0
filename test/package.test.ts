import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import t from 'tap'
import { ROOT } from '../src/paths.js'

/*
 * The package as a consumer gets it: `npm pack` on a copy of the working tree (prepack builds
 * dist/), the tarball's file list, then `npm install <tarball>` into an empty project, where
 * startSandbox() runs under node:test, the failover-sandbox bin starts and answers, and the
 * published types compile with skipLibCheck: false and no @types/better-sqlite3.
 * Slow (better-sqlite3 compiles from source unless a prebuilt binary is cached): minutes, not seconds.
 */

t.setTimeout(15 * 60_000)

interface Run { code: number | null, stdout: string, stderr: string }

async function run (command: string, args: string[], cwd: string, timeoutMs = 10 * 60_000): Promise<Run> {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }) })
  })
}

const work = mkdtempSync(join(tmpdir(), 'failover-sandbox-pack-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

// a copy of the working tree (tracked and new files, not ignored ones): packing it builds its own dist/
const copy = join(work, 'project')
const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
if (listed.status !== 0) throw new Error(`git ls-files: ${listed.stderr}`)
for (const file of listed.stdout.split('\0').filter((f) => f !== '')) {
  mkdirSync(dirname(join(copy, file)), { recursive: true })
  try { cpSync(join(ROOT, file), join(copy, file)) } catch { /* a file deleted since the listing */ }
}
symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir')

const consumer = join(work, 'consumer')
let tarball = ''

t.test('npm pack: prepack builds dist; the tarball carries what runs and nothing that points elsewhere', async (t) => {
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], copy)
  t.equal(packed.code, 0, `npm pack failed:\n${packed.stderr.slice(-3000)}`)
  const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')))[0]
  tarball = join(work, report.filename)
  const files: string[] = report.files.map((f: { path: string }) => f.path)
  for (const needed of ['package.json', 'README.md', 'LICENSE', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli.js', 'dist/src/server.js',
    'db/seed.json', 'db/migrations/001_init.sql', 'openapi/openapi.json', 'src/ui/index.html', 'src/ui/app.js', 'src/ui/style.css']) {
    t.ok(files.includes(needed), `ships ${needed}`)
  }
  t.same(files.filter((f) => f.endsWith('.map')), [], 'no source maps (they would point at src/*.ts, which is not shipped)')
  t.same(files.filter((f) => /^src\/.*\.ts$/.test(f) || f.startsWith('test/') || f.startsWith('bench/') || f.startsWith('dist/test/')), [], 'no sources or tests')
  t.same(files.filter((f) => /\.db(-wal|-shm)?$/.test(f)), [], 'no database files')
  t.comment(`tarball ${report.filename}: ${report.size} bytes, ${report.unpackedSize} unpacked, ${files.length} files`)
})

t.test('installed by path into an empty project', async (t) => {
  if (tarball === '') { t.comment('no tarball: see the npm pack test'); return }
  mkdirSync(consumer)
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2))
  const installed = await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], consumer)
  t.equal(installed.code, 0, `npm install failed:\n${installed.stderr.slice(-3000)}`)
  const du = spawnSync('du', ['-sh', 'node_modules'], { cwd: consumer, encoding: 'utf8' })
  if (du.status === 0) t.comment(`consumer node_modules: ${du.stdout.trim()}`)
  const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', 'failover-sandbox', 'package.json'), 'utf8'))
  t.notOk('@types/better-sqlite3' in (manifest.dependencies ?? {}), 'no @types package at runtime')
  t.notOk('pino-pretty' in (manifest.dependencies ?? {}), 'pino-pretty is not a hard dependency')
})

t.test('startSandbox() from the installed package, under node:test', async (t) => {
  if (tarball === '') { t.comment('no tarball: see the npm pack test'); return }
  writeFileSync(join(consumer, 'smoke.test.mjs'), `
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { startSandbox } from 'failover-sandbox'

test('the seed example through the installed package', async () => {
  const sb = await startSandbox()
  try {
    const basic = Buffer.from(sb.credentials.applicationId + ':' + sb.credentials.applicationSecret).toString('base64')
    const token = await fetch(sb.url + '/oauth/token', { method: 'POST', headers: { authorization: 'Basic ' + basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })
    assert.equal(token.status, 200)
    const { access_token: accessToken } = await token.json()
    const example = JSON.parse(readFileSync(new URL('./node_modules/failover-sandbox/openapi/openapi.json', import.meta.url), 'utf8'))
      .paths['/failover/transactional'].post.requestBody.content['application/json'].examples.seed.value
    delete example.callback
    const sent = await fetch(sb.url + '/failover/transactional', { method: 'POST', headers: { authorization: 'Bearer ' + accessToken, 'content-type': 'application/json' }, body: JSON.stringify(example) })
    assert.equal(sent.status, 200, await sent.clone().text())
    const { trackingId } = await sent.json()
    await sb.clock.advance('idle')
    const tracking = await fetch(sb.url + '/failover/tracking/' + trackingId, { headers: { authorization: 'Bearer ' + accessToken } })
    assert.equal(tracking.status, 200)
    assert.equal((await tracking.json()).status, 'Succeeded')
  } finally {
    await sb.close()
  }
})
`)
  const tested = await run(process.execPath, ['--test', 'smoke.test.mjs'], consumer, 120_000)
  t.equal(tested.code, 0, `node --test failed:\n${tested.stdout.slice(-3000)}\n${tested.stderr.slice(-2000)}`)
  t.match(tested.stdout, /# pass 1/)
})

t.test('the failover-sandbox bin from the installed package', async (t) => {
  if (tarball === '') { t.comment('no tarball: see the npm pack test'); return }
  const bin = join(consumer, 'node_modules', '.bin', 'failover-sandbox')
  const help = await run(bin, ['--help'], consumer, 30_000)
  t.equal(help.code, 0)
  t.match(help.stdout, /dashboard/i, '--help mentions the dashboard')

  const child = spawn(bin, ['--port', '0', '--db', ':memory:'], { cwd: consumer, stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let out = ''
  const ready = await new Promise<any>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up banner within 30 s:\n${out}`)), 30_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      for (const line of out.split('\n')) {
        try {
          const entry = JSON.parse(line)
          if (entry.msg === 'ready') { clearTimeout(timer); resolve(entry) }
        } catch { /* not a whole JSON line yet */ }
      }
    })
    child.on('exit', (code) => reject(new Error(`exited with ${String(code)}:\n${out}`)))
  })
  t.match(ready, { url: /^http:\/\/127\.0\.0\.1:\d+$/, database: ':memory:', credentials: { applicationId: String, applicationSecret: String }, clock: { mode: String } }, 'the banner, as one JSON line')
  const health = await fetch(`${ready.url as string}/_sandbox/health`)
  t.equal(health.status, 200)
  const docs = await fetch(`${ready.url as string}/docs`, { redirect: 'manual' })
  t.equal(docs.headers.get('location'), '/_sandbox/docs')
  const dashboard = await fetch(`${ready.url as string}/`)
  t.equal(dashboard.status, 200, 'the dashboard is shipped')
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM: a clean exit')
})

t.test('the published types compile with skipLibCheck: false and without @types/better-sqlite3', async (t) => {
  if (tarball === '') { t.comment('no tarball: see the npm pack test'); return }
  writeFileSync(join(consumer, 'consumer.ts'), `
import { buildApp, startSandbox, VERSION, type ClockView, type Sandbox, type StartOptions } from 'failover-sandbox'

const options: StartOptions = { clock: 'manual', timeScale: 1 }
const sb: Sandbox = await startSandbox(options)
const view: ClockView = await sb.clock.set({ mode: 'manual' })
const app = await buildApp({ config: { SANDBOX_DB: ':memory:' } })
const res = await app.inject({ method: 'GET', url: '/_sandbox/health' })
console.log(VERSION, view.now, sb.url, res.statusCode, app.config.PORT)
await app.close()
await sb.close()
`)
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      // Node's types from this project (a consumer has its own); nothing else of its @types
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      types: ['node']
    },
    files: ['consumer.ts']
  }, null, 2))
  const checked = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], consumer, 180_000)
  t.equal(checked.code, 0, `tsc:\n${checked.stdout.slice(-4000)}`)
  t.notMatch(checked.stdout, /TS7016/, 'no module without types')
})
