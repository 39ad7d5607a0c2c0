import { randomBytes, randomFillSync, randomInt } from 'node:crypto'

/** Where every id comes from, so a test can make them repeatable with a seed. */
export interface Ids {
  uuid: () => string
  /** sandbox.md "Accounts are namespaces": 24 lower-case hex characters, the provider's shape */
  applicationId: () => string
  /** sandbox.md "Accounts are namespaces": 16 letters and digits */
  applicationSecret: () => string
}

// 62 letters and digits: 16 of them carry about 95 bits
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const SECRET_LENGTH = 16

/** mulberry32: a small, fast, repeatable generator of 32-bit unsigned integers. */
export function mulberry32 (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0)
  }
}

/**
 * UUIDv7 (RFC 9562): 48 bits of wall-clock milliseconds, then 12 bits counting within the millisecond,
 * then 62 random bits. Ids made later sort later, so the rows they key (flows, messages) are appended to
 * their b-trees instead of landing on random pages (issue 15, "time-ordered ids"); the random bits keep
 * them unguessable enough for a sandbox. `now` is the wall clock by default.
 */
export function uuidv7Generator (now: () => number = Date.now): () => string {
  let lastMs = -1
  let counter = 0
  // random bytes drawn 4 KB at a time, as randomUUID does: one call per id was 2% of a send's CPU
  const pool = Buffer.alloc(4096)
  let offset = pool.length
  return () => {
    let ms = now()
    if (ms <= lastMs) {
      // the same millisecond (or a clock set back): count on from the last id, spilling into the next millisecond
      ms = lastMs
      counter++
      if (counter > 0xfff) { ms++; counter = 0 }
    } else {
      counter = randomInt(0x800)
    }
    lastMs = ms
    if (offset + 8 > pool.length) {
      randomFillSync(pool)
      offset = 0
    }
    const random = pool.subarray(offset, offset + 8)
    offset += 8
    const time = ms.toString(16).padStart(12, '0')
    const variant = ((random[0] & 0x3f) | 0x80).toString(16)
    const tail = random.subarray(1).toString('hex')
    return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${counter.toString(16).padStart(3, '0')}-${variant}${tail.slice(0, 2)}-${tail.slice(2, 14)}`
  }
}

export function createIds (seed?: number): Ids {
  if (seed === undefined) {
    return {
      uuid: uuidv7Generator(),
      applicationId: () => randomBytes(12).toString('hex'),
      applicationSecret: () => Array.from({ length: SECRET_LENGTH }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('')
    }
  }
  const next = mulberry32(seed)
  const hex = (words: number): string => Array.from({ length: words }, () => next().toString(16).padStart(8, '0')).join('')
  return {
    uuid: () => {
      const h = hex(4)
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[next() % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`
    },
    applicationId: () => hex(3),
    applicationSecret: () => Array.from({ length: SECRET_LENGTH }, () => ALPHANUMERIC[next() % ALPHANUMERIC.length]).join('')
  }
}
