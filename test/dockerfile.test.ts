import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix } from 'node:path'
import t from 'tap'
import { ConfigSchema } from '../src/config.js'
import { ROOT } from '../src/paths.js'
import { startSandbox } from '../src/index.js'
import { build } from './helper.js'

/*
 * No Docker engine here: the Dockerfile is read as data and checked against the code it packages,
 * so a port, a path, the health route or the start file cannot drift from it unnoticed.
 */

interface Instruction { keyword: string, args: string }
interface Stage { image: string, name: string | undefined, parent?: string, instructions: Instruction[] }

function parseDockerfile (text: string): { args: Record<string, string>, stages: Stage[] } {
  const lines: string[] = []
  let current = ''
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line.startsWith('#') || (line === '' && current === '')) continue
    if (line.endsWith('\\')) { current += line.slice(0, -1) + ' '; continue }
    lines.push((current + line).trim())
    current = ''
  }
  const args: Record<string, string> = {}
  const stages: Stage[] = []
  for (const line of lines) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(line)
    if (!m) continue
    const keyword = m[1].toUpperCase()
    const rest = m[2].trim()
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value] = rest.split('=')
      args[name] = value ?? ''
    } else if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!
      const named = from[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => args[a ?? b] ?? '')
      // FROM <an earlier stage>: that stage's image, and its instructions come first
      const parent = stages.find((s) => s.name === named)
      stages.push({ image: parent?.image ?? named, name: from[2], parent: parent?.name, instructions: [] })
    } else {
      stages[stages.length - 1].instructions.push({ keyword, args: rest })
    }
  }
  return { args, stages }
}

const own = (stage: Stage, keyword: string): string[] => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args)
/** a stage's instructions of one kind, those of the stages it starts from included */
const all = (stage: Stage, keyword: string): string[] => {
  const parent = stage.parent === undefined ? undefined : dockerfile.stages.find((s) => s.name === stage.parent)
  return [...(parent === undefined ? [] : all(parent, keyword)), ...own(stage, keyword)]
}
const one = (stage: Stage, keyword: string): string => {
  const found = own(stage, keyword)
  if (found.length !== 1) throw new Error(`expected one ${keyword}, found ${found.length}`)
  return found[0]
}
/** `KEY=value KEY2="two words"` */
const envOf = (stage: Stage): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const args of all(stage, 'ENV')) {
    for (const m of args.matchAll(/(\w+)=("([^"]*)"|\S+)/g)) env[m[1]] = m[3] ?? m[2]
  }
  return env
}
const execForm = (args: string): string[] => JSON.parse(args.replace(/^CMD\s+/, ''))

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))
const runtime = dockerfile.stages[dockerfile.stages.length - 1]
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
const configDefault = (key: keyof typeof ConfigSchema.properties): unknown => (ConfigSchema.properties[key] as { default?: unknown }).default

t.test('every stage runs on the same Node image: Node 24 LTS, pinned to an exact release, within package.json engines', async (t) => {
  t.ok(dockerfile.stages.length >= 2, 'multi-stage')
  const images = new Set(dockerfile.stages.map((s) => s.image))
  t.same([...images], [images.values().next().value], 'one image for all stages: native modules match the runtime')
  const m = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim(@sha256:[0-9a-f]{64})?$/.exec(dockerfile.stages[0].image)
  t.ok(m, `a node bookworm-slim image pinned to an exact version (or digest): ${dockerfile.stages[0].image}`)
  const major = Number(m?.[1])
  t.equal(major, 24, 'Node 24, the Active LTS line')
  t.ok(major >= Number(/(\d+)/.exec(pkg.engines.node)?.[1]), `within engines ${String(pkg.engines.node)}`)
})

t.test('OCI labels on the image', async (t) => {
  const labels: Record<string, string> = {}
  for (const args of own(runtime, 'LABEL')) for (const m of args.matchAll(/([\w.-]+)="([^"]*)"/g)) labels[m[1]] = m[2]
  for (const key of ['title', 'description', 'version', 'licenses']) t.ok(labels[`org.opencontainers.image.${key}`], `org.opencontainers.image.${key}`)
  t.equal(labels['org.opencontainers.image.title'], pkg.name)
  t.equal(labels['org.opencontainers.image.licenses'], pkg.license)
  const version = own(runtime, 'ARG').map((a) => /^VERSION=(\S+)$/.exec(a)?.[1]).find((v) => v !== undefined)
  t.equal(version, pkg.version, 'the version label defaults to package.json version')
})

