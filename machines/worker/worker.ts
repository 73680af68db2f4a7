/**
 * The lifecycle of one worker process incarnation.
 *
 * ```
 * forking ─online─▶ online ─listening/ready─▶ listening ─stop─▶ disconnecting ─exit─▶ exited
 *                                                               draining → closing → terminating → killing
 * ```
 * `process.exit` from any state ends in `exited`. The machine invokes the `process` actor (id and
 * src `'process'`), which the runtime provides; every decision stores a human-readable `reason`.
 */
import type { ActorRefFrom } from 'xstate'
import type { ProcessInput, WorkerOutput } from '../types.js'
import { START_TIMEOUT_EVENT, workerSetup } from './worker-setup.js'

export type { WorkerContext, WorkerEvent } from './worker-setup.js'

/**
 * What `forking` and `online` share: a stop skips draining (nothing was routed to the worker yet)
 * and an error goes straight to SIGKILL (the process may not even exist).
 */
const STARTING_TRANSITIONS = {
  'process.listening': { target: 'listening', actions: 'recordListening' },
  'process.ready': { target: 'listening', actions: 'recordListening' },
  stop: { target: 'disconnecting.closing', actions: 'recordRequest' },
  'process.disconnect': { target: 'disconnecting.closing', actions: ['markDisconnected', 'recordDisconnect'] },
  'process.error': { target: 'disconnecting.killing', actions: 'recordProcessError' },
  [START_TIMEOUT_EVENT]: { target: 'disconnecting.terminating', actions: 'recordStartTimeout' },
} as const

/**
 * The worker lifecycle machine. Provide the real process actor with
 * `workerMachine.provide({ actors: { process } })`; the `notifyListening` and `notifyUnhealthy`
 * actions `sendParent` a `WorkerParentEvent`, so run it under a parent or provide them.
 *
 * @example
 * const actor = createActor(workerMachine.provide({ actors: { process: fakeProcess } }), {
 *   input: { slotId: 's0', incarnation: 1, generation: 0, timeouts, health },
 * }).start()
 */
export const workerMachine = workerSetup.createMachine({
  id: 'worker',
  context: ({ input }) => ({
    ...input,
    pid: null,
    workerId: null,
    exit: null,
    reason: 'forking',
    cause: null,
    expected: false,
    hasListened: false,
    isDisconnected: false,
    missedHeartbeats: 0,
    lastSample: null,
    unhealthy: null,
    reported: { memory: false, hung: false },
  }),
  invoke: {
    id: 'process',
    src: 'process',
    input: ({ context }): ProcessInput => ({
      slotId: context.slotId,
      incarnation: context.incarnation,
      generation: context.generation,
    }),
    onError: {
      target: '.exited',
      actions: 'recordProcessActorFailure',
    },
  },
  on: {
    'process.fork': {
      actions: 'recordFork',
    },
    'process.exit': {
      target: '.exited',
      actions: 'recordExit',
    },
    kill: { target: '.disconnecting.killing', actions: 'recordRequest' },
  },
  initial: 'forking',
  states: {
    forking: {
      entry: 'armStartTimer',
      on: {
        ...STARTING_TRANSITIONS,
        'process.online': { target: 'online', actions: { type: 'recordReason', params: { reason: 'process online' } } },
      },
    },
    online: { on: STARTING_TRANSITIONS },
    listening: {
      entry: ['cancelStartTimer', 'sendAccept', 'notifyListening'],
      on: {
        stop: { target: 'disconnecting', actions: 'recordRequest' },
        'process.disconnect': {
          target: 'disconnecting.closing',
          actions: ['markDisconnected', 'recordDisconnect'],
        },
        'process.error': { target: 'disconnecting.terminating', actions: 'recordProcessError' },
        'process.heartbeat': [
          { guard: 'isOverMemoryLimit', actions: ['recordHeartbeat', 'recordMemoryUnhealthy', 'notifyUnhealthy'] },
          { actions: 'recordHeartbeat' },
        ],
        'process.heartbeatMissed': [
          { guard: 'isHeartbeatLimitReached', actions: ['countMissedHeartbeat', 'recordHungUnhealthy', 'notifyUnhealthy'] },
          { actions: 'countMissedHeartbeat' },
        ],
      },
    },
    disconnecting: {
      initial: 'draining',
      on: {
        stop: { actions: 'recordLateRequest' },
        'process.disconnect': { actions: 'markDisconnected' },
      },
      states: {
        draining: {
          entry: 'sendDrain',
          on: {
            'process.drained': { target: 'closing', actions: { type: 'recordReason', params: { reason: 'in-flight calls drained' } } },
            'process.disconnect': {
              target: 'closing',
              actions: ['markDisconnected', { type: 'recordReason', params: { reason: 'IPC channel closed while draining' } }],
            },
            'process.error': {
              target: 'terminating',
              actions: { type: 'recordReason', params: ({ event }) => ({ reason: `process error while draining: ${event.message}` }) },
            },
          },
          after: {
            drain: {
              target: 'closing',
              actions: { type: 'recordReason', params: ({ context }) => ({ reason: `drain timeout after ${context.timeouts.drain}ms` }) },
            },
          },
        },
        closing: {
          entry: 'sendDisconnect',
          on: {
            'process.error': {
              target: 'terminating',
              actions: { type: 'recordReason', params: ({ event }) => ({ reason: `process error while closing: ${event.message}` }) },
            },
          },
          after: {
            disconnect: {
              target: 'terminating',
              actions: {
                type: 'recordReason',
                params: ({ context }) => ({ reason: `no exit within ${context.timeouts.disconnect}ms of disconnect` }),
              },
            },
          },
        },
        terminating: {
          entry: 'sendSigterm',
          after: {
            terminate: {
              target: 'killing',
              actions: {
                type: 'recordReason',
                params: ({ context }) => ({ reason: `no exit within ${context.timeouts.terminate}ms of SIGTERM` }),
              },
            },
          },
        },
        killing: {
          entry: 'sendSigkill',
          // Already killed: a second kill must not re-arm the give-up deadline.
          on: { kill: { actions: 'recordLateRequest' } },
          after: {
            kill: {
              target: '#worker.exited',
              actions: 'recordGivenUp',
            },
          },
        },
      },
    },
    exited: { type: 'final', entry: 'cancelStartTimer' },
  },
  output: ({ context }): WorkerOutput => ({
    slotId: context.slotId,
    incarnation: context.incarnation,
    generation: context.generation,
    pid: context.pid,
    workerId: context.workerId,
    exit: context.exit ?? { code: null, signal: null },
    reason: context.reason,
    expected: context.expected,
    startFailed: !context.hasListened && !context.expected,
  }),
})

/** A running worker machine, as found in a slot's children. */
export type WorkerActorRef = ActorRefFrom<typeof workerMachine>
