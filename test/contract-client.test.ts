import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { buildApp } from '../src/app.js'
import { ROOT } from '../src/paths.js'
import { OPENAPI_FILE } from '../scripts/openapi.js'

/*
 * A client built only from the contract: openapi-typescript (default flags) generates the types
 * from openapi/openapi.json, a small openapi-fetch client is type-checked against them with the
 * README's own bodies as written (defaulted fields left out), then compiled and run against a
 * started sandbox: token, the seed example, the tracking GET and a search.
 */

t.setTimeout(5 * 60_000)

async function run (command: string, args: string[], cwd: string): Promise<{ code: number | null, output: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd })
    let output = ''
    child.stdout.on('data', (d: Buffer) => { output += d.toString() })
    child.stderr.on('data', (d: Buffer) => { output += d.toString() })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

const CLIENT = `import createClient from 'openapi-fetch'
import type { paths } from './schema.js'

export interface Outcome { trackingId: string, flowKind: string, status: string, found: number }

export async function session (baseUrl: string, applicationId: string, applicationSecret: string, advance: () => Promise<void>): Promise<Outcome> {
  const client = createClient<paths>({ baseUrl })
  const basic = Buffer.from(applicationId + ':' + applicationSecret).toString('base64')
  const token = await client.POST('/oauth/token', {
    headers: { authorization: 'Basic ' + basic },
    // the JSON form the document declares beside the provider's form body
    body: { grant_type: 'client_credentials' }
  })
  if (token.data === undefined) throw new Error('token: ' + JSON.stringify(token.error))
  const headers = { authorization: 'Bearer ' + token.data.access_token }

  // the seed page's example exactly as the README shows it: no expireOnDelivery, flash or seq
  const sent = await client.POST('/failover/transactional', {
    headers,
    body: {
      flow: [
        {
          type: 'Viber',
          senderInfoTrackingId: 'your-sender-info-tracking-id',
          to: '+306912345678',
          templateId: '0aac888f-2ee2-4112-9659-1755a951966a',
          templateLang: 'en',
          templateParams: { customer_name: 'Alex' },
          deliveryScope: 'PRIMARY_DEVICE',
          ttl: 10,
          order: 1,
          failoverOnStatuses: ['EXPIRED', 'FAILED', 'UNDELIVERED']
        },
        {
          type: 'Sms',
          from: 'YourBrand',
          to: '+306912345678',
          message: { body: 'We could not reach you on Viber.' },
          ttl: 120,
          order: 2,
          failoverOnStatuses: ['FAILED', 'UNDELIVERED']
        }
      ]
    }
  })
  if (sent.data === undefined) throw new Error('send: ' + JSON.stringify(sent.error))
  // what a response always has is typed as present: no optional chaining needed
  const trackingId: string = sent.data.trackingId
  const flowKind: string = sent.data.flowKind
  await advance()

  const tracking = await client.GET('/failover/tracking/{trackingId}', { headers, params: { path: { trackingId } } })
  if (tracking.data === undefined) throw new Error('tracking: ' + JSON.stringify(tracking.error))
  const status: string = tracking.data.status

  const search = await client.POST('/failover/tracking', {
    headers,
    params: { query: { page: 0, size: 10 } },
    body: [{ fieldName: 'to', searchOperator: 'starts_with', searchTerm: '+30691234' }]
  })
  if (search.data === undefined) throw new Error('search: ' + JSON.stringify(search.error))
  return { trackingId, flowKind, status, found: search.data.totalElements }
}
`

t.test('openapi-typescript + openapi-fetch: a typed client from the document alone runs the seed example, tracking and search', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'failover-sandbox-client-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'), 'dir')
  writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }))

  const generated = await run(process.execPath, [join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), OPENAPI_FILE, '-o', join(work, 'schema.d.ts')], work)
  t.equal(generated.code, 0, `openapi-typescript: ${generated.output}`)

  writeFileSync(join(work, 'client.ts'), CLIENT)
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023', 'DOM'],
      strict: true,
      skipLibCheck: true,
      outDir: 'out',
      types: ['node']
    },
    files: ['client.ts']
  }))
  const checked = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], work)
  t.equal(checked.code, 0, `tsc rejected the client:\n${checked.output}`)
  if (checked.code !== 0) return

  const app = await buildApp({ config: { SANDBOX_DB: ':memory:', SANDBOX_CLOCK: 'manual' }, logger: false })
  t.teardown(async () => await app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const client = await import(pathToFileURL(join(work, 'out', 'client.js')).href)
  const outcome = await client.session(`http://127.0.0.1:${port}`, 'sandbox-app', 'sandbox-secret',
    async () => { await app.engine.advance('sandbox', { until: 'idle' }) })
  t.match(outcome, { trackingId: /^[0-9a-f-]{36}$/, flowKind: 'transactional', status: 'Succeeded' })
  t.equal(outcome.found, 1, 'the search finds it')
})

t.test('the generated types keep defaulted request fields optional (a client that omits them compiles)', async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'failover-sandbox-types-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const generated = await run(process.execPath, [join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), OPENAPI_FILE, '-o', join(work, 'schema.d.ts')], work)
  t.equal(generated.code, 0)
  const { readFileSync } = await import('node:fs')
  const text = readFileSync(join(work, 'schema.d.ts'), 'utf8')
  const request = text.slice(text.indexOf('TransactionalFailoverRequest: {'), text.indexOf('TransactionalFailoverResponse: {'))
  t.ok(request.length > 0, 'the request type is there')
  for (const field of ['ttl', 'expireOnDelivery', 'flash', 'deliveryScope']) {
    t.notMatch(request, new RegExp(`\\b${field}: `), `${field} is optional (${field}?:) in the request`)
  }
})
