import t from 'tap'
import { createIds, uuidv7Generator } from '../src/ids.js'

// issue 15: flows and messages get time-ordered ids (UUIDv7); seeded ids stay repeatable

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('UUIDv7: the version and variant bits, the time in front, later ids sort later', async (t) => {
  let now = Date.UTC(2026, 0, 1)
  const next = uuidv7Generator(() => now)
  const ids: string[] = []
  for (let i = 0; i < 5000; i++) {
    ids.push(next())
    if (i % 1000 === 999) now += 1
  }
  for (const id of ids.slice(0, 20)) t.match(id, V7)
  t.equal(ids[0].replace(/-/g, '').slice(0, 12), Date.UTC(2026, 0, 1).toString(16).padStart(12, '0'), 'the first 48 bits are the milliseconds')
  t.same([...ids].sort(), ids, 'in the order they were made, 1000 per millisecond included')
  t.equal(new Set(ids).size, ids.length, 'all distinct')
  // more than 4096 in one millisecond, then a clock set back: still increasing
  const burst: string[] = []
  for (let i = 0; i < 5000; i++) burst.push(next())
  now -= 10_000
  burst.push(next(), next())
  t.same([...burst].sort(), burst, 'a burst and a clock set back keep the order')
  t.ok(burst[0] > ids[ids.length - 1])
})

t.test('the default generator makes UUIDv7; a seed still makes the same ids every time', async (t) => {
  t.match(createIds().uuid(), V7)
  const a = createIds(42)
  const b = createIds(42)
  t.same([a.uuid(), a.uuid(), a.applicationId()], [b.uuid(), b.uuid(), b.applicationId()])
  t.match(a.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'seeded ids are the v4 shape they were')
})
