// The dashboard (sandbox.md "Seeing what happened"): plain DOM, no framework, no build step.
// Everything it shows comes from the /_sandbox control routes; /_sandbox/events keeps it live.

const MAGIC = [
  ['+306900000200', 'Viber expires, SMS delivered'],
  ['+306900000000', 'Viber delivered'],
  ['+306900000400', 'Viber seen'],
  ['+306900000100', 'Viber undelivered, SMS delivered'],
  ['+306900000300', 'Viber failed, SMS delivered'],
  ['+306900000210', 'Viber expires, SMS undelivered'],
  ['+306900000220', 'Viber expires, SMS expires (ttl 120 min)'],
  ['+306900000230', 'Viber expires, SMS failed'],
  ['+306900000900', 'Viber MANUAL (force its status)'],
  ['+306900000290', 'Viber expires, SMS MANUAL']
]

// statuses a pending message may be forced to (src/engine/statuses.ts FORCEABLE)
const FORCEABLE = {
  Viber: ['DELIVERED', 'SEEN', 'UNDELIVERED', 'EXPIRED', 'FAILED'],
  Sms: ['Sent', 'Delivered', 'Undelivered', 'Failed'],
  Voice: ['Initiated', 'Ringing', 'InProgress', 'Completed', 'Busy', 'NoAnswer', 'Failed', 'Terminated']
}

const GOOD = new Set(['Succeeded', 'DELIVERED', 'SEEN', 'Delivered', 'Completed', 'delivered'])
const BAD = new Set(['Failed', 'FAILED', 'UNDELIVERED', 'EXPIRED', 'UNSENT', 'Undelivered', 'Unsent', 'Busy', 'NoAnswer', 'Terminated', 'failed'])

const $ = (selector) => document.querySelector(selector)
const params = new URLSearchParams(location.search)
const state = {
  account: params.get('account') ?? 'sandbox',
  flow: params.get('flow'),
  accounts: [],
  clock: null,
  clockReadAt: 0,
  source: null
}

/** An element with attributes, listeners (onclick…) and children; text is always set as text, never parsed. */
function h (tag, props = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') el.className = value
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value)
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue
    el.append(child instanceof Node ? child : String(child))
  }
  return el
}

const tone = (status) => (GOOD.has(status) ? 'good' : BAD.has(status) ? 'bad' : 'busy')
const badge = (status) => h('span', { class: `badge ${tone(status)}` }, status ?? '–')
const pad = (n) => String(n).padStart(2, '0')
function fmtTime (iso, withDate = false) {
  if (!iso) return '–'
  const d = new Date(iso)
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time
}
function fmtOffset (ms) {
  if (ms === 0) return '+0 s'
  const h = Math.floor(ms / 3600000); const m = Math.floor((ms % 3600000) / 60000); const s = (ms % 60000) / 1000
  return '+' + [h && `${h} h`, m && `${m} min`, s && `${s} s`].filter(Boolean).join(' ')
}
const currency = () => state.accounts.find((a) => a.id === state.account)?.currency.code ?? ''
const money = (amount, currency) => `${Number(amount.toFixed(6))} ${currency ?? ''}`.trim()

function toast (text, kind = 'info') {
  const el = $('#toast')
  el.textContent = text
  el.className = `toast ${kind}`
  el.hidden = false
  clearTimeout(toast.timer)
  toast.timer = setTimeout(() => { el.hidden = true }, kind === 'error' ? 8000 : 3000)
}

/** A control call on the selected account; throws the provider envelope's developerMessage. */
async function api (method, path, body) {
  const headers = { 'x-sandbox-account': state.account }
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  const data = text ? JSON.parse(text) : null
  if (!res.ok) throw new Error(data?.developerMessage ?? data?.error_description ?? `${res.status} ${res.statusText}`)
  return data
}

/** Runs an action from a button, showing its error; the button is disabled meanwhile. */
async function act (button, fn, done) {
  if (button) button.disabled = true
  try {
    await fn()
    if (done) toast(done)
  } catch (err) {
    toast(err.message, 'error')
  } finally {
    if (button) button.disabled = false
    refreshSoon()
  }
}

function syncUrl () {
  const q = new URLSearchParams()
  if (state.account !== 'sandbox') q.set('account', state.account)
  if (state.flow) q.set('flow', state.flow)
  const search = q.toString()
  history.replaceState(null, '', search ? `?${search}` : location.pathname)
}

