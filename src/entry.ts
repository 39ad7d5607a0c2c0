import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

// scripts/bundle.mjs defines this as the entry of the bundle being built ('server' or 'cli'); undefined under tsc and tsx
declare const SANDBOX_BUNDLE_ENTRY: string | undefined

/**
 * Whether the module at `url` (its import.meta.url) is the program node was started with. In a
 * bundle every module shares the bundle's URL, so the CLI's bundle tells server.ts it is not the entry.
 */
export function isEntry (url: string, name: 'server' | 'cli'): boolean {
  if (typeof SANDBOX_BUNDLE_ENTRY === 'string' && SANDBOX_BUNDLE_ENTRY !== name) return false
  if (process.argv[1] === undefined) return false
  return url === pathToFileURL(realpathSync(process.argv[1])).href
}
