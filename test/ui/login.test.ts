import t from 'tap'
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { build } from '../helper.js'

/*
 * sandbox.md "Guarding the control plane", in a real browser: with SANDBOX_ADMIN_TOKEN set, the
 * dashboard sends a person to the login form; the token sets the cookie; the dashboard then loads,
 * its live stream opens and its own state-changing fetches (same origin) go through. A page of
 * another origin cannot reset the sandbox, even with a plain form.
 */

const CHROMIUM = '/usr/bin/chromium'
const LAUNCH = { executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking'] }
const WAIT = { timeout: 20_000 }
const TOKEN = 'let-me-in-please'
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`

t.test('login, then the dashboard works; another origin cannot reset', { skip }, async (t) => {
  const app = await build(t, { config: { SANDBOX_ADMIN_TOKEN: TOKEN } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const base = `http://127.0.0.1:${port}`
  const browser: Browser = await chromium.launch(LAUNCH)
  t.teardown(async () => await browser.close())
  const page = await browser.newPage()

  await page.goto(base + '/')
  t.match(page.url(), /\/_sandbox\/login\?next=%2F$/, 'sent to the login page')
  await page.fill('#token', 'wrong')
  await page.click('button[type=submit]')
  await page.waitForSelector('.error', WAIT)
  await page.fill('#token', TOKEN)
  await page.click('button[type=submit]')
  await page.waitForSelector('body[data-live="open"]', WAIT)
  t.equal(page.url(), base + '/', 'back on the dashboard, its live stream open')
  const cookies = await page.context().cookies()
  const session = cookies.find((c) => c.name === 'sandbox_admin')
  t.ok(session?.httpOnly, 'HttpOnly')
  t.equal(session?.sameSite, 'Strict')

  // the dashboard's own state-changing fetch: advance the clock
  const before = await page.textContent('#clock-now')
  await page.click('button[data-advance="3600"]')
  await page.waitForFunction(`document.querySelector('#clock-now')?.textContent !== ${JSON.stringify(before)}`, undefined, WAIT)
  t.pass('the clock moved from the dashboard')

  // a page of another origin posting a plain form to reset (the browser sends Origin: null, and no Strict cookie)
  const other = await browser.newPage()
  const seen: number[] = []
  other.on('response', (r) => { if (r.url().endsWith('/_sandbox/reset')) seen.push(r.status()) })
  await other.setContent(`<form method="post" action="${base}/_sandbox/reset"><button>go</button></form>`)
  await Promise.all([other.waitForResponse((r) => r.url().endsWith('/_sandbox/reset'), WAIT), other.click('button')])
  t.same(seen, [403], 'a cross-site form POST is refused')
})