// ---- accounts, balance, clock ----

async function loadAccounts () {
  state.accounts = await api('GET', '/_sandbox/accounts')
  if (!state.accounts.some((a) => a.id === state.account) && state.accounts.length > 0) state.account = state.accounts[0].id
  const select = $('#account')
  select.replaceChildren(...state.accounts.map((a) => h('option', { value: a.id, selected: a.id === state.account }, a.name === a.id ? a.id : `${a.name} (${a.id})`)))
  const account = state.accounts.find((a) => a.id === state.account)
  if (account) {
    $('#balance').textContent = `Balance ${money(account.balance, account.currency.code)}`
    setClock(account.clock)
  }
}

function setClock (clock) {
  const changed = !state.clock || state.clock.mode !== clock.mode || state.clock.scale !== clock.scale
  state.clock = clock
  state.clockReadAt = Date.now()
  const form = $('#clock-form')
  if (changed || !form.contains(document.activeElement)) {
    form.mode.value = clock.mode
    form.scale.value = clock.scale
  }
  $('#clock-mode').textContent = clock.mode === 'manual'
    ? 'manual: stands still until advanced'
    : `realtime × ${clock.scale}${clock.scale === 60 ? ' (a 10-minute ttl passes in 10 s)' : ''}`
  tickClock()
}

function tickClock () {
  if (!state.clock) return
  const elapsed = state.clock.mode === 'realtime' ? (Date.now() - state.clockReadAt) * state.clock.scale : 0
  const now = new Date(Date.parse(state.clock.now) + elapsed)
  $('#clock-now').textContent = fmtTime(now.toISOString(), true)
  $('#clock-now').title = `sandbox time ${now.toISOString()}`
}

// ---- the flow list ----

async function loadFlows () {
  const form = $('#filters')
  const q = new URLSearchParams({ limit: '100' })
  for (const name of ['to', 'status', 'flowKind']) if (form[name].value.trim() !== '') q.set(name, form[name].value.trim())
  const [{ flows, total }, callbacks] = await Promise.all([
    api('GET', `/_sandbox/flows?${q}`),
    api('GET', '/_sandbox/callbacks?limit=1000').catch(() => [])
  ])
  state.failing = failingCallbacks(callbacks)
  $('#flows-count').textContent = total > flows.length ? `(${flows.length} of ${total})` : `(${total})`
  $('#flows-empty').hidden = flows.length > 0
  $('#flows').replaceChildren(...flows.map(flowRow))
}

/** trackingId → what its failing callbacks say: given up, or retrying after an attempt that was not a 2xx */
function failingCallbacks (callbacks) {
  const failing = new Map()
  for (const c of callbacks) {
    const last = c.attempts[c.attempts.length - 1]
    const bad = c.state === 'failed' || (c.state !== 'delivered' && last !== undefined && !(last.status >= 200 && last.status < 300))
    if (!bad) continue
    const why = c.state === 'failed' ? `gave up after ${c.attempts.length} attempts` : `attempt ${last.attempt}: ${last.status ?? last.error ?? 'no answer'}`
    failing.set(c.trackingId, `${failing.has(c.trackingId) ? failing.get(c.trackingId) + '; ' : ''}${c.kind} callback to ${c.url}: ${why}`)
  }
  return failing
}

function flowRow (f) {
  const failing = state.failing?.get(f.trackingId)
  const to = [...new Set(f.messages.map((m) => (typeof m.to === 'string' ? m.to : m.to.phone ?? m.to.viber ?? m.to.sip)))].join(', ')
  const select = () => selectFlow(f.trackingId)
  return h('li', {
    class: `flow${f.trackingId === state.flow ? ' selected' : ''}`,
    dataset: { trackingId: f.trackingId, status: f.status },
    tabindex: 0,
    role: 'button',
    'aria-pressed': f.trackingId === state.flow ? 'true' : 'false',
    onclick: select,
    onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select() } }
  },
  h('div', { class: 'row1' }, badge(f.status), h('span', { class: 'kind' }, f.flowKind),
    failing ? h('span', { class: 'badge bad callback-failing', title: failing }, 'callback failing') : false,
    h('code', { class: 'id', title: f.trackingId }, f.trackingId)),
  h('div', { class: 'row2' },
    h('span', { title: 'to' }, to || '–'),
    h('span', { title: 'terminationChannel' }, f.terminationChannel ?? '–'),
    h('span', { title: 'totalPrice' }, money(f.totalPrice, currency())),
    h('span', { class: 'times', title: `created ${f.createdAt} (sandbox) / ${f.createdReal} (real)` }, `sandbox ${fmtTime(f.createdAt)} · real ${fmtTime(f.createdReal)}`)))
}

