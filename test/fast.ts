// npm run test:fast: the in-process tests in ONE process (tap starts a process per file otherwise, and
// loading TypeScript ~45 times is most of the time on 2 cores). Each file's tests run as a subtest
// named after it, in order; a file that needs a process of its own (restarts, real servers) is not here.
import t from 'tap'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { resetPerFileState } from './helper.js'

const ROOT = join(import.meta.dirname, '..')
const DIRS = ['test/routes', 'test/engine', 'test/store', 'test/callbacks', 'test/levers']
const FILES = ['test/ui/explain.test.ts', 'test/config.test.ts']
const EXCLUDE = new Set(['test/engine/restart.test.ts'])

function walk (dir: string): string[] {
  return readdirSync(join(ROOT, dir)).sort().flatMap((name) => {
    const path = `${dir}/${name}`
    if (statSync(join(ROOT, path)).isDirectory()) return walk(path)
    return name.endsWith('.test.ts') && !EXCLUDE.has(path) ? [path] : []
  })
}

for (const file of [...DIRS.flatMap(walk), ...FILES]) {
  await t.test(relative('.', file), async () => {
    resetPerFileState()
    await import(pathToFileURL(join(ROOT, file)).href)
  })
}
