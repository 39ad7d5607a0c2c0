import t, { type Test } from 'tap'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ROOT } from '../../src/paths.js'
import { basic, build, fixture, SEED_APP } from '../helper.js'

/*
 * The dashboard in a real browser (Debian's Chromium driven by playwright-core): a flow sent through
 * the API shows up and moves without a reload, the clock buttons run the failover, the demo button
 * sends the seed example, and the page is readable at 1280×800 and 390×844.
 */

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = join(ROOT, 'test', 'artifacts')
const LAUNCH = {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync']
}
// a single-core CI box shared with other jobs can be slow to paint
const WAIT = { timeout: 20_000 }

/** No horizontal scrolling: the page fits the viewport's width. */
async function fits (page: Page): Promise<{ scrollWidth: number, innerWidth: number }> {
  return await page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })')
}

// without the browser the test is skipped, saying how to get it
const skip = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`

t.test('the dashboard follows a flow live, runs the clock and sends the demo', { skip }, async (t) => {
  mkdirSync(ARTIFACTS, { recursive: true })
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`

  const browser: Browser = await chromium.launch(LAUNCH)
  t.teardown(async () => await browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const problems: string[] = []
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`) })

  await page.goto(base + '/')
  await page.waitForSelector('body[data-live="open"]', WAIT)
  t.equal(await page.textContent('h1'), 'Failover sandbox')
  t.match(await page.textContent('#balance'), /Balance 100 EUR/)
  t.match(await page.textContent('#clock-mode'), /manual/)
  t.ok(await page.isVisible('#flows-empty'), 'an empty account says how to start')
  await page.evaluate('window.__sameDocument = true')

  // a flow sent by a client, through the real API on the real port
  const tokenRes = await fetch(base + '/oauth/token', {
    method: 'POST',
    headers: { authorization: basic(SEED_APP.id, SEED_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials'
  })
  const { access_token: tok } = await tokenRes.json() as { access_token: string }
  const body = fixture('seed-example.json')
  for (const step of body.flow) step.to = '+306900000200'
  body.callback.url = base + '/_sandbox/webhooks/demo'
  const sent = await fetch(base + '/failover/transactional', {
    method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  t.equal(sent.status, 200)
  const { trackingId } = await sent.json() as { trackingId: string }

  const row = `#flows li[data-tracking-id="${trackingId}"]`
  await page.waitForSelector(`${row}[data-status="InProgress"]`, WAIT)
  t.match(await page.textContent(row), /\+306900000200/, 'the row shows the number')
  t.match(await page.textContent(row), /transactional/)
  t.match(await page.textContent(row), /Viber/, 'terminationChannel')
  t.match(await page.textContent(row), /0\.0093 EUR/, 'total price so far')
  t.match(await page.textContent(row), /sandbox \d\d:\d\d:\d\d · real \d\d:\d\d:\d\d/)

  await page.click(row)
  const detail = `#flow-detail article[data-tracking-id="${trackingId}"]`
  await page.waitForSelector(`${detail} .step[data-channel="Viber"][data-state="pending"]`, WAIT)
  t.ok(await page.isVisible(`${detail} .step[data-channel="Sms"][data-state="waiting"]`), 'the Sms step waits its turn')
  t.match(await page.textContent(`${detail} .bubble.viber`), /Hello Alex, your order is on its way\./, 'the rendered template')

  // +10 min: the Viber ttl passes, the Sms step starts; no reload
  await page.click('button[data-advance="600"]')
  await page.waitForSelector(`${detail} .step[data-channel="Sms"][data-state="pending"]`, WAIT)
  t.equal(await page.textContent(`${detail} .step[data-channel="Viber"] .why`), 'EXPIRED at ttl 10 min; EXPIRED is in failoverOnStatuses → next step: Sms')
  await page.waitForSelector(`${row}[data-status="InProgress"]`, WAIT)
  t.match(await page.textContent(row), /Sms/, 'terminationChannel is now Sms')

  // +1 min: the SMS is delivered and the flow succeeds; the completion callback reaches the demo receiver
  await page.click('button[data-advance="60"]')
  await page.waitForSelector(`${row}[data-status="Succeeded"]`, WAIT)
  await page.waitForSelector(`${detail}[data-status="Succeeded"] .step[data-channel="Sms"][data-state="ended"]`, WAIT)
  t.equal(await page.textContent(`${detail} .step[data-channel="Sms"] .why`), 'Delivered → flow Succeeded')
  t.match(await page.textContent(`${detail} .bubble.sms`), /We could not reach you on Viber\.[\s\S]*GSM7 · 1 part/)
  await page.waitForSelector(`${detail} .callback[data-state="delivered"]`, WAIT)
  t.match(await page.textContent(`${detail} .callback`), /completion[\s\S]*HTTP 200/)
  t.equal(await page.evaluate('window.__sameDocument'), true, 'no reload happened')

  // the demo button: the seed example to a magic number, sent by the sandbox itself
  await page.selectOption('#demo-magic', '+306900000200')
  await page.click('#demo-send')
  await page.waitForFunction('document.querySelectorAll(\'#flows li\').length === 2', undefined, WAIT)
  const demoId = await page.getAttribute('#flows li:first-child', 'data-tracking-id')
  t.not(demoId, trackingId, 'the demo flow is listed first (newest first)')
  await page.waitForSelector(`#flow-detail article[data-tracking-id="${demoId}"]`, WAIT)
  await page.click('button[data-advance="idle"]')
  await page.waitForSelector(`#flow-detail article[data-tracking-id="${demoId}"][data-status="Succeeded"] .callback[data-state="delivered"]`, WAIT)

  // the recipient answers on Viber: the reply is POSTed to the demo receiver like a callback
  const demoDetail = `#flow-detail article[data-tracking-id="${demoId}"]`
  await page.fill(`${demoDetail} .step[data-channel="Viber"] input[name="text"]`, 'Thanks!')
  await page.click(`${demoDetail} .step[data-channel="Viber"] button:has-text("Send Viber reply")`)
  await page.waitForSelector(`${demoDetail} .callback[data-state="delivered"]:has-text("inbound")`, WAIT)
  t.match(await page.textContent(`${demoDetail} .callback:has-text("inbound")`), /HTTP 200/)

  // filters: Failed matches nothing, Succeeded both
  await page.selectOption('#filters select[name="status"]', 'Failed')
  await page.waitForSelector('#flows-empty:not([hidden])', WAIT)
  await page.selectOption('#filters select[name="status"]', 'Succeeded')
  await page.waitForFunction('document.querySelectorAll(\'#flows li\').length === 2', undefined, WAIT)
  await page.click(`#flows li[data-tracking-id="${demoId}"]`)
  await page.waitForFunction('document.querySelectorAll(\'#flow-detail .callback\').length === 2', undefined, WAIT)

  // readable on a laptop and on a phone: nothing wider than the screen
  await page.waitForSelector('#toast', { state: 'hidden', ...WAIT })
  const wide = await fits(page)
  t.ok(wide.scrollWidth <= wide.innerWidth, `1280×800: scrollWidth ${wide.scrollWidth} <= ${wide.innerWidth}`)
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-1280x800.png') })
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-1280x800-full.png'), fullPage: true })
  await page.setViewportSize({ width: 390, height: 844 })
  await page.waitForTimeout(200)
  const narrow = await fits(page)
  t.ok(narrow.scrollWidth <= narrow.innerWidth, `390×844: scrollWidth ${narrow.scrollWidth} <= ${narrow.innerWidth}`)
  await phoneLayout(t, page)
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-390x844.png') })
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-390x844-full.png'), fullPage: true })

  // on the phone: a MANUAL Viber message is forced to FAILED and the SMS takes over
  await page.selectOption('#filters select[name="status"]', '')
  await page.selectOption('#demo-magic', '+306900000900')
  t.equal(await page.inputValue('#demo-to'), '+306900000900', 'the outcome list fills the number')
  await page.click('#demo-send')
  await page.waitForFunction('document.querySelectorAll(\'#flows li\').length === 3', undefined, WAIT)
  const manualId = await page.getAttribute('#flows li:first-child', 'data-tracking-id')
  const manual = `#flow-detail article[data-tracking-id="${manualId}"]`
  await page.waitForSelector(`${manual} .step[data-channel="Viber"][data-state="pending"]`, WAIT)
  t.match(await page.textContent(`${manual} .step[data-channel="Viber"] .why`), /MANUAL outcome \(magic number\)/)
  await page.selectOption(`${manual} .step[data-channel="Viber"] select[name="status"]`, 'FAILED')
  await page.click(`${manual} .step[data-channel="Viber"] button:has-text("Set status")`)
  await page.waitForSelector(`${manual} .step[data-channel="Sms"][data-state="pending"]`, WAIT)
  t.match(await page.textContent(`${manual} .step[data-channel="Viber"] .why`), /^FAILED \(System Failure\) after 0 s, forced by .*→ next step: Sms$/)
  const phone = await fits(page)
  t.ok(phone.scrollWidth <= phone.innerWidth, `390×844 with a pending flow: scrollWidth ${phone.scrollWidth} <= ${phone.innerWidth}`)
  await phoneLayout(t, page)

  // reset empties the account (after a confirmation)
  page.once('dialog', (dialog) => { void dialog.accept() })
  await page.click('#reset')
  await page.waitForSelector('#flows-empty:not([hidden])', WAIT)
  t.equal(await page.locator('#flows li').count(), 0)
  t.match(await page.textContent('#balance'), /Balance 100 EUR/, 'the seed balance is back')

  // on a laptop: a flow whose callbacks fail carries a badge in the list
  await page.setViewportSize({ width: 1280, height: 800 })
  const failing = fixture('seed-example.json')
  failing.callback.url = 'http://127.0.0.1:1/nobody-listens'
  const failed = await fetch(base + '/failover/transactional', {
    method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(failing)
  })
  const failingId = (await failed.json() as { trackingId: string }).trackingId
  const delivered = fixture('seed-example.json')
  delivered.callback.url = base + '/_sandbox/webhooks/demo'
  const fine = await fetch(base + '/failover/transactional', {
    method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: JSON.stringify(delivered)
  })
  const fineId = (await fine.json() as { trackingId: string }).trackingId
  await page.click('button[data-advance="60"]')
  await page.waitForSelector(`#flows li[data-tracking-id="${failingId}"] .callback-failing`, WAIT)
  t.match(await page.getAttribute(`#flows li[data-tracking-id="${failingId}"] .callback-failing`, 'title'), /completion callback to http:\/\/127\.0\.0\.1:1\/nobody-listens/, 'the badge says which callback and why')
  await page.waitForSelector(`#flows li[data-tracking-id="${fineId}"][data-status="Succeeded"]`, WAIT)
  t.equal(await page.locator(`#flows li[data-tracking-id="${fineId}"] .callback-failing`).count(), 0, 'no badge on a flow whose callback was delivered')
  t.same(problems.filter((p) => !/Failed to load resource/.test(p)), [], 'no script errors in the page')
})