function selectFlow (id) {
  state.flow = id
  syncUrl()
  for (const li of document.querySelectorAll('#flows li')) {
    const on = li.dataset.trackingId === id
    li.classList.toggle('selected', on)
    li.setAttribute('aria-pressed', on ? 'true' : 'false')
  }
  void loadDetail().then(() => {
    if (window.matchMedia('(max-width: 899px)').matches) $('#flow-pane').scrollIntoView({ behavior: 'smooth', block: 'start' })
  })
}

// ---- one flow: timeline, what the recipient saw, callbacks ----

async function loadDetail () {
  const pane = $('#flow-detail')
  if (!state.flow) {
    pane.replaceChildren(h('p', { class: 'empty' }, 'Select a flow to see its timeline, messages and callbacks.'))
    return
  }
  let timeline, callbacks
  try {
    [timeline, callbacks] = await Promise.all([
      api('GET', `/_sandbox/flows/${encodeURIComponent(state.flow)}/timeline`),
      api('GET', `/_sandbox/callbacks?trackingId=${encodeURIComponent(state.flow)}`)
    ])
  } catch (err) {
    pane.replaceChildren(h('p', { class: 'empty' }, `Flow ${state.flow}: ${err.message}`))
    return
  }
  // keep what the user is typing across live re-renders
  const kept = new Map([...pane.querySelectorAll('[data-keep]')].map((el) => [el.dataset.keep, el.value]))
  const focused = document.activeElement?.dataset?.keep
  pane.replaceChildren(detailView(timeline, callbacks))
  for (const el of pane.querySelectorAll('[data-keep]')) {
    if (kept.has(el.dataset.keep)) el.value = kept.get(el.dataset.keep)
    if (el.dataset.keep === focused) el.focus()
  }
}

function detailView (t, callbacks) {
  return h('article', { class: 'detail', dataset: { trackingId: t.trackingId, status: t.status } },
    h('header', { class: 'detail-head' },
      h('h2', {}, 'Flow ', badge(t.status)),
      h('code', { class: 'id' }, t.trackingId),
      h('p', { class: 'why flow-why' }, t.why),
      h('dl', { class: 'facts' },
        fact('kind', t.flowKind),
        fact('statusCode', t.statusCode ?? 'null'),
        fact('terminationChannel', t.terminationChannel ?? '–'),
        fact('totalPrice', money(t.totalPrice, t.currency)),
        fact('created (sandbox)', fmtTime(t.createdAt, true)),
        fact('created (real)', fmtTime(t.createdReal, true))),
      h('p', { class: 'callback-to small muted' }, t.callback ? `callback ${t.callback.strategy ?? 'OnCompletion'} → ${t.callback.url}` : 'no callback'),
      t.warnings.length > 0 ? h('ul', { class: 'warnings' }, t.warnings.map((w) => h('li', {}, w))) : null),
    h('section', { class: 'timeline' }, h('h3', {}, 'Timeline'), h('ol', { class: 'steps' }, t.steps.map((s, i) => stepView(s, i)))),
    h('section', { class: 'recipient' }, h('h3', {}, 'What the recipient saw'),
      h('div', { class: 'phone' }, t.steps.filter((s) => s.recipient).map((s) => bubble(s.recipient)))),
    h('section', { class: 'callbacks' }, h('h3', {}, `Callbacks (${callbacks.length})`),
      callbacks.length === 0
        ? h('p', { class: 'muted' }, t.callback ? 'None yet: they are made when the flow changes or completes, per the strategy.' : 'The flow has no callback.')
        : h('ul', {}, callbacks.map(callbackView))))
}

const fact = (name, value) => [h('dt', {}, name), h('dd', {}, value)]

