import type { Rng } from './support.js'

/*
 * The fuzz suite's generator: from a valid request it makes a malformed one — the JSON tree changed
 * (wrong types, missing and extra fields, odd numbers and strings, huge strings, deep nesting), the
 * bytes changed (invalid JSON, invalid UTF-8), or the content type, headers or URL changed.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type Path = Array<string | number>

/** Where a deep value goes: JSON.stringify writes this string, then the deep text replaces it. */
const DEEP_MARK = '\u0001deep\u0001'
const DEEP_QUOTED = JSON.stringify(DEEP_MARK)

const ODD_NUMBERS = [-1, 0, -0, 0.05, 0.15, 1.5, 2.25, 1e308, -1e308, 2 ** 53 + 2, 5e-324, 1e21, 99_999_999_999, -2_147_483_649, 4_294_967_296, 1440.01, 1441, 10001]

function oddString (rng: Rng): string {
  return rng.pick([
    () => '', () => ' ', () => 'null', () => 'true', () => '0', () => '-1', () => '1e999', () => 'NaN',
    () => '💥'.repeat(rng.int(1, 60)), () => '\u0000', () => '\u202e\u0301', () => 'a'.repeat(rng.int(1000, 20000)),
    () => '{{pin}}', () => 'https://x.example/{{a}}', () => '<script>alert(1)</script>', () => "' OR 1=1 --", () => '%s%n%x',
    () => '\ud800', () => '+306912345678', () => '+306900000999', () => '+1', () => 'OnChange', () => 'Sms', () => 'VIBER',
    () => 'client_credentials', () => 'InProgress', () => '2026-01-01T00:00:00Z', () => '/(a+)+$/', () => '__proto__', () => 'constructor'
  ])()
}

/** Any JSON value, small and shallow. */
export function randomValue (rng: Rng, depth = 0): Json {
  const kind = rng.int(0, depth > 2 ? 3 : 5)
  switch (kind) {
    case 0: return null
    case 1: return rng.chance(0.5)
    case 2: return rng.chance(0.5) ? rng.pick(ODD_NUMBERS) : rng.int(-5, 5)
    case 3: return oddString(rng)
    case 4: return Array.from({ length: rng.int(0, 3) }, () => randomValue(rng, depth + 1))
    default: return Object.fromEntries(Array.from({ length: rng.int(0, 3) }, () => [oddKey(rng), randomValue(rng, depth + 1)]))
  }
}

function oddKey (rng: Rng): string {
  return rng.pick(['', 'x', 'flow', 'type', 'to', 'order', 'ttl', 'message', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'k'.repeat(rng.int(100, 3000)), '💥', 'a.b', 'a[0]', '$ref'])
}

function typeOf (v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}

/** A value of another JSON type than `v`. */
function otherType (rng: Rng, v: Json): Json {
  for (;;) {
    const candidate = randomValue(rng)
    if (typeOf(candidate) !== typeOf(v)) return candidate
  }
}

function allPaths (value: Json, path: Path = [], out: Path[] = []): Path[] {
  out.push(path)
  if (Array.isArray(value)) value.forEach((v, i) => allPaths(v, [...path, i], out))
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) allPaths(v, [...path, k], out)
  return out
}

function get (root: Json, path: Path): Json {
  let node: any = root
  for (const key of path) node = node[key]
  return node
}

