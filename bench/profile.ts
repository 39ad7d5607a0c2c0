import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { ROOT } from '../src/paths.js'

/*
 * Summarizes a V8 CPU profile (node --cpu-prof; `BENCH_PROFILE=<dir> npm run bench` writes one per
 * sandbox server): the functions with the most self time, and the project's own functions with the
 * most inclusive time (self + everything they call).
 *   npx tsx bench/profile.ts <file.cpuprofile | dir (newest profile in it)> [rows] [last seconds]
 * `last seconds`: only the samples of the profile's last N seconds (one phase of a run: the GET phase
 * of `BENCH_ONLY=throughput` is its last warm-up + measurement).
 */

interface Node {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  hitCount?: number
  children?: number[]
}
interface Profile { nodes: Node[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }

function pick (target: string): string {
  const path = resolve(target)
  if (!statSync(path).isDirectory()) return path
  const profiles = readdirSync(path).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(path, f))
  if (profiles.length === 0) throw new Error(`no .cpuprofile in ${path}`)
  return profiles.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
}

function where (node: Node): string {
  const { functionName, url, lineNumber } = node.callFrame
  const file = url === '' ? '(native)' : url.startsWith('file://') ? relative(ROOT, new URL(url).pathname) : url
  return `${functionName === '' ? '(anonymous)' : functionName} ${file}${url === '' ? '' : `:${lineNumber + 1}`}`
}

function main (): void {
  const file = pick(process.argv[2] ?? 'bench/profiles')
  const rows = Number(process.argv[3] ?? 25)
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  // time per sample: the delta that follows it
  const self = new Map<number, number>()
  const lastUs = process.argv[4] === undefined ? Infinity : Number(process.argv[4]) * 1e6
  const from = profile.endTime - lastUs
  let at = profile.startTime
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i]
    if (at >= from) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0))
  })
  const total = [...self.values()].reduce((a, b) => a + b, 0)

  const selfBy = new Map<string, number>()
  const inclusiveBy = new Map<string, number>()
  for (const [id, us] of self) {
    selfBy.set(where(byId.get(id)!), (selfBy.get(where(byId.get(id)!)) ?? 0) + us)
    // inclusive: once per distinct function on the sample's stack
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = where(byId.get(at)!)
      if (seen.has(name)) continue
      seen.add(name)
      inclusiveBy.set(name, (inclusiveBy.get(name) ?? 0) + us)
    }
  }
  const pct = (us: number): string => `${(100 * us / total).toFixed(1).padStart(5)}%`
  console.log(`${relative(ROOT, file)}: ${(total / 1e6).toFixed(1)} s sampled`)
  console.log('\nself time')
  for (const [name, us] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${pct(us)}  ${name}`)
  console.log('\ninclusive time, project code (src/)')
  for (const [name, us] of [...inclusiveBy].filter(([n]) => n.includes(' src/') || n.includes(' dist/src/')).sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${pct(us)}  ${name}`)
}

main()