function stepView (s, i) {
  return h('li', { class: `step ${s.state}`, dataset: { channel: s.channel, state: s.state, messageId: s.messageId ?? '' } },
    h('div', { class: 'step-head' },
      h('strong', {}, `${i + 1}. ${s.channel}`),
      h('span', { class: 'muted' }, ` order ${s.order} · ${s.to}${s.ttl !== null ? ` · ttl ${s.ttl} min` : ''}`),
      s.status ? badge(s.status) : h('span', { class: 'badge idle' }, s.state === 'skipped' ? 'not run' : 'not started')),
    h('p', { class: 'why' }, s.why),
    s.outcome ? h('p', { class: 'muted small' }, `outcome ${s.outcome.outcome} (${s.outcome.source}) · failoverOnStatuses ${s.failoverOnStatuses.join(', ') || 'none'}${s.price !== null ? ` · price ${s.price}` : ''}`) : null,
    s.changes.length > 0
      ? h('table', { class: 'changes' }, h('tbody', {}, s.changes.map((c) => h('tr', {},
        h('td', { class: 'offset' }, fmtOffset(c.offsetMs)),
        h('td', { class: 'at', title: c.at }, fmtTime(c.at)),
        h('td', {}, badge(c.status)),
        h('td', { class: 'detail-status' }, c.detailedStatus !== c.status ? c.detailedStatus : '', c.note ? h('span', { class: 'note' }, ` ${c.note}`) : null)))))
      : null,
    s.state === 'pending' ? forceForm(s) : null,
    s.channel === 'Viber' && s.messageId && s.inboundUrl ? replyForm(s) : null)
}

function forceForm (s) {
  const select = h('select', { name: 'status', 'aria-label': 'status', 'data-keep': `force-${s.messageId}` }, FORCEABLE[s.channel].map((v) => h('option', {}, v)))
  return h('form', {
    class: 'inline action',
    onsubmit: (e) => {
      e.preventDefault()
      void act(e.submitter, () => api('POST', `/_sandbox/messages/${s.messageId}/status`, { status: select.value }), `${s.channel} message set to ${select.value}`)
    }
  }, h('label', {}, 'Force status ', select), h('button', { type: 'submit' }, 'Set status'))
}

function replyForm (s) {
  const input = h('input', { name: 'text', placeholder: 'Reply as the recipient', 'aria-label': 'reply text', 'data-keep': `reply-${s.messageId}`, maxlength: 1000 })
  return h('form', {
    class: 'inline action',
    onsubmit: (e) => {
      e.preventDefault()
      if (input.value.trim() === '') return
      void act(e.submitter, async () => {
        const cb = await api('POST', `/_sandbox/messages/${s.messageId}/reply`, { text: input.value })
        input.value = ''
        const last = cb.attempts[cb.attempts.length - 1]
        toast(`Reply posted to ${cb.url}: ${last ? (last.status ?? last.error) : cb.state}`)
      })
    }
  }, input, h('button', { type: 'submit' }, 'Send Viber reply'))
}

function bubble (r) {
  const head = h('div', { class: 'bubble-head' }, h('strong', {}, r.channel), ` from ${r.from ?? '–'} to ${r.to}`, badge(r.status))
  if (r.viber) {
    return h('div', { class: 'bubble viber', dataset: { channel: 'Viber' } }, head,
      r.viber.imageUrl ? h('img', { src: r.viber.imageUrl, alt: 'Viber image', loading: 'lazy' }) : null,
      h('p', { class: 'text' }, r.viber.text ?? ''),
      r.viber.button ? h('a', { class: 'viber-button', href: r.viber.button.targetUrl, target: '_blank', rel: 'noopener' }, r.viber.button.caption) : null,
      r.viber.templateId ? h('p', { class: 'meta' }, `template ${r.viber.templateId} (${r.viber.templateLang})`) : null)
  }
  if (r.sms) {
    return h('div', { class: 'bubble sms', dataset: { channel: 'Sms' } }, head,
      h('p', { class: 'text' }, r.sms.text),
      h('p', { class: 'meta' }, `${r.sms.encoding} · ${r.sms.parts} part${r.sms.parts === 1 ? '' : 's'}${r.sms.flash ? ' · flash' : ''}`))
  }
  const say = r.voice?.say ?? []
  const play = r.voice?.play ?? []
  return h('div', { class: 'bubble voice', dataset: { channel: 'Voice' } }, head,
    h('ol', { class: 'script' },
      say.map((v) => h('li', {}, `SAY (${v.language}${v.gender ? `, ${v.gender}` : ''}): “${v.text}”`)),
      play.map((url) => h('li', {}, `PLAY ${url}`))))
}

