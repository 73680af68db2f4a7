/**
 * One worker position. It runs one worker incarnation at a time (two while replacing), asks the
 * supervisor before each restart (the budgets are shared), and classifies each end: a worker that
 * never listened, or exited within `policy.minUptime` of its fork, is a start failure and is
 * restarted after a backoff; one that had been serving is restarted at once. It replaces its worker
 * new-first on `replace` or when the worker reports too much memory; a hung worker is killed.
 * On `rollback` (a reload failed) it returns to the given generation: a replacement still starting
 * is cancelled, a worker of another generation is replaced new-first, a slot already there confirms.
 *
 * ```
 * running (starting → listening ⇄ replacing) ─exit─▶ restartPending ─granted (start failure)─▶ backoff ─▶ running
 *                                             │                 └────granted (crash)──────────────────▶ running
 *                                             └─no restart─▶ idle        stop (any) ─▶ stopping ─▶ stopped
 * ```
 * The uptime clock: each spawn raises `slot.uptime` `minUptime` ms later; a worker still alive
 * then is `up` (`context.up`), and its end counts as a crash once it has listened.
 * ```
 * ```
 * Child ids: each worker incarnation `n` is the child `worker-n`; `context.serving` names the one
 * serving, `context.candidate` a replacement being started, `context.retiring` those draining.
 */
import type { ActorRefFrom } from 'xstate'
import { UPTIME_EVENT } from './slot-events.js'
import { slotSetup } from './slot-setup.js'

const END_IN_RUNNING = [
  {
    guard: 'isCandidateEnd',
    target: '#slot.running.listening',
    actions: ['killOrphanedProcess', 'notifyExit', 'reportReplaceFailed', 'dropWorker'],
  },
  {
    guard: 'isServingEndWithCandidate',
    target: '#slot.running.starting',
    actions: ['killOrphanedProcess', 'notifyExit', 'dropWorker', 'promoteCandidate'],
  },
  // The decision reads whether the worker was up before `dropWorker` forgets it.
  {
    guard: 'isServingEndToRestart',
    target: '#slot.restartPending',
    actions: ['killOrphanedProcess', 'notifyExit', 'recordRestartDecision', 'dropWorker'],
  },
  { guard: 'isServingEnd', target: '#slot.idle', actions: ['killOrphanedProcess', 'notifyExit', 'recordRestartDecision', 'dropWorker'] },
] as const
/** A slot with no worker running takes the generation for its next start, and says so. */
const ACCEPT_GENERATION = { actions: ['acceptGeneration', 'reportReplaced'] } as const
/** A replace that waited on a worker which ended is settled: the next start runs its generation. */
const SETTLE_REPLACE = { guard: 'hasPendingReplace', actions: ['settlePendingReplace', 'reportReplaced'] } as const
const END_ANYWHERE = { actions: ['killOrphanedProcess', 'notifyExit', 'dropWorker'] } as const
const HUNG = [
  {
    guard: 'isHungServingWithCandidate',
    target: '#slot.running.starting',
    actions: ['killServing', 'notifyReplace', 'chargeRestart', 'promoteCandidate'],
  },
  { guard: 'isHungServing', target: '#slot.running.starting', actions: ['killServing', 'notifyReplace', 'chargeRestart', 'spawnServing'] },
] as const

/**
 * The slot machine. Its `worker` actor is `workerMachine`; provide the process actor through it
 * (see `createSupervisorMachine`).
 */
