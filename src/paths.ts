import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root (the folder with package.json), from src/ under tsx or dist/src/ when built. */
function findRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url))
    dir = parent
  }
  return dir
}

export const ROOT = findRoot()
export const MIGRATIONS_DIR = join(ROOT, 'db', 'migrations')
export const DEFAULT_SEED = join(ROOT, 'db', 'seed.json')
export const UI_DIR = join(ROOT, 'src', 'ui')