function callbackView (c) {
  const redeliver = h('button', {
    type: 'button',
    disabled: c.state === 'delivering',
    onclick: (e) => act(e.currentTarget, () => api('POST', `/_sandbox/callbacks/${c.id}/redeliver`), 'Callback sent again')
  }, 'Redeliver')
  return h('li', { class: 'callback', dataset: { callbackId: c.id, state: c.state } },
    h('div', { class: 'step-head' }, h('strong', {}, c.kind), badge(c.state), h('code', { class: 'url', title: c.url }, c.url), redeliver),
    c.attempts.length > 0
      ? h('table', { class: 'attempts' },
        h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'sandbox time'), h('th', {}, 'result'), h('th', {}, 'latency'))),
        h('tbody', {}, c.attempts.map((a) => h('tr', {},
          h('td', {}, a.attempt),
          h('td', { title: `${a.at} (real ${a.realAt})` }, fmtTime(a.at)),
          h('td', { class: a.status !== null && a.status < 300 ? 'ok' : 'ko' }, a.status !== null ? `HTTP ${a.status}` : a.error ?? 'no answer'),
          h('td', {}, `${a.latencyMs} ms`)))))
      : h('p', { class: 'muted small' }, 'No attempt yet.'),
    c.nextAttemptAt ? h('p', { class: 'muted small' }, `next attempt at ${fmtTime(c.nextAttemptAt, true)} (sandbox)`) : null)
}

// ---- live updates ----

// ---- the request journal ----

/** What a refused request was told: the provider's developerMessage, or the OAuth2 description. */
function errorMessage (body) {
  if (!body) return null
  try {
    const data = JSON.parse(body)
    return data.developerMessage ?? data.error_description ?? null
  } catch { return null }
}

function faultText (f) {
  const parts = [f.afterCommit ? 'afterCommit' : null, f.status, f.drop, f.delayMs !== undefined ? `delay ${f.delayMs} ms` : null, f.retryAfter !== undefined ? `Retry-After ${f.retryAfter}` : null]
  return `fault: ${parts.filter((p) => p !== null && p !== undefined).join(' · ')} (${f.source === 'rule' ? `rule ${f.rule}` : 'X-Sandbox-Fault'})`
}

async function loadRequests () {
  const form = $('#requests-filters')
  const q = new URLSearchParams({ limit: '100' })
  if (form.status.value) q.set('status', form.status.value)
  if (form.path.value.trim()) q.set('path', form.path.value.trim())
  const entries = await api('GET', `/_sandbox/requests?${q}`)
  $('#requests-count').textContent = `(${entries.length === 100 ? 'latest 100' : entries.length})`
  $('#requests-empty').hidden = entries.length > 0
  $('#requests').replaceChildren(...entries.map(requestRow))
}

function requestRow (e) {
  const refused = e.status === null || e.status >= 400
  const message = refused ? errorMessage(e.response.body) : null
  const status = e.status === null ? 'no answer' : String(e.status)
  return h('li', { class: `request${refused ? ' refused' : ''}${e.fault ? ' faulted' : ''}`, dataset: { status, id: String(e.id) } },
    h('details', {},
      h('summary', {},
        h('span', { class: `badge ${e.status === null || e.status >= 500 ? 'bad' : e.status >= 400 ? 'bad' : 'good'}` }, status),
        h('code', { class: 'route' }, `${e.method} ${e.path}`),
        e.fault ? h('span', { class: 'badge busy fault' }, faultText(e.fault)) : null,
        h('span', { class: 'times', title: `${e.at} (sandbox) / ${e.realAt} (real)` }, `sandbox ${fmtTime(e.at)} · ${e.durationMs} ms`),
        message ? h('div', { class: 'error-message' }, e.errorCode ? `${e.errorCode}: ` : '', message) : null,
        e.trackingId ? h('div', { class: 'muted small' }, 'trackingId ', h('code', {}, e.trackingId)) : null),
      h('div', { class: 'request-detail' },
        h('h3', {}, 'Request headers'), h('pre', {}, Object.entries(e.request.headers).map(([k, v]) => `${k}: ${v}`).join('\n')),
        h('h3', {}, 'Request body'), h('pre', {}, e.request.body ?? '(not read)'),
        h('h3', {}, 'Response body'), h('pre', {}, e.response.body ?? '(no answer)'))))
}

