/**
 * The master's cost of capturing worker output (`supervise({ logs })`): one worker writes 200,000
 * lines of 100 bytes as fast as it can, and the master (its stdout on /dev/null) splits them,
 * keeps them in the ring buffer, emits `'log'` and writes them in each format. Measured: the
 * master's CPU per line (user + system, from the first line read to the last) and lines/s.
 * Baseline in the same run: the pass-through a master did before (`pipe`: the worker's stdout
 * piped into the master's). Each case is its own master process (`fixtures/log-master.ts`), 3
 * rounds in rotated order, median and range. Run: `npm run bench -- logs`.
 */
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { describeMachine, fixturePath, format, isSelected, printTable, summarize } from './fixtures/cluster-report.js'

const LINES = 200_000
const ROUNDS = 3
const CASES = ['pipe', 'raw', 'prefixed', 'json'] as const

interface Result {
  kind: string
  lines: number
  cpuPerLine: number
  linesPerSecond: number
}

function runMaster(kind: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixturePath('log-master.ts'), kind, String(LINES)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => {
      const line = stderr.split('\n').find((text) => text.startsWith('{'))
      if (code !== 0 || !line) return reject(new Error(`log-master ${kind} exited ${code}: ${stderr}`))
      const result = JSON.parse(line) as Result
      // The sanity check: every line the worker wrote was counted by the master.
      if (result.lines !== LINES) return reject(new Error(`log-master ${kind}: ${result.lines} lines seen, ${LINES} written`))
      resolve(result)
    })
  })
}

export async function run(filters: readonly string[]): Promise<void> {
  const cases = CASES.filter((kind) => kind === 'pipe' || isSelected(`logs ${kind}`, filters))
  const results = new Map<string, Result[]>(cases.map((kind) => [kind, []]))
  for (let round = 0; round < ROUNDS; round++) {
    // Rotated, so that a burst of outside load does not always hit the same case.
    const order = cases.map((_, i) => cases[(i + round) % cases.length]!)
    for (const kind of order) results.get(kind)!.push(await runMaster(kind))
  }
  const baseline = summarize(results.get('pipe')!.map((r) => r.cpuPerLine)).median
  printTable(
    `logs: master CPU per worker line, ${format(LINES)} lines of 100 bytes, ${ROUNDS} rounds (${describeMachine(availableParallelism())})`,
    ['case', 'µs/line (median)', 'min–max', 'vs pipe', 'lines/s (median)'],
    cases.map((kind) => {
      const cpu = summarize(results.get(kind)!.map((r) => r.cpuPerLine))
      const rate = summarize(results.get(kind)!.map((r) => r.linesPerSecond))
      return [
        kind,
        format(cpu.median, 2),
        `${format(cpu.min, 2)}–${format(cpu.max, 2)}`,
        `${format(cpu.median / baseline, 1)}x`,
        format(rate.median),
      ]
    }),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
