#!/usr/bin/env node
// Passes tap's output through and ends it with the line CI reads: "N passed, N failed".
// tap's closing comment looks like "# { total: 15, pass: 14, fail: 1, skip: 2 }".
import { createInterface } from 'node:readline'

let summary
const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  process.stdout.write(line + '\n')
  const m = /^#\s*\{\s*total:\s*(\d+)(.*)\}\s*$/.exec(line)
  if (m) {
    const count = (name) => Number((new RegExp(`${name}:\\s*(\\d+)`).exec(m[2]) ?? [])[1] ?? 0)
    summary = { pass: count('pass'), fail: count('fail'), skip: count('skip') + count('todo') }
  }
})
lines.on('close', () => {
  if (!summary) {
    process.stdout.write('0 passed, 1 failed\n')
    process.stderr.write('test-summary: tap printed no summary line; counting the run as failed\n')
    process.exit(1)
  }
  process.stdout.write(`${summary.pass} passed, ${summary.fail} failed` + (summary.skip ? `, ${summary.skip} skipped` : '') + '\n')
})
