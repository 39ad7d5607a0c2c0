import t from 'tap'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { basic, build, SEED_APP } from '../helper.js'

/*
 * The dashboard's Requests view in a real browser: a refused send shows the error message the client
 * got, a faulted one its fault, without opening anything. Skipped where Chromium is missing.
 */

const CHROMIUM = '/usr/bin/chromium'
const LAUNCH = { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }
const WAIT = { timeout: 20_000 }
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`

t.test('the Requests view shows refused requests with their error, and faults', { skip }, async (t) => {
  const app = await build(t, { contract: false })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }
  const base = `http://127.0.0.1:${port}`
  const token = (await (await fetch(base + '/oauth/token', {
    method: 'POST',
    headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })).json() as { access_token: string }).access_token
  const send = async (body: unknown, headers: Record<string, string> = {}): Promise<number> => (await fetch(base + '/failover', {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body)
  })).status
  t.equal(await send({ flow: [{ type: 'Sms', from: 'YourBrand', to: '12', message: { body: 'hi' }, order: 1 }] }), 400)
  t.equal(await send({ flow: [{ type: 'Sms', from: 'YourBrand', to: '+306900000200', message: { body: 'hi' }, order: 1 }] }, { 'x-sandbox-fault': '503' }), 503)

  const browser: Browser = await chromium.launch(LAUNCH)
  t.teardown(async () => await browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(err.message))
  await page.goto(base + '/')
  await page.waitForSelector('#requests li.request[data-status="503"]', WAIT)
  const refused = await page.textContent('#requests li.request[data-status="400"]')
  t.match(refused, 'flow[0].to', 'the refused request shows the error message the client got')
  t.match(refused, '400000000')
  t.match(await page.textContent('#requests li.request[data-status="503"]'), /fault: 503 .*X-Sandbox-Fault/)
  t.match(await page.textContent('#requests li.request[data-status="200"]'), 'POST /oauth/token')
  await page.selectOption('#requests-filters select[name="status"]', '4xx')
  await page.waitForFunction('document.querySelectorAll("#requests li.request").length === 1', undefined, WAIT)
  t.same(problems, [], 'no page errors')
})
