/**
 * Round trips of a trivial `add(a, b)` between a parent and a forked child, in one run:
 * raw `process.send` (json), raw with `serialization: 'advanced'`, and xcluster RPC; each
 * sequential (one call at a time) and pipelined (64 and 1024 in flight).
 *
 * Run: `npm run bench -- rpc` (all topics: `npm run bench`); filter cases by name: `npm run bench -- pipelined`.
 * `BENCH_ROUNDS` (default 3) and `BENCH_MAX_TIME` (seconds per case per round, default 1) tune it.
 */
import Benchmark from 'benchmark'
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { connectIpcPeer } from '../src/transport/ipc.js'
import type { RpcPeer } from '../src/rpc/peer.js'

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

interface Client {
  name: string
  add(a: number, b: number): Promise<number>
  child: ChildProcess
}

async function startRaw(serialization: 'json' | 'advanced'): Promise<Client> {
  const child = fork(fixture('add-raw.ts'), { execArgv: ['--import', 'tsx'], serialization })
  await once(child, 'spawn')
  const waiting = new Map<number, (value: number) => void>()
  let nextId = 0
  child.on('message', (message: { id: number; r: number }) => {
    const resolve = waiting.get(message.id)
    waiting.delete(message.id)
    resolve?.(message.r)
  })
  return {
    name: `raw process.send (${serialization})`,
    child,
    add: (a, b) =>
      new Promise((resolve) => {
        const id = nextId++
        waiting.set(id, resolve)
        child.send({ id, a, b })
      }),
  }
}

async function startRpc(): Promise<Client> {
  const child = fork(fixture('add-rpc.ts'), { execArgv: ['--import', 'tsx'] })
  let peer!: RpcPeer
  const isReady = new Promise<void>((resolve) => {
    peer = connectIpcPeer(child, { label: 'the bench worker', internal: { $ready: () => resolve() } }).peer
  })
  await isReady
  return { name: 'xcluster rpc', child, add: (a, b) => peer.call('add', [a, b]) as Promise<number> }
}

function format(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

// The suite runs this many times, cases interleaved, and each case reports its median: on a busy
// machine one pass can be off by 2x either way.
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const MAX_TIME = Number(process.env['BENCH_MAX_TIME'] ?? 1) // s per case per round

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** Runs the suite; `filters` keep the cases whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const clients = [await startRaw('json'), await startRaw('advanced'), await startRpc()]
  // Warm up every path (JIT, tsx) before measuring.
  for (const client of clients) for (let i = 0; i < 2000; i++) await client.add(i, 1)

  const rates = new Map<string, number[]>()
  let done = 0
  let expected = 0
  for (let round = 0; round < ROUNDS; round++) {
    const suite = new Benchmark.Suite('rpc')
    const callsPerRun = new Map<string, number>()
    for (const inFlight of [1, 64, 1024]) {
      for (const client of clients) {
        const name = inFlight === 1 ? `sequential: ${client.name}` : `pipelined ${inFlight}: ${client.name}`
        if (filters.length > 0 && !filters.some((filter) => name.includes(filter))) continue
        callsPerRun.set(name, inFlight)
        suite.add(name, {
          defer: true,
          maxTime: MAX_TIME,
          fn(deferred: { resolve(): void }) {
            expected += inFlight
            const calls: Promise<number>[] = []
            for (let i = 0; i < inFlight; i++) calls.push(client.add(i, 2))
            void Promise.all(calls).then((sums) => {
              for (let i = 0; i < inFlight; i++) if (sums[i] === i + 2) done++
              deferred.resolve()
            })
          },
        })
      }
    }
    await new Promise<void>((resolve, reject) => {
      suite.on('error', (event: { target: { error: unknown } }) => reject(event.target.error))
      suite.on('complete', () => resolve())
      suite.run({ async: true })
    })
    for (const bench of Array.from(suite as unknown as ArrayLike<Benchmark>)) {
      const list = rates.get(bench.name!) ?? []
      list.push(bench.hz * (callsPerRun.get(bench.name!) ?? 1))
      rates.set(bench.name!, list)
    }
  }
  for (const client of clients) client.child.kill()
  if (done !== expected) throw new Error(`Sanity check failed: ${done} of ${expected} calls returned the right sum`)

  const results = [...rates].map(([name, list]) => ({
    name,
    callsPerSecond: median(list),
    low: Math.min(...list),
    high: Math.max(...list),
    mode: name.split(':')[0]!,
  }))
  console.log(
    `\nrpc: add(a, b) round trips, median of ${ROUNDS} rounds — Node ${process.version}, ${process.platform}/${process.arch}, ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`,
  )
  const rows = results.map((result) => {
    const baseline = results.find((other) => other.mode === result.mode && other.name.includes('raw process.send (json)'))
    const ratio = baseline ? result.callsPerSecond / baseline.callsPerSecond : Number.NaN
    return [
      result.name.padEnd(46),
      `${format(result.callsPerSecond)} calls/s`.padStart(18),
      `${format(1e6 / result.callsPerSecond, 2)} µs/call`.padStart(16),
      `(${format(result.low)}–${format(result.high)})`.padStart(20),
      `${format(ratio, 2)}x raw`.padStart(10),
    ].join(' ')
  })
  console.log(rows.join('\n'))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