/** Sets (or with `remove`, deletes) the node at `path`; returns the new root. */
function set (root: Json, path: Path, value: Json | undefined): Json {
  if (path.length === 0) return value === undefined ? null : value
  const parent: any = get(root, path.slice(0, -1))
  const key = path[path.length - 1]
  if (value === undefined) {
    if (Array.isArray(parent)) parent.splice(key as number, 1)
    else delete parent[key]
  } else {
    // defineProperty: a key named __proto__ becomes an own property, as JSON.parse would make it
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return root
}

const containers = (root: Json): Path[] => allPaths(root).filter((p) => { const v = get(root, p); return v !== null && typeof v === 'object' })

/** One change to the tree, described in a few words. */
export function mutateTree (rng: Rng, input: Json): { value: Json, label: string } {
  let root = structuredClone(input)
  const paths = allPaths(root)
  // huge and deep values cost the most time: rarer than the rest
  const op = rng.pick(['type', 'type', 'type', 'type', 'remove', 'remove', 'remove', 'remove', 'extra', 'extra', 'extra', 'number', 'number', 'string', 'string',
    'array', 'array', 'null', 'huge', 'deep'] as const)
  switch (op) {
    case 'type': {
      const p = rng.pick(paths)
      return { value: set(root, p, otherType(rng, get(root, p))), label: `wrong type at /${p.join('/')}` }
    }
    case 'remove': {
      const candidates = paths.filter((p) => p.length > 0)
      if (candidates.length === 0) return { value: {}, label: 'empty object' }
      const p = rng.pick(candidates)
      return { value: set(root, p, undefined), label: `missing /${p.join('/')}` }
    }
    case 'extra': {
      const c = containers(root)
      if (c.length === 0) return { value: { extra: randomValue(rng) }, label: 'extra field at /' }
      const p = rng.pick(c)
      const node = get(root, p)
      const key = Array.isArray(node) ? node.length : oddKey(rng)
      return { value: set(root, [...p, key], randomValue(rng)), label: `extra field at /${[...p, key].join('/').slice(0, 60)}` }
    }
    case 'number': {
      const numbers = paths.filter((p) => typeof get(root, p) === 'number')
      const p = numbers.length > 0 ? rng.pick(numbers) : rng.pick(paths)
      return { value: set(root, p, rng.pick(ODD_NUMBERS)), label: `out-of-range number at /${p.join('/')}` }
    }
    case 'string': {
      const strings = paths.filter((p) => typeof get(root, p) === 'string')
      const p = strings.length > 0 ? rng.pick(strings) : rng.pick(paths)
      return { value: set(root, p, oddString(rng)), label: `odd string at /${p.join('/')}` }
    }
    case 'array': {
      const arrays = paths.filter((p) => Array.isArray(get(root, p)))
      if (arrays.length === 0) return { value: [root], label: 'body wrapped in an array' }
      const p = rng.pick(arrays)
      const items = get(root, p) as Json[]
      const changed: Json[] = rng.pick([
        () => [],
        () => Array.from({ length: rng.int(11, 200) }, () => structuredClone(items[0] ?? null)),
        () => [...items, ...items],
        () => items.map(() => randomValue(rng))
      ])()
      return { value: set(root, p, changed), label: `array at /${p.join('/')} with ${changed.length} items` }
    }
    case 'null': {
      const p = rng.pick(paths)
      return { value: set(root, p, null), label: `null at /${p.join('/')}` }
    }
    case 'huge': {
      const p = rng.pick(paths)
      // 1.1 MB is over the body limit: a 413
      const n = rng.pick([10_000, 60_000, 300_000, 1_100_000])
      root = set(root, p, 'x'.repeat(n))
      return { value: root, label: `${n}-character string at /${p.join('/')}` }
    }
    case 'deep': {
      // half the time under a new key (ignored as unknown, or kept as `restrictions`), half in place of a node
      const c = containers(root)
      const p = c.length > 0 && rng.chance(0.5) ? [...rng.pick(c), rng.pick(['restrictions', 'zz', 'label'])] : rng.pick(paths)
      if (p.length > 0 && typeof p[p.length - 1] === 'string' && Array.isArray(get(root, p.slice(0, -1)))) p[p.length - 1] = 0
      return { value: set(root, p, DEEP_MARK), label: `deep nesting at /${p.join('/')}` }
    }
  }
}

/** Nested arrays or objects, `depth` levels. */
export function deepText (rng: Rng, depth: number): string {
  return rng.chance(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
}

/** JSON text of a mutated tree: a deep mark becomes nesting `depth` levels deep. */
export function serialize (rng: Rng, value: Json): { text: string, depth?: number } {
  const text = JSON.stringify(value)
  if (!text.includes(DEEP_QUOTED)) return { text }
  const depth = rng.pick([50, 500, 2000, 5000, 20_000, 100_000])
  return { text: text.replace(DEEP_QUOTED, deepText(rng, depth)), depth }
}

const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc3], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0x80]]

