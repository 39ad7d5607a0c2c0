/*
 * `npm run openapi`: writes openapi/openapi.json from the route schemas, exactly as
 * GET /_sandbox/openapi.json serves it. test/openapi.test.ts fails when the committed file differs.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildApp } from '../src/app.js'
import { serializeOpenApi } from '../src/openapi.js'
import { ROOT } from '../src/paths.js'

export const OPENAPI_FILE = join(ROOT, 'openapi', 'openapi.json')

/** The document the routes produce, serialized as committed. Settings do not change it. */
export async function generateOpenApi (): Promise<string> {
  const app = await buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual' }, logger: false })
  try {
    await app.ready()
    return serializeOpenApi(app.swagger())
  } finally {
    await app.close()
  }
}

async function main (): Promise<void> {
  const text = await generateOpenApi()
  mkdirSync(dirname(OPENAPI_FILE), { recursive: true })
  writeFileSync(OPENAPI_FILE, text)
  const document = JSON.parse(text)
  process.stdout.write(`wrote ${relative(process.cwd(), OPENAPI_FILE)}: ${Object.keys(document.paths).length} paths, ${Object.keys(document.components.schemas).length} schemas\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
