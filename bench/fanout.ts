/**
 * Fan-out: throughput of `cluster.any.<method>` with 1 worker vs N workers (2 up to the core
 * count, at most 4), printed as a ratio to 1 worker. Two methods: `hash`, a few ms of SHA-256
 * (CPU-bound, so workers should scale), and `add`, trivial (IPC and the master dominate). The
 * same hash computed in the master without any IPC is shown for reference.
 *
 * benchmark.js `Benchmark.Suite`, `defer: true`; each deferred run keeps a batch of calls in flight.
 * Run: `npm run bench -- fanout`.
 */
import Benchmark from 'benchmark'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { type SupervisedCluster, supervise } from '../src/index.js'
import { describeMachine, fixturePath, format, isSelected, printTable, runSuite } from './fixtures/cluster-report.js'
import { hashRounds } from './fixtures/cluster-hash.js'
import { workApi } from './fixtures/cluster-work-contract.js'

const HASH_ROUNDS = 32 // 32 × 64 KiB = 2 MiB of SHA-256 per call, about 3 ms on this machine
const HASH_BATCH = 8 // calls in flight per deferred run of a hash case
const ADD_BATCH = 256 // calls in flight per deferred run of an add case
const MAX_TIME = 2 // seconds per case

type WorkCluster = SupervisedCluster<typeof workApi>

interface Case {
  name: string
  method: 'hash' | 'add' | 'local'
  workers: number
  batch: number
}

function startCluster(count: number): WorkCluster {
  return supervise({
    worker: fixturePath('cluster-work.ts'),
    contract: workApi,
    count,
    execArgv: ['--import', 'tsx'],
    handleSignals: false,
  })
}

/** Runs the fan-out suite; `filters` keep the cases whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const cores = availableParallelism()
  const counts = [...new Set([1, ...Array.from({ length: Math.min(cores, 4) - 1 }, (_, i) => i + 2)])]
  const expectedHash = hashRounds(1, HASH_ROUNDS)

  const cases: Case[] = [
    ...counts.map((workers): Case => ({ name: `hash (${HASH_ROUNDS} × 64 KiB SHA-256): ${workers} worker${workers > 1 ? 's' : ''}`, method: 'hash', workers, batch: HASH_BATCH })),
    { name: `hash (${HASH_ROUNDS} × 64 KiB SHA-256): in the master, no IPC`, method: 'local', workers: 0, batch: HASH_BATCH } satisfies Case,
    ...counts.map((workers): Case => ({ name: `add (trivial): ${workers} worker${workers > 1 ? 's' : ''}`, method: 'add', workers, batch: ADD_BATCH })),
  ].filter((c) => isSelected(c.name, filters))
  if (cases.length === 0) return

  const clusters = new Map<number, WorkCluster>()
  try {
    for (const count of new Set(cases.map((c) => c.workers).filter((n) => n > 0))) clusters.set(count, startCluster(count))
    await Promise.all([...clusters.values()].map((cluster) => cluster.onReady()))
    // Warm up every path (JIT, routing) before measuring.
    for (const cluster of clusters.values()) {
      await Promise.all(Array.from({ length: 64 }, (_, i) => cluster.any.hash(i, 1)))
      await Promise.all(Array.from({ length: 2000 }, (_, i) => cluster.any.add(i, 1)))
    }

    const suite = new Benchmark.Suite('fanout')
    let expected = 0
    let correct = 0
    for (const c of cases) {
      const cluster = clusters.get(c.workers)
      suite.add(c.name, {
        defer: true,
        maxTime: MAX_TIME,
        fn(deferred: { resolve(): void }) {
          expected += c.batch
          if (c.method === 'local') {
            for (let i = 0; i < c.batch; i++) if (hashRounds(1, HASH_ROUNDS) === expectedHash) correct++
            deferred.resolve()
            return
          }
          const calls: Array<Promise<unknown>> = []
          if (c.method === 'hash') for (let i = 0; i < c.batch; i++) calls.push(cluster!.any.hash(1, HASH_ROUNDS))
          else for (let i = 0; i < c.batch; i++) calls.push(cluster!.any.add(i, 2))
          void Promise.all(calls).then((results) => {
            for (let i = 0; i < c.batch; i++) if (results[i] === (c.method === 'hash' ? expectedHash : i + 2)) correct++
            deferred.resolve()
          })
        },
      })
    }
    const benches = await runSuite(suite)
    if (correct !== expected) throw new Error(`Sanity check failed: ${correct} of ${expected} calls returned the right result`)
    // Every worker of an N-worker cluster must have taken part, or nothing was fanned out.
    for (const [count, cluster] of clusters) {
      const answered = await cluster.all.answered()
      const idle = answered.filter((r) => r.status !== 'fulfilled' || r.value === 0)
      if (answered.length !== count || idle.length > 0) throw new Error(`Sanity check failed: in the ${count}-worker cluster, ${idle.length} of ${answered.length} workers answered no call`)
    }

    const rows = benches.map((bench) => {
      const c = cases.find((each) => each.name === bench.name)!
      const callsPerSecond = bench.hz * c.batch
      const baseline = benches.find((other) => {
        const o = cases.find((each) => each.name === other.name)!
        return o.workers === 1 && (o.method === c.method || (c.method === 'local' && o.method === 'hash'))
      })
      const ratio = baseline ? callsPerSecond / (baseline.hz * c.batch) : Number.NaN
      return [c.name, `${format(callsPerSecond)} calls/s`, `${format(1e3 / callsPerSecond, 3)} ms/call`, `±${format(bench.stats.rme, 1)}%`, `${format(ratio, 2)}x 1 worker`]
    })
    printTable(
      `fanout: cluster.any throughput, ${HASH_BATCH} hash / ${ADD_BATCH} add calls in flight — ${describeMachine(cores)}`,
      ['case', 'throughput', 'time', 'rme', 'ratio'],
      rows,
    )
  } finally {
    await Promise.all([...clusters.values()].map((cluster) => cluster.stop()))
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