export const slotMachine = slotSetup.createMachine({
  id: 'slot',
  context: ({ input }) => ({
    ...input,
    incarnation: 0,
    serving: null,
    candidate: null,
    candidateGeneration: input.generation,
    retiring: [],
    pendingReplace: null,
    attempt: 0,
    up: [],
    restartKind: 'start-failure',
    backoffDelay: 0,
    lastExit: null,
    reason: 'slot started',
  }),
  entry: 'spawnServing',
  on: {
    stop: { target: '.stopping', actions: 'recordStop' },
    'xstate.done.actor.*': END_ANYWHERE,
    'xstate.error.actor.*': END_ANYWHERE,
    [UPTIME_EVENT]: { guard: 'isLiveUptime', actions: 'markUp' },
  },
  initial: 'running',
  states: {
    running: {
      on: {
        'xstate.done.actor.*': END_IN_RUNNING,
        'xstate.error.actor.*': END_IN_RUNNING,
        'worker.unhealthy': HUNG,
        replace: { actions: 'recordPendingReplace' },
        // Starting or listening; `listening` then replaces new-first (its `always`).
        rollback: [
          { guard: 'isOnRollbackGeneration', actions: ['confirmGeneration', 'reportReplaced'] },
          { actions: 'recordPendingReplace' },
        ],
      },
      initial: 'starting',
      states: {
        starting: {
          on: {
            // A candidate promoted because the old worker ended may be the one a reload waits for:
            // report it (the supervisor ignores a report of a generation it is not rolling out).
            'worker.listening': { guard: 'isFromServing', target: 'listening', actions: ['recordListening', 'reportReplaced'] },
          },
        },
        listening: {
          always: { guard: 'hasPendingReplace', target: 'replacing' },
          after: { resetAfter: { guard: 'hasBackoff', actions: 'resetBackoff' } },
          on: {
            'worker.unhealthy': [...HUNG, { guard: 'isMemoryServing', actions: 'recordMemoryReplace' }],
          },
        },
        replacing: {
          entry: ['spawnCandidate', 'notifyReplace'],
          on: {
            'worker.listening': {
              guard: 'isFromCandidate',
              target: 'listening',
              actions: ['retireServing', 'promoteCandidate', 'reportReplaced'],
            },
            // A replacement of another generation is cancelled before it takes over: the old
            // worker never stopped serving, so rolling this slot back costs no restart.
            rollback: [
              { guard: 'isCandidateOnRollbackGeneration', actions: 'clearPendingReplace' },
              { guard: 'isOnRollbackGeneration', target: 'listening', actions: ['cancelCandidate', 'confirmGeneration', 'reportReplaced'] },
              { target: 'listening', actions: ['cancelCandidate', 'recordPendingReplace'] },
            ],
          },
        },
      },
    },
    restartPending: {
      entry: 'requestRestart',
      always: SETTLE_REPLACE,
      on: {
        'restart.granted': [
          // A worker that had been serving is replaced at once; only start failures back off.
          { guard: 'isCrashRestart', target: 'running', actions: ['recordCrashRestart', 'notifyRestart', 'spawnServing'] },
          { target: 'backoff', actions: ['recordRestartGranted', 'notifyRestart'] },
        ],
        replace: ACCEPT_GENERATION,
        rollback: ACCEPT_GENERATION,
      },
    },
    backoff: {
      after: { backoff: { target: 'running', actions: 'spawnServing' } },
      on: { replace: ACCEPT_GENERATION, rollback: ACCEPT_GENERATION },
    },
    idle: {
      // A worker that ended for good may be the one a reload or rollback waits for (a replacement
      // promoted when the old worker died, then failed to start): with no worker left, the slot is
      // on its generation. The supervisor ignores a report it does not wait for.
      entry: 'reportReplaced',
      always: SETTLE_REPLACE,
      on: { replace: ACCEPT_GENERATION, rollback: ACCEPT_GENERATION },
    },
    stopping: {
      entry: 'stopAllWorkers',
      always: { guard: 'hasNoLiveWorkers', target: 'stopped' },
      on: { stop: {} },
    },
    stopped: { type: 'final' },
  },
  output: ({ context }) => ({ slotId: context.slotId, reason: context.reason }),
})

/** A running slot, as found in the supervisor's children under its `slotId`. */
export type SlotActorRef = ActorRefFrom<typeof slotMachine>
