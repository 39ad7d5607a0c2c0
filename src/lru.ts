/**
 * A bounded map that forgets the least recently used entry first (issue 15, "cached reads"). A Map
 * keeps insertion order, so a hit moves its key to the end and the first key is the oldest.
 * A bound of 0 caches nothing.
 */
export class Lru<K, V> {
  readonly #map = new Map<K, V>()
  readonly max: number

  constructor (max: number) {
    this.max = Math.max(0, Math.floor(max))
  }

  get size (): number {
    return this.#map.size
  }

  get (key: K): V | undefined {
    const value = this.#map.get(key)
    if (value === undefined) return undefined
    this.#map.delete(key)
    this.#map.set(key, value)
    return value
  }

  set (key: K, value: V): void {
    if (this.max === 0) return
    this.#map.delete(key)
    this.#map.set(key, value)
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K)
  }

  delete (key: K): void {
    this.#map.delete(key)
  }

  clear (): void {
    this.#map.clear()
  }
}
