/**
 * Supervisor overhead, in one run:
 * - memory of the master per supervised worker: heapUsed (and rss) of a master with 8 workers
 *   minus one with 1 worker, over 7; xcluster vs bare node:cluster forking the same worker file.
 *   Measured in a `node --expose-gc` master per kind (`fixtures/cluster-memory.ts`) that runs
 *   clusters of 1, 8, 1, 8, 1, 8, 1 workers in turn; each 8 is compared with the mean of its two
 *   neighbours; median of the 3 estimates; a repeated measurement, not benchmark.js.
 * - the cost of one machine transition: the pure `workerMachine` driven with a fake process
 *   actor (no process, no IPC) vs a bare `createActor` of a trivial toggle machine; benchmark.js,
 *   3 rounds each in another order, median.
 *
 * Run: `npm run bench -- supervisor`.
 */
import { execFile } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type AnyEventObject, createActor, createMachine, fromCallback } from 'xstate'
import type { ProcessCommand, ProcessEvent, ProcessInput, WorkerInput } from '../machines/types.js'
import { workerMachine } from '../machines/worker/worker.js'
import { WorkerTable } from '../src/supervisor/worker-table.js'
import {
  describeMachine,
  fixturePath,
  format,
  isSelected,
  printTable,
  type RoundCase,
  runInRounds,
  summarize,
} from './fixtures/cluster-report.js'

const MEMORY_COUNTS = [1, 8] as const
const MEMORY_REPEATS = 3
const MAX_TIME = 0.5 // seconds per benchmark.js case and round
const ROUNDS = 3 // suites, each in another order

// ---  memory per worker

// The measuring masters run without JIT tiers above the interpreter and without bytecode
// flushing, so that code compiled or dropped at random moments does not count as memory held
// per worker. Memory figures are not timings: the two masters run side by side.
const MEMORY_NODE_FLAGS = ['--expose-gc', '--no-flush-bytecode', '--no-opt', '--no-sparkplug']

interface MemorySample {
  count: number
  heapUsed: number
  rss: number
}

async function measureMaster(kind: 'xcluster' | 'bare', counts: readonly number[]): Promise<MemorySample[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...MEMORY_NODE_FLAGS, '--import', 'tsx', fixturePath('cluster-memory.ts'), kind, counts.join(',')],
    { timeout: 150_000, killSignal: 'SIGKILL' },
  )
  const line = stdout.trim().split('\n').at(-1) ?? ''
  const { samples } = JSON.parse(line) as { samples: MemorySample[] }
  if (samples.length !== counts.length || samples.some((s) => !(s.heapUsed > 0)))
    throw new Error(`Sanity check failed: bad memory figures from cluster-memory.ts: ${line}`)
  return samples
}

async function measureMemory(): Promise<string[][]> {
  const [few, many] = MEMORY_COUNTS
  // few, many, few, many, …, few: each `many` sits between two `few`, measured in the same master.
  const counts = [...Array.from({ length: MEMORY_REPEATS }, () => [few, many]).flat(), few]
  // allSettled: when one master fails, the other still finishes (and stops its workers) before this throws.
  const [bare, xcluster] = await Promise.allSettled([measureMaster('bare', counts), measureMaster('xcluster', counts)])
  if (bare!.status === 'rejected') throw bare!.reason
  if (xcluster!.status === 'rejected') throw xcluster!.reason
  const samples = { bare: bare!.value, xcluster: xcluster!.value }
  const kib = (bytes: number) => `${format(bytes / 1024, 1)} KiB`
  /**
   * One estimate per `many` cluster: its figure minus the mean of the `few` clusters just before
   * and after it, over the extra workers. A master's heap creeps up a little from one cluster to
   * the next; comparing with both neighbours takes that drift out.
   */
  const estimates = (kind: 'bare' | 'xcluster', key: 'heapUsed' | 'rss') => {
    const list = samples[kind]
    const result: number[] = []
    for (let i = 1; i < list.length - 1; i += 2) result.push((list[i]![key] - (list[i - 1]![key] + list[i + 1]![key]) / 2) / (many - few))
    return result
  }
  return (['heapUsed', 'rss'] as const).map((key) => {
    const x = summarize(estimates('xcluster', key)).median
    const b = summarize(estimates('bare', key)).median
    return [
      key === 'heapUsed'
        ? `master heapUsed per worker (${many} vs ${few} workers, after GC)`
        : `master rss per worker (${many} vs ${few}; noise, see heapUsed)`,
      kib(x),
      kib(b),
      // RSS moves by pages the allocator keeps or returns, far more than a worker's share: no ratio.
      key === 'heapUsed' ? `${format(x / b, 2)}x` : '—',
      `${estimates('xcluster', key)
        .map((v) => format(v / 1024, 1))
        .join(', ')} | ${estimates('bare', key)
        .map((v) => format(v / 1024, 1))
        .join(', ')}`,
    ]
  })
}