/** At 390 px: the flows come before the controls, and no label, select or status is cut or broken letter by letter. */
async function phoneLayout (t: Test, page: Page): Promise<void> {
  const layout = await page.evaluate(`(() => {
    const top = (sel) => document.querySelector(sel).getBoundingClientRect().top
    const select = document.querySelector('#account')
    const label = document.querySelector('.bar label.account')
    const lineHeight = (el) => parseFloat(getComputedStyle(el).fontSize) * 1.8
    const tall = [...document.querySelectorAll('.badge, .bar label, .bar h1, td.detail-status')]
      .filter((el) => {
        if (el.getClientRects().length === 0 || el.textContent.trim() === '' || el.textContent.trim().includes(' ')) return false
        // the text's own box (a cell's box is its row's height): taller than a line means the word broke
        const range = document.createRange()
        range.selectNodeContents(el)
        return range.getBoundingClientRect().height > lineHeight(el)
      })
      .map((el) => el.textContent.trim())
    const wide = [...document.querySelectorAll('body *')]
      .filter((el) => el.getClientRects().length > 0 && el.getBoundingClientRect().right > window.innerWidth + 0.5 && !el.closest('table'))
      .map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : ''))
    return { flows: top('#flows-pane'), controls: top('.controls'), select: { scrollWidth: select.scrollWidth, right: select.getBoundingClientRect().right }, label: label.getBoundingClientRect().height, tall, wide, innerWidth: window.innerWidth }
  })()`) as { flows: number, controls: number, select: { scrollWidth: number, right: number }, label: number, tall: string[], wide: string[], innerWidth: number }
  t.ok(layout.flows < layout.controls, `flows first on a phone (flows at ${layout.flows} px, controls at ${layout.controls} px)`)
  t.ok(layout.select.right <= layout.innerWidth, `the account select ends inside the screen (${layout.select.right} <= ${layout.innerWidth})`)
  t.same(layout.tall, [], 'no single word wrapped letter by letter (account label, statuses)')
  t.same(layout.wide, [], 'no element reaches past the right edge')
}
