import t from 'tap'
import { build, send, smsStep, token } from '../helper.js'

// issue 15: `to is <number>` is answered from flow_steps_to, not by walking every flow of the account

t.test('to is <number>: found through the number index, the same flows as before', async (t) => {
  const app = await build(t)
  const tok = await token(app)
  for (let i = 0; i < 30; i++) {
    const res = await send(app, tok, { flow: [smsStep(`+3069100000${String(i % 10).padStart(2, '0')}`)] }, { transactional: false })
    t.equal(res.statusCode, 200, res.body)
  }
  const q = { filters: [{ field: 'to' as const, op: 'is' as const, term: '+306910000003' }], page: 0, size: 10 }
  const plan = app.store.flows.searchPlan('sandbox', q).join('\n')
  t.match(plan, /flow_steps_to \(to_number=\?\)/, 'the number index finds the steps')
  t.match(plan, /SEARCH f USING INTEGER PRIMARY KEY/, 'each flow by its integer key (migration 010)')
  t.notMatch(plan, /flows_account_created/, 'not every flow of the account')
  const { flows, total } = app.store.flows.search('sandbox', q)
  t.equal(total, 3)
  t.same(flows.map((f) => f.request.flow[0].to), ['+306910000003', '+306910000003', '+306910000003'])
  t.ok(flows[0].createdAt >= flows[1].createdAt, 'newest first')

  // other searches keep the account's index (walked in order, no sort)
  const byStatus = app.store.flows.searchPlan('sandbox', { filters: [{ field: 'status', op: 'is', term: 'InProgress' }], page: 0, size: 10 }).join('\n')
  t.match(byStatus, /flows_account_status|flows_account_created/)
  // and an account sees only its own flows, even by number
  t.equal(app.store.flows.search('other', q).total, 0)
  const page = await app.inject({ method: 'POST', url: '/failover/tracking?size=2', headers: { authorization: `Bearer ${tok}` }, payload: { fieldName: 'to', searchTerm: '+306910000003' } })
  t.equal(page.statusCode, 200, page.body)
  t.equal(page.json().totalElements, 3)
  t.equal(page.json().content.length, 2)
})