t.test('build tools are installed once; the runtime gets better-sqlite3 without its build leftovers', async (t) => {
  const installs = dockerfile.stages.flatMap((s) => own(s, 'RUN').filter((r) => /apt-get install/.test(r)).map(() => s.name))
  t.equal(installs.length, 1, `one apt-get install in the whole file (in ${installs.join(', ')})`)
  const deps = dockerfile.stages.find((s) => own(s, 'RUN').some((r) => r.includes('npm ci --omit=dev')))!
  const prune = own(deps, 'RUN').find((r) => r.includes('npm ci --omit=dev'))!
  t.match(prune, /--omit=optional/, 'no optional dependencies (pino-pretty) in the image')
  t.match(prune, /cd node_modules\/better-sqlite3/)

  // the prune, as written, on a copy of the installed module: it still loads, and lost its sources
  const work = mkdtempSync(join(tmpdir(), 'failover-sandbox-prune-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const modules = join(work, 'node_modules')
  cpSync(join(ROOT, 'node_modules', 'better-sqlite3'), join(modules, 'better-sqlite3'), { recursive: true })
  for (const dep of ['bindings', 'file-uri-to-path']) if (existsSync(join(ROOT, 'node_modules', dep))) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep), 'dir')
  const commands = prune.slice(prune.indexOf('cd node_modules/better-sqlite3'), prune.indexOf('&& cd /app')).trim()
  const ran = spawnSync('sh', ['-c', `set -e; cd ${JSON.stringify(work)}; ${commands}`], { encoding: 'utf8' })
  t.equal(ran.status, 0, ran.stderr)
  t.notOk(existsSync(join(modules, 'better-sqlite3', 'deps')), 'the SQLite sources are gone')
  t.notOk(existsSync(join(modules, 'better-sqlite3', 'build', 'Release', 'obj.target')), 'the objects are gone')
  t.ok(existsSync(join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')), 'the native module stays')
  const load = spawnSync(process.execPath, ['-e', "const D = require('better-sqlite3'); const db = new D(':memory:'); console.log(db.prepare('select 1 as one').get().one); db.close()"], { cwd: work, encoding: 'utf8' })
  t.equal(load.stdout.trim(), '1', `it loads and runs: ${load.stderr}`)
})

t.test('the stages: build tools where npm ci runs, tsc in the build, production dependencies at runtime', async (t) => {
  for (const stage of dockerfile.stages) {
    const runs = all(stage, 'RUN').join('\n')
    if (!/npm ci/.test(runs)) continue
    t.match(runs, /apt-get install[^\n]*python3[^\n]*make[^\n]*g\+\+/, `${stage.name ?? stage.image}: python3, make and g++ for better-sqlite3`)
  }
  const build = dockerfile.stages.find((s) => all(s, 'RUN').some((r) => r.includes('npm run build')))
  t.ok(build, 'a stage runs npm run build')
  t.ok(all(build!, 'RUN').some((r) => /^npm ci(?!.*--omit=dev)/.test(r)), 'with every dependency')
  t.equal(pkg.scripts.build, 'tsc -p tsconfig.build.json && node scripts/bundle.mjs', 'npm run build is tsc, then the esbuild bundles of the server and the CLI')
  t.ok(all(build!, 'COPY').some((c) => c.split(/\s+/)[0] === 'scripts/bundle.mjs'), 'the build stage has the bundle script')
  const runtimeNodeModules = all(runtime, 'COPY').find((c) => /\bnode_modules\b/.test(c))
  t.ok(runtimeNodeModules, 'the runtime copies node_modules from a stage')
  const from = /--from=(\S+)/.exec(runtimeNodeModules ?? '')?.[1]
  const deps = dockerfile.stages.find((s) => s.name === from)
  t.ok(deps && all(deps, 'RUN').some((r) => r.includes('npm ci --omit=dev')), 'installed with npm ci --omit=dev')
  t.notOk(all(runtime, 'RUN').some((r) => /apt-get|npm ci/.test(r)), 'no compiler and no install in the runtime stage')
  t.equal(runtime.parent, undefined, 'the runtime starts from the plain Node image, not from the toolchain')
})

t.test('the runtime: port, host, database on the volume, non-root user', async (t) => {
  const env = envOf(runtime)
  t.equal(env.HOST, '0.0.0.0', 'listens on every interface (sandbox.md: the image sets 0.0.0.0)')
  t.equal(configDefault('HOST'), '127.0.0.1', 'while the code defaults to loopback')
  t.equal(Number(env.PORT ?? configDefault('PORT')), configDefault('PORT'), 'PORT is the config default')
  t.same(one(runtime, 'EXPOSE').split(/\s+/), [String(configDefault('PORT'))], 'EXPOSE the config default port')
  t.equal(env.SANDBOX_DB, '/data/sandbox.db')
  const volumes = one(runtime, 'VOLUME').startsWith('[') ? JSON.parse(one(runtime, 'VOLUME')) : one(runtime, 'VOLUME').split(/\s+/)
  t.ok(volumes.includes(posix.dirname(env.SANDBOX_DB)), 'the database folder is the volume')
  const user = one(runtime, 'USER')
  t.notOk(['root', '0', '0:0'].includes(user), `runs as ${user}`)
  const userAt = runtime.instructions.findIndex((i) => i.keyword === 'USER')
  const prepared = runtime.instructions.slice(0, userAt).some((i) => i.keyword === 'RUN' && i.args.includes(`mkdir -p ${posix.dirname(env.SANDBOX_DB)}`) && i.args.includes(`chown ${user}`))
  t.ok(prepared, 'the volume folder is created and given to that user before USER')
})

t.test('every file the image copies from the context exists and is not ignored', async (t) => {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  for (const stage of dockerfile.stages) {
    for (const copy of all(stage, 'COPY')) {
      if (copy.includes('--from=')) continue
      const parts = copy.split(/\s+/).filter((p) => !p.startsWith('--'))
      for (const source of parts.slice(0, -1)) {
        t.ok(existsSync(join(ROOT, source)), `${source} exists`)
        t.notOk(ignored.includes(source.split('/')[0]), `${source} is not in .dockerignore`)
      }
    }
  }
  for (const needed of ['node_modules', 'dist', '.git']) t.ok(ignored.includes(needed), `${needed} stays out of the context`)
  // what the running server reads from disk besides dist/: migrations, the seed, the dashboard files
  const copied = all(runtime, 'COPY').filter((c) => !c.includes('--from=')).map((c) => c.split(/\s+/)[0])
  for (const folder of ['db', 'src/ui']) t.ok(copied.includes(folder), `the runtime has ${folder}`)
})

t.test('CMD starts the built server: dist/src/server.js is src/server.ts after tsc', async (t) => {
  const cmd = execForm(one(runtime, 'CMD'))
  t.equal(cmd[0], 'node')
  const start = cmd[1]
  t.match(pkg.scripts.start, `node ${start}`, 'the same file as npm start')
  const buildConfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8'))
  const baseConfig = JSON.parse(readFileSync(join(ROOT, buildConfig.extends), 'utf8'))
  const outDir: string = buildConfig.compilerOptions?.outDir ?? baseConfig.compilerOptions.outDir
  const rootDir: string = buildConfig.compilerOptions?.rootDir ?? baseConfig.compilerOptions.rootDir
  t.ok(start.startsWith(outDir + '/'), `${start} is under outDir ${outDir}`)
  const source = posix.join(rootDir, posix.relative(outDir, start)).replace(/\.js$/, '.ts')
  t.equal(source, 'src/server.ts')
  t.ok(existsSync(join(ROOT, source)), `${source} exists`)
  t.ok((buildConfig.include as string[]).some((dir) => source.startsWith(dir + '/')), 'and is compiled by npm run build')
  t.match(readFileSync(join(ROOT, source), 'utf8'), /app\.listen\(/, 'it is the module that listens')
  t.equal(dirname(pkg.bin['failover-sandbox']), dirname(start), 'the bin sits beside it')
})

t.test('HEALTHCHECK asks the health route, and its one-liner works', async (t) => {
  const health = one(runtime, 'HEALTHCHECK')
  const command = execForm(health.slice(health.indexOf('CMD')))
  t.equal(command[0], 'node')
  t.equal(command[1], '-e')
  const script = command[2]
  t.match(script, `http://127.0.0.1:' + (process.env.PORT || ${String(configDefault('PORT'))}) + '/_sandbox/health`)

  const app = await build(t)
  const res = await app.inject({ method: 'GET', url: '/_sandbox/health' })
  t.equal(res.statusCode, 200, 'the route exists')
  t.equal(res.json().status, 'ok')

  const check = async (port: number): Promise<number | null> => await new Promise((resolve) => {
    spawn(process.execPath, ['-e', script], { env: { ...process.env, PORT: String(port) }, stdio: 'ignore' }).on('close', resolve)
  })
  const sb = await startSandbox()
  t.equal(await check(sb.port), 0, 'healthy while the sandbox answers')
  await sb.close()
  t.equal(await check(sb.port), 1, 'unhealthy once it is gone')
})
