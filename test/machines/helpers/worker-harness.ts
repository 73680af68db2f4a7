/**
 * Runs one worker machine under a recording parent, with a fake process and a simulated clock,
 * so the real `sendParent` actions are exercised.
 */
import { createActor, createMachine, SimulatedClock } from 'xstate'
import type { AnyEventObject, SnapshotFrom } from 'xstate'
import { workerMachine } from '../../../machines/worker/worker.js'
import type { WorkerActorRef } from '../../../machines/worker/worker.js'
import type { WorkerInput, WorkerOutput } from '../../../machines/types.js'
import { createFakeProcessPool } from './fake-process.js'
import type { FakeBehaviour, FakeProcess, FakeProcessPool } from './fake-process.js'

/** Small deadlines so the escalation order is easy to read in tests. */
export const TEST_TIMEOUTS = { start: 1000, drain: 100, disconnect: 200, terminate: 300, kill: 400 }

/** The input used by worker tests unless overridden. */
export const TEST_WORKER_INPUT: WorkerInput = {
  slotId: 's0',
  incarnation: 1,
  generation: 0,
  timeouts: TEST_TIMEOUTS,
  health: { maxMissedHeartbeats: 3, maxRss: 1000, maxHeapUsed: 500 },
}

/** A worker machine running under a recording parent. */
export interface WorkerHarness {
  clock: SimulatedClock
  pool: FakeProcessPool
  /** Events the worker sent to its parent (`worker.listening`, `worker.unhealthy`). */
  parentEvents: AnyEventObject[]
  /** The worker's output once it reached `exited`, else undefined. */
  output(): WorkerOutput | undefined
  worker(): WorkerActorRef
  snapshot(): SnapshotFrom<typeof workerMachine>
  /** The fake process of this incarnation. */
  process(): FakeProcess
  stop(): void
}

// `.provide()` rebuilds the machine (about a millisecond): keep one per pool.
const provided = new WeakMap<FakeProcessPool, typeof workerMachine>()
function getProvidedWorker(pool: FakeProcessPool): typeof workerMachine {
  let machine = provided.get(pool)
  if (!machine) {
    machine = workerMachine.provide({ actors: { process: pool.logic } })
    provided.set(pool, machine)
  }
  return machine
}

/**
 * Starts a worker machine with a fake process under a parent that records what it receives.
 * Pass a pool to reuse it (its newest process of the incarnation is `process()`).
 *
 * @example
 * const h = startWorkerHarness(COOPERATIVE)
 * h.worker().send({ type: 'stop', reason: 'test' })
 */
export function startWorkerHarness(behaviour: FakeBehaviour | FakeProcessPool = {}, input: Partial<WorkerInput> = {}): WorkerHarness {
  const clock = new SimulatedClock()
  const pool = 'logic' in behaviour ? behaviour : createFakeProcessPool(behaviour)
  const parentEvents: AnyEventObject[] = []
  let output: WorkerOutput | undefined
  let lastSnapshot: SnapshotFrom<typeof workerMachine> | undefined
  const parent = createMachine({
    invoke: {
      id: 'worker',
      src: getProvidedWorker(pool),
      input: { ...TEST_WORKER_INPUT, ...input },
      onDone: {
        actions: ({ event }) => {
          output = event.output as WorkerOutput
        },
      },
    },
    on: { '*': { actions: ({ event }) => void parentEvents.push(event) } },
  })
  const actor = createActor(parent, { clock }).start()
  const worker = actor.getSnapshot().children.worker as WorkerActorRef
  worker.subscribe({
    next: (s) => {
      lastSnapshot = s
    },
    error: () => {},
  })
  lastSnapshot = worker.getSnapshot()
  return {
    clock,
    pool,
    parentEvents,
    output: () => output,
    worker: () => worker,
    snapshot: () => lastSnapshot ?? worker.getSnapshot(),
    process: () => pool.get(input.slotId ?? TEST_WORKER_INPUT.slotId, input.incarnation ?? TEST_WORKER_INPUT.incarnation),
    stop: () => actor.stop(),
  }
}
