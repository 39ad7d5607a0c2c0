import { randomUUID } from 'node:crypto'

/** Where every id comes from, so a test can make them repeatable with a seed. */
export interface Ids {
  uuid: () => string
}

export function createIds (seed?: number): Ids {
  if (seed === undefined) return { uuid: () => randomUUID() }
  let state = seed >>> 0
  const next = (): number => {
    // mulberry32: small, fast, good enough for repeatable test ids
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0)
  }
  return {
    uuid: () => {
      const hex = Array.from({ length: 4 }, () => next().toString(16).padStart(8, '0')).join('')
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[next() % 4]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
    }
  }
}