let refreshTimer = null
let refreshDetail = false
/** Coalesces bursts of events (a clock advance runs many) into one reload of what is on screen. */
function refreshSoon (trackingId) {
  if (trackingId === undefined || trackingId === state.flow) refreshDetail = true
  if (refreshTimer) return
  refreshTimer = setTimeout(async () => {
    refreshTimer = null
    const detail = refreshDetail
    refreshDetail = false
    try {
      await Promise.all([loadFlows(), loadAccounts(), loadRequests(), detail ? loadDetail() : null])
    } catch (err) {
      toast(err.message, 'error')
    }
  }, 120)
}

function connect () {
  state.source?.close()
  const source = new EventSource(`/_sandbox/events?accountId=${encodeURIComponent(state.account)}`)
  state.source = source
  const live = (on) => {
    document.body.dataset.live = on ? 'open' : 'closed'
    $('#live').textContent = on ? '● live' : '○ reconnecting…'
  }
  source.onopen = () => { live(true); refreshSoon() }
  source.onerror = () => live(false)
  for (const type of ['status', 'flow', 'callback']) {
    source.addEventListener(type, (e) => refreshSoon(JSON.parse(e.data).trackingId))
  }
}

// ---- controls ----

function wireControls () {
  $('#account').addEventListener('change', (e) => {
    state.account = e.target.value
    state.flow = null
    state.clock = null
    syncUrl()
    connect()
    void loadDetail()
  })
  $('#advance').addEventListener('click', (e) => {
    const button = e.target.closest('button[data-advance]')
    if (!button) return
    const by = button.dataset.advance === 'idle' ? { until: 'idle' } : { seconds: Number(button.dataset.advance) }
    void act(button, async () => {
      const r = await api('POST', '/_sandbox/clock/advance', by)
      toast(`Clock at ${fmtTime(r.now, true)}: ${r.eventsRun} event${r.eventsRun === 1 ? '' : 's'} run`)
    })
  })
  $('#clock-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const form = e.target
    const change = { mode: form.mode.value }
    if (form.scale.value !== '') change.scale = Number(form.scale.value)
    void act(e.submitter, async () => setClock(await api('POST', '/_sandbox/clock', change)), 'Clock changed')
  })
  const magic = $('#demo-magic')
  magic.replaceChildren(...MAGIC.map(([to, label]) => h('option', { value: to }, `${to} · ${label}`)), h('option', { value: '' }, 'another number…'))
  magic.addEventListener('change', () => { if (magic.value) $('#demo-to').value = magic.value; else $('#demo-to').focus() })
  $('#demo-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const form = e.target
    void act(e.submitter, async () => {
      const r = await api('POST', '/_sandbox/demo/send', { to: form.to.value.trim(), transactional: form.transactional.checked })
      toast(`Sent: ${r.trackingId}`)
      await loadFlows()
      selectFlow(r.trackingId)
    })
  })
  $('#reset').addEventListener('click', (e) => {
    if (!confirm(`Reset account ${state.account}? Its flows, messages and callbacks are deleted.`)) return
    state.flow = null
    syncUrl()
    void act(e.currentTarget, async () => { await api('POST', '/_sandbox/reset'); await loadDetail() }, 'Account reset')
  })
  let typing = null
  $('#filters').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(() => { loadFlows().catch((err) => toast(err.message, 'error')) }, 200) })
  $('#filters').addEventListener('submit', (e) => e.preventDefault())
  let typingPath = null
  $('#requests-filters').addEventListener('input', () => { clearTimeout(typingPath); typingPath = setTimeout(() => { loadRequests().catch((err) => toast(err.message, 'error')) }, 200) })
  $('#requests-filters').addEventListener('submit', (e) => e.preventDefault())
}

async function main () {
  wireControls()
  setInterval(tickClock, 250)
  // the clock and balance also move without events (a realtime clock, a balance set by a test)
  setInterval(() => { void loadAccounts().catch(() => {}) }, 10000)
  // the journal has no live event: a refused or faulted request changes no flow, so it is polled
  setInterval(() => { if (!document.hidden) void loadRequests().catch(() => {}) }, 3000)
  try {
    await loadAccounts()
    await Promise.all([loadFlows(), loadDetail(), loadRequests()])
  } catch (err) {
    toast(err.message, 'error')
  }
  syncUrl()
  connect()
}

void main()