// ---  cost of one transition

const TIMEOUTS = { start: 60_000, drain: 60_000, disconnect: 60_000, terminate: 60_000, kill: 60_000 }
const WORKER_INPUT: WorkerInput = { slotId: 's0', incarnation: 1, generation: 0, timeouts: TIMEOUTS, health: { maxMissedHeartbeats: 3 } }

/**
 * One cycle of the worker machine: fork (a targetless transition), online, listening, stop →
 * draining, drained → closing, exit → exited. 6 transitions, 5 of them change state.
 */
const CYCLE_TRANSITIONS = 6

let listened = 0
/** Behaves like a well-behaved process: forks, comes online and listens at once, obeys commands. */
const fakeProcess = fromCallback<ProcessCommand, ProcessInput>(({ sendBack, receive }) => {
  const send = (event: ProcessEvent) => sendBack(event)
  send({ type: 'process.fork', pid: 4242, workerId: 1 })
  send({ type: 'process.online' })
  send({ type: 'process.listening', address: '127.0.0.1:3000' })
  receive((command) => {
    if (command.type === 'drain') send({ type: 'process.drained' })
    if (command.type === 'disconnect') send({ type: 'process.exit', code: 0, signal: null })
  })
})
// No parent here: the two sendParent actions become counters.
const benchWorkerMachine = workerMachine.provide({
  actors: { process: fakeProcess },
  actions: { notifyListening: () => void listened++, notifyUnhealthy: () => {} },
})

const toggleMachine = createMachine({
  id: 'toggle',
  initial: 'off',
  states: { off: { on: { toggle: 'on' } }, on: { on: { toggle: 'off' } } },
})

interface TransitionCase extends RoundCase {
  /** Transitions one call of `fn` takes. */
  transitions: number
  /** The matching baseline case. */
  baseline?: string
}

