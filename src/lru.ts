/**
 * A bounded map that forgets the least recently used entry first (issue 15, "cached reads"). A Map
 * keeps insertion order, so a refreshed key moves to the end and the first key is the oldest.
 * A bound of 0 caches nothing.
 *
 * A hit moves its key only when it is no longer among the newest half (each entry keeps the count of
 * writes and moves at its last one): moving a key is a delete and an insert, and V8's Map compacts
 * itself after enough deletes, which was ~3% of a tracking GET's CPU when every hit moved. An entry
 * read at least once per max/2 writes still never goes; the order of the others is as before.
 */
export class Lru<K, V> {
  readonly #map = new Map<K, { value: V, at: number }>()
  readonly max: number
  readonly #half: number
  /** inserts and moves so far */
  #writes = 0

  constructor (max: number) {
    this.max = Math.max(0, Math.floor(max))
    this.#half = Math.floor(this.max / 2)
  }

  get size (): number {
    return this.#map.size
  }

  get (key: K): V | undefined {
    const entry = this.#map.get(key)
    if (entry === undefined) return undefined
    if (this.#writes - entry.at >= this.#half) {
      this.#map.delete(key)
      entry.at = ++this.#writes
      this.#map.set(key, entry)
    }
    return entry.value
  }

  set (key: K, value: V): void {
    if (this.max === 0) return
    this.#map.delete(key)
    this.#map.set(key, { value, at: ++this.#writes })
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K)
  }

  delete (key: K): void {
    this.#map.delete(key)
  }

  clear (): void {
    this.#map.clear()
  }
}
