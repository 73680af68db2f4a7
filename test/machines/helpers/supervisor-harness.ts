/**
 * Runs the supervisor machine with a fake process pool and a simulated clock, recording every
 * event it emits.
 */
import { createActor, SimulatedClock } from 'xstate'
import type { Actor } from 'xstate'
import { createSupervisorMachine } from '../../../machines/supervisor/supervisor.js'
import { listWorkers } from '../../../machines/supervisor/list-workers.js'
import type { WorkerListing } from '../../../machines/supervisor/list-workers.js'
import type { SlotContext } from '../../../machines/slot/slot-events.js'
import type { RestartPolicy, SupervisorEmitted, SupervisorInput } from '../../../machines/types.js'
import { createFakeProcessPool } from './fake-process.js'
import type { FakeBehaviour, FakeProcessPool } from './fake-process.js'
import { TEST_TIMEOUTS } from './worker-harness.js'

/**
 * A policy with room to spare: 10 start failures in 10 s, backoff 100 → 200 → 400 … 1000, reset
 * after 5 s. `minUptime` is far beyond any test's clock, so every exit is a start failure unless
 * a test sets its own (see {@link UPTIME_POLICY}); crashes have no limit.
 */
export const TEST_POLICY: RestartPolicy = {
  type: 'permanent',
  minUptime: 1_000_000_000,
  maxRestarts: 10,
  period: 10_000,
  maxCrashes: Infinity,
  crashPeriod: 10_000,
  backoff: { initial: 100, max: 1000, factor: 2, resetAfter: 5000 },
}

/** {@link TEST_POLICY} with a worker up 1 s after its fork: its exit after that is a crash. */
export const UPTIME_POLICY: RestartPolicy = { ...TEST_POLICY, minUptime: 1000 }

/** The supervisor input used by tests unless overridden. */
export const TEST_SUPERVISOR_INPUT: SupervisorInput = {
  count: 2,
  policy: TEST_POLICY,
  timeouts: TEST_TIMEOUTS,
  health: { maxMissedHeartbeats: 3, maxRss: 1000 },
  reload: { maxUnavailable: 1 },
}

/** A running supervisor with everything a test needs to drive and observe it. */
export interface SupervisorHarness {
  actor: Actor<ReturnType<typeof createSupervisorMachine>>
  clock: SimulatedClock
  pool: FakeProcessPool
  /** Every emitted event, in order. */
  emitted: SupervisorEmitted[]
  /** Emitted events of one type. */
  emittedOf<T extends SupervisorEmitted['type']>(type: T): Array<Extract<SupervisorEmitted, { type: T }>>
  workers(): WorkerListing[]
  /** The context of a slot, by slot id. */
  slot(slotId: string): { value: unknown; context: SlotContext }
  /** Errors the root actor reported (should stay empty). */
  errors: unknown[]
}

const EMITTED_TYPES: Array<SupervisorEmitted['type']> = [
  'worker.exit',
  'worker.restart',
  'worker.replace',
  'reload.done',
  'reload.failed',
  'failed',
  'stopped',
]

/**
 * Starts a supervisor whose processes are fakes following `behaviour`.
 *
 * @example
 * const h = startSupervisorHarness(COOPERATIVE, { count: 3 })
 * h.actor.send({ type: 'stop', reason: 'test over' })
 */
export function startSupervisorHarness(behaviour: FakeBehaviour, input: Partial<SupervisorInput> = {}): SupervisorHarness {
  const clock = new SimulatedClock()
  const pool = createFakeProcessPool(behaviour)
  const actor = createActor(createSupervisorMachine({ process: pool.logic }), { clock, input: { ...TEST_SUPERVISOR_INPUT, ...input } })
  const emitted: SupervisorEmitted[] = []
  const errors: unknown[] = []
  for (const type of EMITTED_TYPES) actor.on(type, (event) => void emitted.push(event))
  actor.subscribe({ error: (error) => void errors.push(error) })
  actor.start()
  return {
    actor,
    clock,
    pool,
    emitted,
    errors,
    emittedOf: (type) => emitted.filter((e) => e.type === type) as never,
    workers: () => listWorkers(actor),
    slot: (slotId) => {
      const ref = actor.getSnapshot().children[slotId]
      if (!ref) throw new Error(`no slot ${slotId}`)
      const snapshot = ref.getSnapshot() as { value: unknown; context: SlotContext }
      return { value: snapshot.value, context: snapshot.context }
    },
  }
}

/**
 * Harnesses for one test file: `start` keeps each one, `cleanup` (for `after.each`) checks that
 * none of their supervisors errored and stops them.
 */
export function createHarnessPool() {
  const running: SupervisorHarness[] = []
  return {
    start(...args: Parameters<typeof startSupervisorHarness>): SupervisorHarness {
      const h = startSupervisorHarness(...args)
      running.push(h)
      return h
    },
    cleanup(): void {
      for (const h of running.splice(0)) {
        if (h.errors.length > 0) throw new Error(`the supervisor errored: ${String(h.errors[0])}`)
        h.actor.stop()
      }
    },
  }
}
