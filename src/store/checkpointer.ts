import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { DB } from './database.js'

/*
 * WAL checkpoints off the request path (issue 15). SQLite's automatic checkpoint runs inside the
 * COMMIT that crosses wal_autocheckpoint pages, so one request in a thousand paid for copying the
 * whole WAL into the database (and its fsync): the p99 of sends. Here the main connection checkpoints
 * automatically only past a large bound (a safety net), and a worker thread with a connection of its
 * own runs PASSIVE checkpoints, which never block the main connection's reads or writes. The worker
 * starts the first time the WAL has grown past START_BYTES (a short run never pays for it) and is
 * stopped with the store.
 */

// the main connection's own checkpoint, only if the worker falls this far behind: 16384 pages (64 MB)
export const AUTOCHECKPOINT_PAGES = 16384
// how often the WAL's size is looked at, and how big it may grow before the worker is started
const CHECK_EVERY_MS = 250
const START_BYTES = 1024 * 1024

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.module)
const db = new Database(workerData.file, { timeout: 0 })
db.pragma('busy_timeout = 0')
parentPort.on('message', (message) => {
  if (message === 'close') { db.close(); process.exit(0) }
  try { db.pragma('wal_checkpoint(PASSIVE)') } catch {}
  parentPort.postMessage('done')
})
`

export class Checkpointer {
  readonly #file: string
  #timer: NodeJS.Timeout | undefined
  #worker: Worker | undefined
  #busy = false
  /** checkpoints the worker has finished (tests look at it) */
  done = 0

  constructor (db: DB, file: string) {
    this.#file = file
    db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
    this.#timer = setInterval(() => this.#tick(), CHECK_EVERY_MS)
    this.#timer.unref()
  }

  #walBytes (): number {
    try {
      return statSync(`${this.#file}-wal`).size
    } catch {
      return 0
    }
  }

  #tick (): void {
    if (this.#busy) return
    if (this.#worker === undefined) {
      if (this.#walBytes() < START_BYTES) return
      this.#start()
    }
    this.#busy = true
    this.#worker!.postMessage('checkpoint')
  }

  #start (): void {
    const module = createRequire(import.meta.url).resolve('better-sqlite3')
    const worker = new Worker(WORKER, { eval: true, workerData: { module, file: this.#file } })
    worker.unref()
    worker.on('message', () => { this.#busy = false; this.done++ })
    // a worker that fails only stops the background checkpoints: the main connection's own remain
    worker.on('error', () => { this.#worker = undefined; this.#busy = false })
    this.#worker = worker
  }

  /** Checkpoints now, in the worker (tests; the shutdown checkpoints on the main connection). */
  async checkpointNow (): Promise<void> {
    if (this.#worker === undefined) this.#start()
    await new Promise<void>((resolve) => {
      this.#worker!.once('message', () => resolve())
      this.#busy = true
      this.#worker!.postMessage('checkpoint')
    })
  }

  stop (): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    const worker = this.#worker
    this.#worker = undefined
    if (worker !== undefined) {
      worker.postMessage('close')
      void worker.terminate()
    }
  }
}
