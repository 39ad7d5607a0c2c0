import t, { type Test } from 'tap'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { ROOT } from '../../src/paths.js'
import { freePort, http, sleep } from './support.js'

/*
 * Issue 11, points 2, 3 and 4, against the real server as users start it (a child process under tsx):
 * a database path it cannot use stops the start within seconds with one line naming SANDBOX_DB and
 * exit code 2; a second server on the same database refuses to start while the first lives, and
 * starts once the first is killed (kill -9 included); a database file deleted or replaced under a
 * running server is reported by /_sandbox/health and refused on sends.
 */

const START_LIMIT_MS = 15_000

function childEnv (db: string, port = 0): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SANDBOX_DB: db, PORT: String(port), LOG_LEVEL: 'warn', SANDBOX_CLOCK: 'manual' }
  delete env.NODE_OPTIONS // tap's loaders stay out of the child
  return env
}

/** Starts the server and waits for its exit: it must not start on this database. */
function refusal (db: string): { status: number | null, stderr: string, ms: number } {
  const started = Date.now()
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: childEnv(db), encoding: 'utf8', timeout: START_LIMIT_MS })
  return { status: res.status, stderr: res.stderr, ms: Date.now() - started }
}

function checkRefusal (t: Test, db: string, cause: RegExp): void {
  const res = refusal(db)
  t.equal(res.status, 2, `exit code 2 (${res.stderr.slice(0, 500)})`)
  const lines = res.stderr.trim().split('\n')
  t.equal(lines.length, 1, 'one line, no stack')
  t.match(lines[0], /^failover-sandbox: SANDBOX_DB=/)
  t.match(lines[0], cause)
  t.ok(res.ms < START_LIMIT_MS, `ended in ${res.ms} ms`)
}

interface Server { proc: ChildProcess, port: number, logs: string[], exited: Promise<void> }

