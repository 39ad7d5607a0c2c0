import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer } from 'node:net'
import { performance } from 'node:perf_hooks'
import autocannon, { type Options, type Result } from 'autocannon'

/** Servers, HTTP and numbers for bench/run.ts. Nothing here measures by itself. */

export const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export interface Answer { status: number, body: string, json: () => any }

/** One request on its own connection. */
export async function http (port: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 600_000): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  const h: Record<string, string> = { ...headers }
  if (payload !== undefined) {
    h['content-type'] ??= 'application/json'
    h['content-length'] = String(Buffer.byteLength(payload))
  }
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: h, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) })
      })
    })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(payload)
  })
}

export interface Child {
  proc: ChildProcess
  port: number
  /** ms from spawn to the first 200 of `readyPath` */
  readyMs: number
  output: string[]
  stop: () => Promise<void>
}

/**
 * Spawns `node <args>` with PORT set and waits for the first 200 of `readyPath` (polled every 2 ms).
 * `env` is added to the environment; `profileDir` turns on --cpu-prof (written when the child exits cleanly).
 */
export async function startChild (args: string[], env: Record<string, string>, readyPath: string, options: { cwd: string, headers?: Record<string, string>, profileDir?: string, timeoutMs?: number }): Promise<Child> {
  const port = await freePort()
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PORT: String(port) }
  delete childEnv.NODE_OPTIONS
  const nodeArgs = options.profileDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, ...args] : args
  const started = performance.now()
  const proc = spawn(process.execPath, nodeArgs, { cwd: options.cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  const output: string[] = []
  proc.stdout!.on('data', (d: Buffer) => output.push(d.toString()))
  proc.stderr!.on('data', (d: Buffer) => output.push(d.toString()))
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    // SIGINT: the sandbox closes gracefully, so a --cpu-prof profile is written
    proc.kill('SIGINT')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  const deadline = started + (options.timeoutMs ?? 60_000)
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`node ${args.join(' ')} exited (${proc.exitCode}): ${output.join('').slice(-2000)}`)
    try {
      const res = await http(port, 'GET', readyPath, undefined, options.headers ?? {}, 5000)
      if (res.status === 200) return { proc, port, readyMs: performance.now() - started, output, stop }
    } catch {}
    if (performance.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`node ${args.join(' ')} did not answer ${readyPath} in time: ${output.join('').slice(-2000)}`)
    }
    await sleep(2)
  }
}

/** Resident memory of a process (Linux /proc), now and at its peak, in MB. */
export function memoryOf (pid: number): { rss: number, peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
  } catch {
    return { rss: NaN, peak: NaN }
  }
}

export interface Load {
  rps: number
  p50: number
  p99: number
  non2xx: number
  errors: number
  total: number
}

/** One autocannon run; throws when any answer was not a 2xx (a benchmark of errors measures nothing). */
export async function load (options: Options, allowNon2xx = false): Promise<Load> {
  const result: Result = await autocannon(options)
  // completed requests over the duration: the per-second average reads 0 when answers take over a second
  const out = { rps: result.requests.total / result.duration, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, total: result.requests.total }
  if (!allowNon2xx && (out.non2xx > 0 || out.errors > 0)) {
    throw new Error(`${options.title ?? options.url}: ${out.non2xx} non-2xx answers and ${out.errors} errors (${JSON.stringify(result.statusCodeStats)})`)
  }
  return out
}

export function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
