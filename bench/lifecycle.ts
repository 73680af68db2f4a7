/**
 * Lifecycle timings of xcluster beside bare `node:cluster` doing the same thing with the same
 * worker file (`fixtures/cluster-http.ts`, an HTTP server on 127.0.0.1), in one run:
 * - start: `supervise({ count: 1 })` → the `listening` transition, vs `cluster.fork()` → `'listening'`;
 * - stop: `cluster.stop()` of that worker, vs `worker.disconnect()` → `'exit'`;
 * - restart: `SIGKILL` → the replacement's `listening` (backoff 1 ms), vs an `'exit'` handler that forks again;
 * - reload: `cluster.reload()` of 4 workers (new one listening, then the old one drains, slot by
 *   slot; resolves when the old ones exited), vs the same rolling replacement written on node:cluster.
 *
 * Not benchmark.js: each is a repeated measurement (runs interleaved with the baseline, so both
 * see the same load), printed as median, min and max, in ms. Run: `npm run bench -- lifecycle`.
 */
import cluster, { type Worker } from 'node:cluster'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { type SupervisedCluster, type SuperviseOptions, supervise, type TransitionEvent } from '../src/index.js'
import {
  describeMachine,
  fixturePath,
  format,
  isSelected,
  printTable,
  type Summary,
  summarize,
  waitUntil,
} from './fixtures/cluster-report.js'

const START_RUNS = 6
const RESTART_RUNS = 5
const RELOAD_RUNS = 3
const RELOAD_WORKERS = 4

const WORKER_FILE = fixturePath('cluster-http.ts')
const EXEC_ARGV = ['--import', 'tsx']

// ---  bare node:cluster

function forkBare(): Worker {
  cluster.setupPrimary({ exec: WORKER_FILE, execArgv: EXEC_ARGV, args: [], silent: false })
  return cluster.fork({ PORT: '0' })
}

async function stopBare(worker: Worker): Promise<void> {
  if (worker.isDead()) return
  const exited = once(worker, 'exit')
  worker.disconnect()
  await exited
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

// ---  xcluster

function startCluster(
  count: number,
  extra: Partial<SuperviseOptions> = {},
): { cluster: SupervisedCluster; transitions: TransitionEvent[] } {
  const transitions: TransitionEvent[] = []
  const started = supervise({ worker: WORKER_FILE, count, env: { PORT: '0' }, execArgv: EXEC_ARGV, handleSignals: false, ...extra })
  started.on('transition', (event) => transitions.push(event))
  return { cluster: started, transitions }
}

// ---  the measurements

interface Pair {
  name: string
  baseline: number[]
  xcluster: number[]
}

async function measureStartAndStop(pairs: Pair[], runs: number): Promise<void> {
  const start: Pair = { name: 'start: fork → listening (1 worker)', baseline: [], xcluster: [] }
  const stop: Pair = { name: 'stop: graceful stop → exit (1 worker)', baseline: [], xcluster: [] }
  for (let i = 0; i < runs; i++) {
    // Alternate which goes first, so neither always runs on the warmer machine.
    const order = i % 2 === 0 ? ['baseline', 'xcluster'] : ['xcluster', 'baseline']
    for (const kind of order) {
      if (kind === 'baseline') {
        const t0 = Date.now()
        const worker = forkBare()
        try {
          await once(worker, 'listening')
          start.baseline.push(Date.now() - t0)
          const t1 = Date.now()
          await stopBare(worker)
          stop.baseline.push(Date.now() - t1)
        } finally {
          if (!worker.isDead()) worker.process.kill('SIGKILL')
        }
      } else {
        const t0 = Date.now()
        const { cluster: started, transitions } = startCluster(1)
        try {
          await started.onReady()
          const listening = transitions.find((t) => t.to === 'listening')
          if (!listening || listening.pid === null)
            throw new Error('Sanity check failed: no listening transition with a pid after onReady()')
          start.xcluster.push(listening.at - t0)
          const t1 = Date.now()
          await started.stop()
          stop.xcluster.push(Date.now() - t1)
          if (isAlive(listening.pid)) throw new Error(`Sanity check failed: worker pid ${listening.pid} still alive after stop()`)
        } finally {
          await started.stop()
        }
      }
    }
  }
  pairs.push(start, stop)
}

async function measureRestart(pairs: Pair[], runs: number): Promise<void> {
  const pair: Pair = { name: 'restart: SIGKILL → replacement listening', baseline: [], xcluster: [] }
  // Bare: an 'exit' handler forks a replacement at once, as a hand-written cluster master would.
  const bareWorkers = new Set<Worker>()
  const listeningAt = new Map<Worker, number>()
  const forkWatched = () => {
    const worker = forkBare()
    bareWorkers.add(worker)
    worker.once('listening', () => listeningAt.set(worker, Date.now()))
    return worker
  }
  let bare = forkWatched()
  let isRespawning = true
  const respawn = (dead: Worker) => {
    if (isRespawning && dead === bare) bare = forkWatched()
  }
  cluster.on('exit', respawn)
  const { cluster: supervised, transitions } = startCluster(1, {
    restart: { maxRestarts: 1000, period: 60_000, backoff: { initial: 1, max: 1, factor: 1 } },
  })
  try {
    await Promise.all([waitUntil('the first bare worker listening', () => listeningAt.has(bare)), supervised.onReady()])
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? ['baseline', 'xcluster'] : ['xcluster', 'baseline']
      for (const kind of order) {
        if (kind === 'baseline') {
          const victim = bare
          const t0 = Date.now()
          victim.process.kill('SIGKILL')
          await waitUntil('the bare replacement listening', () => bare !== victim && listeningAt.has(bare))
          pair.baseline.push(listeningAt.get(bare)! - t0)
        } else {
          const [victim] = supervised.workers()
          if (!victim?.pid || victim.state !== 'listening') throw new Error('Sanity check failed: no listening xcluster worker to kill')
          const t0 = Date.now()
          process.kill(victim.pid, 'SIGKILL')
          await waitUntil('the xcluster replacement', () =>
            transitions.some((t) => t.to === 'listening' && t.incarnation === victim.incarnation + 1),
          )
          const listening = transitions.find((t) => t.to === 'listening' && t.incarnation === victim.incarnation + 1)!
          if (listening.pid === victim.pid) throw new Error('Sanity check failed: the replacement has the killed pid')
          pair.xcluster.push(listening.at - t0)
        }
      }
    }
    const restarts = supervised.workers()[0]?.restarts
    if (restarts !== runs) throw new Error(`Sanity check failed: ${restarts} xcluster restarts, expected ${runs}`)
  } finally {
    isRespawning = false
    cluster.off('exit', respawn)
    await supervised.stop()
    await Promise.all([...bareWorkers].map(stopBare))
  }
  pairs.push(pair)
}