async function start (db: string): Promise<Server> {
  const port = await freePort()
  const logs: string[] = []
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: childEnv(db, port), stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout!.on('data', (d: Buffer) => logs.push(d.toString()))
  proc.stderr!.on('data', (d: Buffer) => logs.push(d.toString()))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const deadline = Date.now() + 30_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the server exited (${proc.exitCode}): ${logs.join('')}`)
    try {
      if ((await http(port, 'GET', '/_sandbox/health', { timeoutMs: 1000 })).status === 200) return { proc, port, logs, exited }
    } catch {}
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`no health within 30 s: ${logs.join('')}`) }
    await sleep(50)
  }
}

t.test('a file that is not a database', async (t) => {
  const db = join(t.testdir({ 'junk.db': 'this is not a database, only text that is long enough to fill a header page\n'.repeat(20) }), 'junk.db')
  checkRefusal(t, db, /not a sandbox database.*move it away/)
})

t.test('a database a newer version wrote: refused, not half used', async (t) => {
  const db = join(t.testdir(), 'newer.db')
  const file = new Database(db)
  file.pragma('user_version = 999')
  file.close()
  checkRefusal(t, db, /written by a newer failover-sandbox \(schema 999; this one knows up to \d+\).*run that version or a later one/)
})

t.test('a parent that is a regular file', async (t) => {
  const dir = t.testdir({ afile: 'x' })
  checkRefusal(t, join(dir, 'afile', 'sandbox.db'), /afile is a file, not a folder/)
  checkRefusal(t, join(dir, 'afile', 'deeper', 'sandbox.db'), /afile is a file, not a folder/)
})

t.test('a folder, a device, a path under /proc: refused before opening, never a spin', async (t) => {
  checkRefusal(t, t.testdir(), /is a folder/)
  checkRefusal(t, '/dev/null', /not a regular file/)
  checkRefusal(t, '/proc/x/sandbox.db', /pseudo file system/)
  checkRefusal(t, '/proc/self/status', /pseudo file system/)
})

t.test('a read-only folder', async (t) => {
  const dir = t.testdir()
  const ro = join(dir, 'ro')
  mkdirSync(ro)
  const root = process.getuid?.() === 0
  if (root) {
    // root ignores permission bits: a read-only mount is what stops it
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro])
    if (mounted.status !== 0) {
      t.test('refused', { skip: 'running as root and cannot mount a read-only tmpfs: a read-only folder cannot be made' }, () => {})
      return
    }
  } else chmodSync(ro, 0o555)
  try {
    checkRefusal(t, join(ro, 'sandbox.db'), /no permission to write there.*not writable/)
  } finally {
    // undone before tap removes the test folder
    if (root) spawnSync('umount', [ro])
    else chmodSync(ro, 0o755)
  }
})

t.test('two servers on one database: the second refuses while the first lives, starts after kill -9', async (t) => {
  const db = join(t.testdir(), 'shared.db')
  const first = await start(db)
  t.teardown(() => { first.proc.kill('SIGKILL') })
  checkRefusal(t, db, /another sandbox process is using it.*stop that server first/)
  t.equal((await http(first.port, 'GET', '/_sandbox/health')).status, 200, 'the first is unharmed')
  first.proc.kill('SIGKILL')
  await first.exited
  const second = await start(db)
  t.teardown(() => { second.proc.kill('SIGKILL') })
  t.equal((await http(second.port, 'GET', '/_sandbox/clock')).status, 200)
  // a clean stop releases it too
  second.proc.kill('SIGTERM')
  await second.exited
  const third = await start(db)
  third.proc.kill('SIGKILL')
  await third.exited
})

t.test('a database file deleted or replaced under a running server is noticed', async (t) => {
  for (const how of ['deleted', 'replaced'] as const) {
    const db = join(t.testdir(), `${how}.db`)
    const server = await start(db)
    t.teardown(() => { server.proc.kill('SIGKILL') })
    const tokenAnswer = await http(server.port, 'POST', '/oauth/token', {
      body: 'grant_type=client_credentials',
      headers: { authorization: 'Basic ' + Buffer.from('sandbox-app:sandbox-secret').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' }
    })
    t.equal(tokenAnswer.status, 200)
    const bearer = { authorization: `Bearer ${tokenAnswer.json().access_token as string}` }
    const send = async (): Promise<number> => (await http(server.port, 'POST', '/failover', { headers: bearer, body: { flow: [{ type: 'Sms', from: 'Sandbox', to: '+306912345678', message: { body: 'hi' }, order: 1 }] } })).status
    t.equal(await send(), 200, 'a send before is kept')
    rmSync(db)
    if (how === 'replaced') writeFileSync(db, '')
    const health = await http(server.port, 'GET', '/_sandbox/health')
    t.equal(health.status, 503, how)
    t.equal(health.json().status, 'error')
    t.equal(health.json().code, '503000000')
    t.match(health.json().problem, how === 'deleted' ? /was deleted/ : /was replaced/)
    const refused = await http(server.port, 'POST', '/failover', { headers: bearer, body: { flow: [{ type: 'Sms', from: 'Sandbox', to: '+306912345678', message: { body: 'hi' }, order: 1 }] } })
    t.equal(refused.status, 503, 'a send after is refused, not a 200')
    t.equal(refused.json().code, '503000000')
    t.match(refused.json().developerMessage, /deleted or replaced/)
    // the child's output arrives on its own time: wait for it a little
    const until = Date.now() + 5_000
    while (!/was (deleted|replaced) while the server ran/.test(server.logs.join('')) && Date.now() < until) await sleep(50)
    t.match(server.logs.join(''), /was (deleted|replaced) while the server ran/, 'logged')
    server.proc.kill('SIGKILL')
    await server.exited
  }
})

t.test('the timer notices without a request', async (t) => {
  const db = join(t.testdir(), 'timer.db')
  const server = await start(db)
  t.teardown(() => { server.proc.kill('SIGKILL') })
  rmSync(db)
  const deadline = Date.now() + 10_000
  while (!/was deleted while the server ran/.test(server.logs.join('')) && Date.now() < deadline) await sleep(100)
  t.match(server.logs.join(''), /was deleted while the server ran/, 'logged by the timer, with no request')
})

t.test('bound beyond loopback without a token, the start warns; with a token it does not', async (t) => {
  for (const token of ['', 'a-token']) {
    const port = await freePort()
    const env = { ...childEnv(':memory:', port), HOST: '0.0.0.0', SANDBOX_ADMIN_TOKEN: token }
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString() })
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString() })
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    t.teardown(() => { proc.kill('SIGKILL') })
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      try {
        if ((await http(port, 'GET', '/_sandbox/health', { timeoutMs: 1000 })).status === 200) break
      } catch {}
      await sleep(50)
    }
    await sleep(200)
    if (token === '') t.match(out, /without SANDBOX_ADMIN_TOKEN/, 'warned')
    else t.notMatch(out, /without SANDBOX_ADMIN_TOKEN/, 'no warning with a token')
    proc.kill('SIGKILL')
    await exited
  }
})
