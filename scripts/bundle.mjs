// `npm run build`, second step (after tsc): the server and the CLI as esbuild bundles, written over
// tsc's dist/src/server.js and dist/src/cli.js, so `npm start`, the bin and the Docker CMD start one
// file instead of resolving and compiling ~300 modules (issue 15, "a quick start"). Everything else
// in dist/src (index.js for startSandbox(), the .d.ts types) stays tsc's output.
//
// Left outside the bundle: better-sqlite3 (a native addon), thread-stream (it starts its worker from a
// file beside its own, found with __dirname; pino's own worker file is named in the banner),
// pino-pretty (optional), @fastify/swagger-ui (serves its static files from its own folder). Code loaded only on demand
// (undici for callbacks, the docs) goes into chunks of its own (dist/src/chunks/), read on first use.
import { build } from 'esbuild'
import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// BUNDLE_OUT: another folder (test/bundle.test.ts bundles into dist/ beside the real one)
const out = process.env.BUNDLE_OUT ?? join(root, 'dist', 'src')
rmSync(join(out, 'chunks'), { recursive: true, force: true })

// CommonJS dependencies inside an ES module bundle still call require() and read __dirname
const banner = [
  "import { createRequire as __bundleRequire } from 'node:module';",
  "import { fileURLToPath as __bundleFileUrl } from 'node:url';",
  "import { dirname as __bundleDirname } from 'node:path';",
  'const require = __bundleRequire(import.meta.url);',
  'const __filename = __bundleFileUrl(import.meta.url);',
  'const __dirname = __bundleDirname(__filename);',
  // pino starts its transport worker (pino-pretty on a TTY) from a file beside its own: bundled, it asks here
  "if (!Object.prototype.hasOwnProperty.call(globalThis, '__bundlerPathsOverrides')) { let paths; Object.defineProperty(globalThis, '__bundlerPathsOverrides', { configurable: true, get: () => (paths ??= { 'pino-worker': require.resolve('pino/lib/worker.js') }) }); }"
].join(' ')

// one build per entry: each module's "am I the entry?" check (src/entry.ts) must know which bundle it is in
for (const entry of ['server', 'cli']) {
  await build({
    entryPoints: { [entry]: join(root, 'src', `${entry}.ts`) },
    outdir: out,
    bundle: true,
    splitting: true,
    chunkNames: `chunks/${entry}-[name]-[hash]`,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    external: ['better-sqlite3', 'thread-stream', 'pino-pretty', '@fastify/swagger-ui'],
    define: { SANDBOX_BUNDLE_ENTRY: JSON.stringify(entry) },
    banner: { js: banner },
    // whitespace and syntax only: function names stay readable in stack traces and CPU profiles
    // (BUNDLE_READABLE=1 keeps one statement per line, for reading CPU profiles line by line)
    minifyWhitespace: process.env.BUNDLE_READABLE !== '1',
    minifySyntax: process.env.BUNDLE_READABLE !== '1',
    legalComments: 'none',
    logLevel: 'warning'
  })
}
