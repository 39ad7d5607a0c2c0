import t from 'tap'
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { isEntry } from '../src/entry.js'

// src/entry.ts: server.ts and cli.ts run main() only when node was started on them (not when imported)
t.test('isEntry: true only for the module node was started with', async (t) => {
  const started = pathToFileURL(realpathSync(process.argv[1])).href
  t.equal(isEntry(started, 'server'), true, 'the file in argv[1]')
  t.equal(isEntry(started, 'cli'), true, 'outside a bundle the name does not matter')
  t.equal(isEntry(new URL('../src/server.ts', import.meta.url).href, 'server'), false, 'another module')
  const argv = process.argv
  t.teardown(() => { process.argv = argv })
  process.argv = [argv[0]]
  t.equal(isEntry(started, 'server'), false, 'no script (node -e, a REPL)')
})
