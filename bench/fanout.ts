/**
 * Fan-out: throughput of `cluster.any.<method>` with 1 worker vs N workers (2 up to the core
 * count, at most 4), as a ratio to 1 worker. Two methods: `hash`, a few ms of SHA-256 (CPU-bound,
 * so workers should scale), and `add`, trivial (IPC and the master dominate). Beside them, in the
 * same rounds: the same hashes sent with raw `process.send` to 1 and N plain children, round
 * robin (how far this machine lets N processes scale at that moment, and xcluster's cost over
 * raw IPC), and the hash computed in the master with no IPC.
 *
 * benchmark.js `Benchmark.Suite`, `defer: true`; each deferred run keeps a batch of calls in flight.
 * The suite runs 3 rounds, each in another order; the table shows the median and range of the rounds.
 * Run: `npm run bench -- fanout`.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { type SupervisedCluster, supervise } from '../src/index.js'
import { describeMachine, fixturePath, format, isSelected, printTable, type RoundCase, runInRounds } from './fixtures/cluster-report.js'
import { hashRounds } from './fixtures/cluster-hash.js'
import { workApi } from './fixtures/cluster-work-contract.js'

const HASH_ROUNDS = 32 // 32 × 64 KiB = 2 MiB of SHA-256 per call, about 2–3 ms on this machine
const HASH_BATCH = 8 // calls in flight per deferred run of a hash case
const ADD_BATCH = 256 // calls in flight per deferred run of an add case
const MAX_TIME = 0.75 // seconds per case and round
const ROUNDS = 3 // benchmark.js suites, each in another order
const EXEC_ARGV = ['--import', 'tsx']

type WorkCluster = SupervisedCluster<typeof workApi>

/** Plain children answering raw `process.send` hash requests, picked round robin. */
interface RawPool {
  hash(seed: number, rounds: number): Promise<string>
  answered(): number[]
  close(): Promise<void>
}

async function startRawPool(size: number): Promise<RawPool> {
  const children: ChildProcess[] = []
  const waiting = new Map<number, (digest: string) => void>()
  const answered = Array.from({ length: size }, () => 0)
  let nextId = 0
  let cursor = 0
  const close = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = once(child, 'exit')
        child.kill('SIGTERM')
        await exited
      }),
    )
  }
  try {
    for (let i = 0; i < size; i++) {
      const child = fork(fixturePath('cluster-raw-hash.ts'), { execArgv: EXEC_ARGV })
      children.push(child)
      child.on('message', (message: { id?: number; r?: string }) => {
        if (message.id === undefined) return
        answered[i]!++
        const resolve = waiting.get(message.id)
        waiting.delete(message.id)
        resolve?.(message.r!)
      })
    }
    await Promise.all(children.map((child) => once(child, 'message')))
  } catch (error) {
    await close()
    throw error
  }
  return {
    hash: (seed, rounds) =>
      new Promise((resolve) => {
        const id = nextId++
        waiting.set(id, resolve)
        children[cursor]!.send({ id, seed, rounds })
        cursor = (cursor + 1) % size
      }),
    answered: () => [...answered],
    close,
  }
}

interface Case {
  name: string
  kind: 'xcluster' | 'raw' | 'local'
  method: 'hash' | 'add'
  workers: number
  batch: number
}

const plural = (n: number, word: string) => `${n} ${word}${n > 1 ? (word.endsWith('d') ? 'ren' : 's') : ''}`

