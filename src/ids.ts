import { randomUUID } from 'node:crypto'

/** Where every id comes from, so a test can make them repeatable with a seed. */
export interface Ids {
  uuid: () => string
}

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

export function createIds (seed?: number): Ids {
  if (seed === undefined) return { uuid: () => randomUUID() }
  const next = mulberry32(seed)
  return {
    uuid: () => {
      const hex = Array.from({ length: 4 }, () => next().toString(16).padStart(8, '0')).join('')
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[next() % 4]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
    }
  }
}
