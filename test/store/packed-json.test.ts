import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pack, unpack } from '../../src/store/packed-json.js'
import { ROOT } from '../../src/paths.js'

// issue 15 (migration 010): JSON stored with its common fragments as control characters

const seedExample = readFileSync(join(ROOT, 'src/ui/seed-example.json'), 'utf8')

t.test('pack and unpack are exact inverses, wherever a fragment occurs', async (t) => {
  const texts = [
    JSON.stringify(JSON.parse(seedExample)),
    JSON.stringify({ outcome: 'DELIVERED', source: 'default' }),
    JSON.stringify({ status: 'SEEN' }),
    // fragments inside string values, at the edges, repeated, overlapping
    JSON.stringify({ flow: [{ type: 'Sms', message: { body: '"type":"Viber" ,"to":"+ "EXPIRED""FAILED" \u001f \u0001 tab\there' } }] }),
    JSON.stringify('{"flow":[{'),
    JSON.stringify(['"DELIVERED"', '","flash":false}', 'PRIMARY_DEVICE', '']),
    '{}', '[]', '""', 'null', '0'
  ]
  for (const text of texts) t.equal(unpack(pack(text)), text, text.slice(0, 60))
  // eslint-disable-next-line no-control-regex -- looking for raw control characters
  t.notMatch(texts[3], /[\u0001-\u001f]/, 'JSON.stringify escapes control characters: a code never meets a raw one')
})

t.test('JSON stored before migration 010 reads back unchanged', async (t) => {
  const plain = JSON.stringify(JSON.parse(seedExample))
  t.equal(unpack(plain), plain)
})

t.test('the seed example\'s request takes well under half its JSON', async (t) => {
  const request = JSON.stringify(JSON.parse(seedExample))
  const packed = pack(request)
  t.ok(Buffer.byteLength(packed) < Buffer.byteLength(request) / 2, `${Buffer.byteLength(request)} → ${Buffer.byteLength(packed)} bytes`)
  t.equal(pack(JSON.stringify({ status: 'DELIVERED' })).length, 3, 'a status event\'s payload: three characters')
})