/** The bytes of a valid body, broken. */
export function mutateBytes (rng: Rng, text: string): { payload: string | Buffer, label: string } {
  const at = rng.int(0, text.length)
  const op = rng.int(0, 13)
  switch (op) {
    case 0: return { payload: text.slice(0, rng.int(0, Math.max(0, text.length - 1))), label: 'truncated JSON' }
    case 1: return { payload: text.slice(0, at) + rng.pick(['{', '}', '[', ']', ',', ':', '"', '\\', "'", '\u0000', '\n']) + text.slice(at), label: 'stray character' }
    case 2: return { payload: text.slice(0, at) + text.slice(at + 1), label: 'one character dropped' }
    case 3: {
      const bytes = Buffer.from(rng.pick(INVALID_UTF8))
      // inside a string value, where a parser must look at the bytes
      const quote = text.indexOf('"', at)
      const cut = quote >= 0 ? quote + 1 : at
      return { payload: Buffer.concat([Buffer.from(text.slice(0, cut)), bytes, Buffer.from(text.slice(cut))]), label: `invalid UTF-8 ${bytes.toString('hex')}` }
    }
    case 4: return { payload: '\ufeff' + text, label: 'byte-order mark' }
    case 5: return { payload: text.replace(/"/g, "'"), label: 'single quotes' }
    case 6: return { payload: text.replace(/:\s*(-?\d+(\.\d+)?|true|false|null)/, `:${rng.pick(['NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '01', '1e999', '-'])}`), label: 'non-JSON literal' }
    case 7: return { payload: text.replace(/}\s*$/, ',}'), label: 'trailing comma' }
    case 8: return { payload: '/* comment */' + text, label: 'comment' }
    case 9: return { payload: text.startsWith('{') ? '{"flow":[],' + text.slice(1) : text + text, label: 'duplicate keys' }
    case 10: return { payload: text + rng.pick(['x', '}', ' {}', '\u0000', '\r\n\r\nGET / HTTP/1.1']), label: 'trailing garbage' }
    case 11: return { payload: rng.pick(['', ' ', '\n', 'null', 'true', '0', '"x"', '[]', '{}', '[{}]', '{"flow":null}', 'a=b&c=d', '<xml/>', '\u0000']), label: 'other JSON or none' }
    case 12: return { payload: rng.pick(['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', text.replace('{', '{"__proto__":{"x":1},')]), label: 'prototype keys' }
    default: return { payload: Buffer.from(text, 'utf16le'), label: 'UTF-16 body' }
  }
}

export const ODD_CONTENT_TYPES = [
  'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/json; charset=latin1',
  'application/jsonx', 'APPLICATION/JSON', 'application/json;', ' application/json', 'application/x-www-form-urlencoded', '*/*', '',
  'application/vnd.api+json', 'text/json', 'application/json, text/plain', 'application/octet-stream', 'application/json; charset="utf-8"; x=y',
  'application/' + 'j'.repeat(5000)
]

/** Header changes: [name, value | undefined (removed)], described. */
export function oddHeader (rng: Rng, token: string | undefined): { name: string, value: string | string[] | undefined, label: string } {
  const pick = rng.int(0, 13)
  switch (pick) {
    case 0: return { name: 'authorization', value: undefined, label: 'no Authorization' }
    case 1: return { name: 'authorization', value: rng.pick(['Bearer', 'Bearer ', 'Bearer  ', 'bearer x y', 'Token abc', 'Basic', 'Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64'), 'Bearer ' + 'a'.repeat(rng.int(100, 8000)), 'Bearer null', 'Bearer ../../etc/passwd']), label: 'bad Authorization' }
    case 2: return { name: 'authorization', value: token === undefined ? 'Bearer x' : rng.pick([`Bearer ${token}, Bearer ${token}`, `bearer ${token}`, `BEARER   ${token}   `, `Bearer ${token}x`, `Basic ${token}`, `Bearer ${token.toUpperCase()}`]), label: 'Authorization near the token' }
    case 3: return { name: 'expect', value: rng.pick(['100-continue', '', 'something-else', '100-Continue']), label: 'Expect' }
    case 4: return { name: 'x-filler', value: 'f'.repeat(rng.int(1000, 12_000)), label: 'huge header value' }
    case 5: return { name: 'x-sandbox-outcome', value: rng.pick(['', ';', 'Viber', 'Viber=', '=EXPIRED', 'Viber=NOPE', 'Sms=Delivered; Sms=Failed', 'Fax=Sent', 'Viber=expired;Sms=failed;Voice=busy', 'Viber=EXPIRED'.repeat(500), '💥=💥']), label: 'odd X-Sandbox-Outcome' }
    case 6: return { name: 'x-sandbox-account', value: rng.pick(['', ' ', 'nope', 'x'.repeat(3000), "' OR 1=1 --", '../sandbox']), label: 'odd X-Sandbox-Account' }
    case 7: return { name: 'accept', value: rng.pick(['text/html', 'application/xml', '*/*;q=0', 'application/json;q=0']), label: 'odd Accept' }
    case 8: return { name: 'content-encoding', value: rng.pick(['gzip', 'br', 'deflate', 'x-nope']), label: 'Content-Encoding (body not encoded)' }
    case 9: return { name: 'content-type', value: ['application/json', 'text/plain'], label: 'duplicate Content-Type' }
    case 10: return { name: 'x-forwarded-for', value: '1.2.3.4, ' + '5.6.7.8, '.repeat(rng.int(1, 500)), label: 'long X-Forwarded-For' }
    case 11: return { name: 'content-length', value: rng.pick(['0', '1', '99999999', '-1', 'abc']), label: 'wrong Content-Length' }
    case 12: return { name: 'transfer-encoding', value: rng.pick(['chunked', 'gzip', 'identity']), label: 'Transfer-Encoding' }
    default: return { name: 'cookie', value: 'a=' + 'b'.repeat(rng.int(10, 4000)), label: 'long Cookie' }
  }
}

/** A path segment clients should not send. */
export function oddSegment (rng: Rng): string {
  return rng.pick(['', '%', '%E0%A4%A', '%00', '..%2F..%2F', '%2e%2e', 'a'.repeat(rng.int(100, 6000)), '%F0%9F%92%A5', '0', '-1', 'null', 'undefined',
    '00000000-0000-0000-0000-000000000000', "'%20OR%201=1", '%25', '%u0041', '~', '%C0%AF'])
}

export function oddQuery (rng: Rng): string {
  return rng.pick(['page=-1', 'page=1e20', 'page=100000000000000000000', 'page=abc', 'size=0', 'size=1001', 'size=1e3', 'size=', 'page=1&page=2',
    'dateStart=nope', 'dateStart=2026-13-45T00:00:00Z', 'dateEnd=+275760-09-13T00:00:00.001Z', 'dateStart=' + 'x'.repeat(3000), 'limit=-5',
    'trackingId=%00', 'a[b]=c', '%', '&&&', '__proto__[x]=1', 'status=' + '💥'.repeat(100)])
}