async function measureReload(pairs: Pair[], runs: number): Promise<void> {
  const pair: Pair = { name: `reload: rolling, ${RELOAD_WORKERS} workers`, baseline: [], xcluster: [] }
  let bareWorkers: Worker[] = []
  const { cluster: supervised } = startCluster(RELOAD_WORKERS)
  try {
    for (let i = 0; i < RELOAD_WORKERS; i++) bareWorkers.push(forkBare())
    await Promise.all([...bareWorkers.map((w) => once(w, 'listening')), supervised.onReady()])
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? ['baseline', 'xcluster'] : ['xcluster', 'baseline']
      for (const kind of order) {
        if (kind === 'baseline') {
          // Same order as xcluster's: the new worker listens, then the old one is disconnected,
          // slot by slot; done when every old one exited.
          const t0 = Date.now()
          const exits: Array<Promise<unknown>> = []
          const next: Worker[] = []
          for (const old of bareWorkers) {
            const fresh = forkBare()
            next.push(fresh)
            await once(fresh, 'listening')
            exits.push(stopBare(old))
          }
          await Promise.all(exits)
          pair.baseline.push(Date.now() - t0)
          if (bareWorkers.some((w) => !w.isDead())) throw new Error('Sanity check failed: an old bare worker survived the reload')
          bareWorkers = next
        } else {
          const before = supervised.workers().map((w) => w.pid)
          const t0 = Date.now()
          await supervised.reload()
          pair.xcluster.push(Date.now() - t0)
          const after = supervised.workers()
          const generations = new Set(after.map((w) => w.generation))
          if (
            after.length !== RELOAD_WORKERS ||
            after.some((w) => w.state !== 'listening' || before.includes(w.pid)) ||
            generations.size !== 1
          ) {
            throw new Error(`Sanity check failed: after reload ${JSON.stringify(after.map((w) => [w.pid, w.state, w.generation]))}`)
          }
          if (before.some((pid) => pid !== null && isAlive(pid)))
            throw new Error('Sanity check failed: an old xcluster worker survived the reload')
        }
      }
    }
  } finally {
    await supervised.stop()
    await Promise.all(bareWorkers.map(stopBare))
  }
  pairs.push(pair)
}

function cells(summary: Summary): string[] {
  return [`${format(summary.median)} ms`, `${format(summary.min)}–${format(summary.max)} ms`]
}

/** Runs the lifecycle timings; `filters` keep the measurements whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const pairs: Pair[] = []
  if (isSelected('start: fork → listening', filters) || isSelected('stop: graceful stop', filters))
    await measureStartAndStop(pairs, START_RUNS)
  if (isSelected('restart: SIGKILL', filters)) await measureRestart(pairs, RESTART_RUNS)
  if (isSelected('reload: rolling', filters)) await measureReload(pairs, RELOAD_RUNS)
  if (pairs.length === 0) return
  const rows = pairs.map((pair) => {
    const baseline = summarize(pair.baseline)
    const measured = summarize(pair.xcluster)
    return [pair.name, ...cells(measured), ...cells(baseline), `${format(measured.median / baseline.median, 2)}x`, String(measured.runs)]
  })
  printTable(
    `lifecycle: xcluster vs bare node:cluster, same worker file, runs interleaved — ${describeMachine(availableParallelism())}`,
    ['case', 'xcluster median', 'min–max', 'node:cluster median', 'min–max', 'ratio (time)', 'runs'],
    rows,
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
