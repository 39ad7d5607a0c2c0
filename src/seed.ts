import { readFileSync, existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { Ajv } from 'ajv'
import { SeedSchema, type Seed } from './schemas/seed.js'
import { problemsFromAjv } from './validation.js'
import { problemText } from './errors.js'
import { DEFAULT_SEED } from './paths.js'
import { ConfigError } from './config.js'

// validateSchema: false: the schema is ours and tested; checking it against the meta-schema cost ~50 ms of every start (issue 15)
const check = new Ajv({ allErrors: true, verbose: true, strict: false, validateSchema: false }).compile(SeedSchema)

/**
 * Reads and checks a seed file. The default `db/seed.json` is looked up in the working directory
 * first, then in the package, so the CLI works from any folder.
 */
export function loadSeed (path: string): Seed {
  let file = resolve(path)
  if (!existsSync(file) && path === 'db/seed.json') file = DEFAULT_SEED
  let data: unknown
  try {
    data = JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new ConfigError(`SANDBOX_SEED=${path}: cannot read it as JSON (${(err as Error).message})`)
  }
  return parseSeed(data, path)
}

export function parseSeed (data: unknown, name = 'seed'): Seed {
  if (!check(data)) {
    // the API's wording ("accounts[0].balance: must be >= 0."), every problem on the one line
    const problems = problemsFromAjv(check.errors!)
    throw new ConfigError(`SANDBOX_SEED=${name}: ${problems.map((p) => `${p.path || 'the file'}: ${problemText(p)}`).join(' ')}`)
  }
  return data as Seed
}