/** Runs the fan-out suite; `filters` keep the cases whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const cores = availableParallelism()
  const counts = [1, ...Array.from({ length: Math.max(1, Math.min(cores, 4) - 1) }, (_, i) => i + 2)]
  const expectedHash = hashRounds(1, HASH_ROUNDS)
  const hashName = `hash (${HASH_ROUNDS} × 64 KiB SHA-256)`
  const cases = [
    ...counts.map(
      (n): Case => ({
        name: `${hashName}: xcluster, ${plural(n, 'worker')}`,
        kind: 'xcluster',
        method: 'hash',
        workers: n,
        batch: HASH_BATCH,
      }),
    ),
    ...counts.map(
      (n): Case => ({
        name: `${hashName}: raw process.send, ${plural(n, 'child')}`,
        kind: 'raw',
        method: 'hash',
        workers: n,
        batch: HASH_BATCH,
      }),
    ),
    { name: `${hashName}: in the master, no IPC`, kind: 'local', method: 'hash', workers: 1, batch: HASH_BATCH } satisfies Case,
    ...counts.map(
      (n): Case => ({
        name: `add (trivial): xcluster, ${plural(n, 'worker')}`,
        kind: 'xcluster',
        method: 'add',
        workers: n,
        batch: ADD_BATCH,
      }),
    ),
  ].filter((c) => isSelected(c.name, filters))
  if (cases.length === 0) return

  const clusters = new Map<number, WorkCluster>()
  const pools = new Map<number, RawPool>()
  try {
    for (const n of new Set(cases.filter((c) => c.kind === 'xcluster').map((c) => c.workers))) {
      clusters.set(
        n,
        supervise({ worker: fixturePath('cluster-work.ts'), contract: workApi, count: n, execArgv: EXEC_ARGV, handleSignals: false }),
      )
    }
    for (const n of new Set(cases.filter((c) => c.kind === 'raw').map((c) => c.workers))) pools.set(n, await startRawPool(n))
    await Promise.all([...clusters.values()].map((cluster) => cluster.onReady()))
    // Warm up every path (JIT, routing) before measuring.
    for (const cluster of clusters.values()) {
      await Promise.all(Array.from({ length: 64 }, (_, i) => cluster.any.hash(i, 1)))
      await Promise.all(Array.from({ length: 2000 }, (_, i) => cluster.any.add(i, 1)))
    }
    for (const pool of pools.values()) await Promise.all(Array.from({ length: 64 }, (_, i) => pool.hash(i, 1)))

    let expected = 0
    let correct = 0
    const roundCases = cases.map((c): RoundCase => {
      const cluster = clusters.get(c.workers)
      const pool = pools.get(c.workers)
      return {
        name: c.name,
        defer: true,
        fn(deferred) {
          expected += c.batch
          if (c.kind === 'local') {
            for (let i = 0; i < c.batch; i++) if (hashRounds(1, HASH_ROUNDS) === expectedHash) correct++
            deferred.resolve()
            return
          }
          const calls: Array<Promise<unknown>> = []
          for (let i = 0; i < c.batch; i++) {
            if (c.method === 'add') calls.push(cluster!.any.add(i, 2))
            else calls.push(c.kind === 'raw' ? pool!.hash(1, HASH_ROUNDS) : cluster!.any.hash(1, HASH_ROUNDS))
          }
          void Promise.all(calls).then((results) => {
            for (let i = 0; i < c.batch; i++) if (results[i] === (c.method === 'hash' ? expectedHash : i + 2)) correct++
            deferred.resolve()
          })
        },
      }
    })
    const measured = await runInRounds(roundCases, ROUNDS, MAX_TIME)

    if (correct !== expected) throw new Error(`Sanity check failed: ${correct} of ${expected} calls returned the right result`)
    // Every worker of an N-worker cluster must have taken part, or nothing was fanned out.
    for (const [n, cluster] of clusters) {
      const answered = await cluster.all.answered()
      const idle = answered.filter((r) => r.status !== 'fulfilled' || r.value === 0)
      if (answered.length !== n || idle.length > 0)
        throw new Error(`Sanity check failed: in the ${n}-worker cluster, ${idle.length} of ${answered.length} workers answered no call`)
    }
    for (const [n, pool] of pools) {
      if (pool.answered().some((count) => count === 0)) throw new Error(`Sanity check failed: a raw child of ${n} answered no call`)
    }

    const rate = (c: Case | undefined) => (c ? measured.get(c.name)!.median * c.batch : Number.NaN)
    const rows = cases.map((c) => {
      const own = measured.get(c.name)!
      const single = cases.find((o) => o.workers === 1 && o.method === c.method && o.kind === (c.kind === 'local' ? 'xcluster' : c.kind))
      const raw = c.kind === 'xcluster' && c.method === 'hash' ? cases.find((o) => o.kind === 'raw' && o.workers === c.workers) : undefined
      return [
        c.name,
        `${format(rate(c))} calls/s`,
        `${format(own.min * c.batch)}–${format(own.max * c.batch)}`,
        `${format(1e3 / rate(c), 3)} ms`,
        `${format(rate(c) / rate(single), 2)}x`,
        raw ? `${format(rate(c) / rate(raw), 2)}x` : '',
      ]
    })
    printTable(
      `fanout: ${HASH_BATCH} hash / ${ADD_BATCH} add calls in flight, median of ${ROUNDS} rounds — ${describeMachine(cores)}`,
      ['case', 'median', 'min–max', 'per call', 'vs 1 worker', 'vs raw, same N'],
      rows,
    )
  } finally {
    await Promise.all([...clusters.values()].map((cluster) => cluster.stop()))
    await Promise.all([...pools.values()].map((pool) => pool.close()))
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