function createTransitionCases(): { cases: TransitionCase[]; check(): void } {
  let cycles = 0
  let exited = 0
  let toggles = 0
  let togglesRight = 0
  let heartbeats = 0
  const table = new WorkerTable()
  const cycleWorker = (inspected: boolean) => () => {
    cycles++
    const actor = createActor(
      benchWorkerMachine,
      inspected ? { input: WORKER_INPUT, inspect: (event) => void table.observe(event) } : { input: WORKER_INPUT },
    )
    actor.start()
    actor.send({ type: 'stop', reason: 'bench' })
    if (actor.getSnapshot().status === 'done') exited++
    actor.stop()
  }
  // Long-lived actors for the one-event cases.
  const listening = createActor(benchWorkerMachine, { input: WORKER_INPUT }).start()
  const toggle = createActor(toggleMachine).start()
  const cases: TransitionCase[] = [
    {
      name: 'toggle machine: create, start, 6 events, stop',
      transitions: CYCLE_TRANSITIONS,
      fn() {
        const actor = createActor(toggleMachine).start()
        for (let i = 0; i < CYCLE_TRANSITIONS; i++) actor.send({ type: 'toggle' })
        toggles += CYCLE_TRANSITIONS
        if (actor.getSnapshot().value === 'off') togglesRight += CYCLE_TRANSITIONS
        actor.stop()
      },
    },
    {
      name: 'worker machine: forking → … → exited (6 transitions)',
      transitions: CYCLE_TRANSITIONS,
      baseline: 'toggle machine: create, start, 6 events, stop',
      fn: cycleWorker(false),
    },
    {
      name: 'worker machine + WorkerTable inspection, as supervise() runs it',
      transitions: CYCLE_TRANSITIONS,
      baseline: 'toggle machine: create, start, 6 events, stop',
      fn: cycleWorker(true),
    },
    {
      name: 'toggle machine: one event on a running actor',
      transitions: 1,
      fn() {
        const before = toggle.getSnapshot().value
        toggle.send({ type: 'toggle' })
        toggles++
        if (toggle.getSnapshot().value !== before) togglesRight++
      },
    },
    {
      name: 'worker machine: one heartbeat while listening',
      transitions: 1,
      baseline: 'toggle machine: one event on a running actor',
      fn() {
        heartbeats++
        listening.send({ type: 'process.heartbeat', sample: { rss: heartbeats, heapUsed: 1 } } as AnyEventObject as ProcessEvent)
      },
    },
  ]
  return {
    cases,
    check() {
      const sample = listening.getSnapshot().context.lastSample
      listening.stop()
      toggle.stop()
      if (exited !== cycles) throw new Error(`Sanity check failed: ${exited} of ${cycles} worker cycles reached exited`)
      if (listened < cycles) throw new Error(`Sanity check failed: ${listened} listening notifications for ${cycles} cycles`)
      if (togglesRight !== toggles) throw new Error(`Sanity check failed: ${togglesRight} of ${toggles} toggles changed state`)
      if (heartbeats > 0 && sample?.rss !== heartbeats)
        throw new Error(`Sanity check failed: last heartbeat sample ${sample?.rss}, expected ${heartbeats}`)
    },
  }
}

async function measureTransitions(filters: readonly string[]): Promise<string[][]> {
  const { cases, check } = createTransitionCases()
  const chosen = cases.filter((c) => isSelected(c.name, filters) || cases.some((o) => o.baseline === c.name && isSelected(o.name, filters)))
  if (chosen.length === 0) {
    check()
    return []
  }
  const measured = await runInRounds(chosen, ROUNDS, MAX_TIME)
  check()
  const microsPerTransition = (name: string) => {
    const summary = measured.get(name)
    const c = cases.find((each) => each.name === name)!
    return summary ? 1e6 / summary.median / c.transitions : Number.NaN
  }
  return chosen.map((c) => {
    const summary = measured.get(c.name)!
    const own = microsPerTransition(c.name)
    const baseline = c.baseline ? microsPerTransition(c.baseline) : own
    return [
      c.name,
      `${format(own, 2)} µs`,
      `${format(1e6 / summary.max / c.transitions, 2)}–${format(1e6 / summary.min / c.transitions, 2)} µs`,
      `${format(1e6 / summary.median, 2)} µs/op`,
      `${format(own / baseline, 2)}x`,
    ]
  })
}

/** Runs the supervisor overhead measurements; `filters` keep those whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const cores = availableParallelism()
  if (isSelected('master heapUsed per worker', filters) || isSelected('memory', filters)) {
    printTable(
      `supervisor: master memory per worker, xcluster vs bare node:cluster (median of ${MEMORY_REPEATS} estimates, clusters of ${MEMORY_COUNTS.join(' and ')} alternating in one master per kind) — ${describeMachine(cores)}`,
      ['case', 'xcluster', 'node:cluster', 'ratio', 'estimates, KiB: xcluster | node:cluster'],
      await measureMemory(),
    )
  }
  const rows = await measureTransitions(filters)
  if (rows.length > 0) {
    printTable(
      `supervisor: cost of one transition (benchmark.js, median of ${ROUNDS} rounds) — ${describeMachine(cores)}`,
      ['case', 'per transition', 'min–max', 'per op', 'vs toggle'],
      rows,
    )
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
