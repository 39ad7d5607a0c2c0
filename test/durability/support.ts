import { mulberry32 } from '../../src/ids.js'
import { request as httpRequest } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'

/*
 * Small tools shared by the durability suites: a seeded PRNG (so a failing run can be replayed with
 * SEED=…), free ports, a plain HTTP client without keep-alive (a killed server leaves no stale pooled
 * socket behind), and a callback receiver that records every POST.
 */

/** The seed of this run: SEED from the environment, else a fresh one (print it, so a failure can be replayed). */
export function runSeed (): number {
  const fromEnv = process.env.SEED
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const n = Number(fromEnv)
    if (!Number.isInteger(n)) throw new Error(`SEED=${fromEnv} is not an integer`)
    return n >>> 0
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0
}

export interface Rng {
  /** [0, 1) */
  next: () => number
  /** an integer in [min, max] */
  int: (min: number, max: number) => number
  pick: <T>(items: readonly T[]) => T
  chance: (p: number) => boolean
}

/** Numbers in [0, 1) from src/ids.ts's repeatable generator. */
export function prng (seed: number): Rng {
  const uint = mulberry32(seed)
  const next = (): number => uint() / 4294967296
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return { next, int, pick: (items) => items[int(0, items.length - 1)], chance: (p) => next() < p }
}

export { freePort } from '../helper.js'

export interface HttpAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  json: () => any
}

/** One request on its own connection (no keep-alive): `body` objects are sent as JSON. */
export async function http (port: number, method: string, path: string, options: { body?: unknown, headers?: Record<string, string>, timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
  const headers: Record<string, string> = { ...options.headers }
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json'
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) })
      })
    })
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new Error(`${method} ${path}: no answer within ${options.timeoutMs ?? 30_000} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}

export interface Receiver {
  url: string
  port: number
  /** every POST, in arrival order */
  received: Array<{ callbackId: string, trackingId: string, attempt: string, at: number, body: any }>
  close: () => Promise<void>
  app: FastifyInstance
}

/**
 * A webhook receiver on `port` (0 picks one) answering 200 to every POST, after `delay()` ms
 * (a small random delay makes a kill more likely to land while an attempt is in flight).
 */
export async function startReceiver (port = 0, delay: () => number = () => 0): Promise<Receiver> {
  const app = Fastify({ bodyLimit: 10 * 1024 * 1024 })
  const received: Receiver['received'] = []
  app.post('/*', async (request) => {
    const header = (name: string): string => String(request.headers[name] ?? '')
    received.push({ callbackId: header('x-sandbox-callback-id'), trackingId: header('x-sandbox-tracking-id'), attempt: header('x-sandbox-attempt'), at: Date.now(), body: request.body })
    const ms = delay()
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms))
    return { ok: true }
  })
  await app.listen({ port, host: '127.0.0.1' })
  const bound = (app.server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${bound}/hook`, port: bound, received, close: async () => await app.close(), app }
}

/** Counts of each value; the values seen more than once. */
export function duplicates (values: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return new Map([...counts].filter(([, n]) => n > 1))
}

export const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))
