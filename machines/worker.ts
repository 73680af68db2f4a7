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
import { assign, cancel, enqueueActions, raise, sendParent, sendTo, setup } from 'xstate'
import type { ActorRefFrom } from 'xstate'
import type {
  ExitInfo,
  HealthSample,
  ProcessCommand,
  ProcessEvent,
  ProcessInput,
  UnhealthyKind,
  WorkerCommand,
  WorkerInput,
  WorkerOutput,
  WorkerParentEvent,
} from './types.js'
import { processPlaceholder } from './process-placeholder.js'
import {
  describeExit,
  describeOverMemory,
  isHeartbeatLimitReached,
} from './worker-health.js'

/** Raised `timeouts.start` ms after the fork; ignored once the worker listens. */
const START_TIMEOUT_EVENT = 'xcluster.worker.startTimeout'
const START_TIMER_ID = 'startTimer'

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

/** Everything a worker machine holds; `reason` explains the last transition. */
export interface WorkerContext extends WorkerInput {
  pid: number | null
  workerId: number | null
  exit: ExitInfo | null
  /** Why the last transition happened. */
  reason: string
  /** Why the worker started to end (start timeout, stop, error…); null while it runs. */
  cause: string | null
  expected: boolean
  hasListened: boolean
  isDisconnected: boolean
  missedHeartbeats: number
  lastSample: HealthSample | null
  /** The last unhealthy report sent to the parent; each kind is reported once. */
  unhealthy: { reason: UnhealthyKind; detail: string } | null
  reported: Record<UnhealthyKind, boolean>
}

/** Every event a worker machine accepts. */
export type WorkerEvent = ProcessEvent | WorkerCommand | { type: typeof START_TIMEOUT_EVENT }

/**
 * The worker lifecycle machine. Provide the real process actor with
 * `workerMachine.provide({ actors: { process } })`; the `notifyListening` and `notifyUnhealthy`
 * actions `sendParent` a {@link WorkerParentEvent}, so run it under a parent or provide them.
 *
 * @example
 * const actor = createActor(workerMachine.provide({ actors: { process: fakeProcess } }), {
 *   input: { slotId: 's0', incarnation: 1, generation: 0, timeouts, health },
 * }).start()
 */
export const workerMachine = setup({
  types: {
    context: {} as WorkerContext,
    input: {} as WorkerInput,
    output: {} as WorkerOutput,
    events: {} as WorkerEvent,
  },
  actors: { process: processPlaceholder },
  delays: {
    start: ({ context }) => context.timeouts.start,
    drain: ({ context }) => context.timeouts.drain,
    disconnect: ({ context }) => context.timeouts.disconnect,
    terminate: ({ context }) => context.timeouts.terminate,
    kill: ({ context }) => context.timeouts.kill,
  },
  guards: {
    isOverMemoryLimit: ({ context, event }) =>
      event.type === 'process.heartbeat' &&
      !context.reported.memory &&
      describeOverMemory(event.sample, context.health) !== null,
    isHeartbeatLimitReached: ({ context }) =>
      !context.reported.hung && isHeartbeatLimitReached(context.missedHeartbeats + 1, context.health),
  },
  actions: {
    recordRequest: assign(({ context, event }) => {
      if (event.type !== 'stop' && event.type !== 'kill') return {}
      const reason = `${event.type} requested: ${event.reason}`
      return { reason, cause: context.cause ?? reason, expected: true }
    }),
    recordProcessError: assign(({ context, event }) => {
      if (event.type !== 'process.error') return {}
      const reason = `process error: ${event.message}`
      return { reason, cause: context.cause ?? reason }
    }),
    recordStartTimeout: assign(({ context }) => {
      const reason = `start timeout after ${context.timeouts.start}ms`
      return { reason, cause: context.cause ?? reason }
    }),
    recordListening: assign(({ event }) => ({
      hasListened: true,
      reason: event.type === 'process.listening' ? `listening on ${event.address ?? 'a handle'}` : 'ready() called',
    })),
    markDisconnected: assign({ isDisconnected: true }),
    recordDisconnect: assign(({ context }) => {
      const reason = 'IPC channel closed by the worker'
      return { reason, cause: context.cause ?? reason }
    }),
    recordReason: assign((_, params: { reason: string }) => ({ reason: params.reason })),
    recordHeartbeat: assign(({ event }) =>
      event.type === 'process.heartbeat' ? { missedHeartbeats: 0, lastSample: event.sample } : {},
    ),
    recordMemoryUnhealthy: assign(({ context, event }) => {
      if (event.type !== 'process.heartbeat') return {}
      const detail = describeOverMemory(event.sample, context.health) ?? ''
      return {
        reason: `unhealthy (memory): ${detail}`,
        unhealthy: { reason: 'memory' as const, detail },
        reported: { ...context.reported, memory: true },
      }
    }),
    countMissedHeartbeat: assign(({ context }) => ({ missedHeartbeats: context.missedHeartbeats + 1 })),
    recordHungUnhealthy: assign(({ context }) => {
      const detail = `${context.missedHeartbeats} heartbeats missed in a row (limit ${context.health.maxMissedHeartbeats})`
      return {
        reason: `unhealthy (hung): ${detail}`,
        unhealthy: { reason: 'hung' as const, detail },
        reported: { ...context.reported, hung: true },
      }
    }),
    armStartTimer: raise({ type: START_TIMEOUT_EVENT }, { id: START_TIMER_ID, delay: 'start' }),
    cancelStartTimer: cancel(START_TIMER_ID),
    sendAccept: sendTo('process', { type: 'accept' } satisfies ProcessCommand),
    sendDrain: sendTo('process', { type: 'drain' } satisfies ProcessCommand),
    // A channel that closed by itself needs no disconnect: the exit is only awaited.
    sendDisconnect: enqueueActions(({ context, enqueue }) => {
      if (!context.isDisconnected) enqueue.sendTo('process', { type: 'disconnect' } satisfies ProcessCommand)
    }),
    sendSigterm: sendTo('process', { type: 'signal', signal: 'SIGTERM' } satisfies ProcessCommand),
    sendSigkill: sendTo('process', { type: 'signal', signal: 'SIGKILL' } satisfies ProcessCommand),
    notifyListening: sendParent(({ context }): WorkerParentEvent => ({
      type: 'worker.listening',
      slotId: context.slotId,
      incarnation: context.incarnation,
      pid: context.pid,
      workerId: context.workerId,
    })),
    notifyUnhealthy: sendParent(({ context }): WorkerParentEvent => ({
      type: 'worker.unhealthy',
      slotId: context.slotId,
      incarnation: context.incarnation,
      reason: context.unhealthy?.reason ?? 'hung',
      detail: context.unhealthy?.detail ?? '',
    })),
  },
}).createMachine({
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
      actions: assign(({ context, event }) => {
        const reason = `process actor failed: ${event.error instanceof Error ? event.error.message : String(event.error)}`
        return { reason, cause: context.cause ?? reason, exit: { code: null, signal: null } }
      }),
    },
  },
  on: {
    'process.fork': {
      actions: assign(({ event }) => ({ pid: event.pid, workerId: event.workerId, reason: `forked pid ${event.pid}` })),
    },
    'process.exit': {
      target: '.exited',
      actions: assign(({ context, event }) => {
        const exit = { code: event.code, signal: event.signal }
        const reason = context.cause ? `${context.cause}; ${describeExit(exit)}` : describeExit(exit)
        return { exit, reason }
      }),
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
        // Already ending: a stop only marks the end as requested, so the owner does not restart it.
        stop: { actions: assign({ expected: true }) },
        'process.disconnect': { actions: assign({ isDisconnected: true }) },
      },
      states: {
        draining: {
          entry: 'sendDrain',
          on: {
            'process.drained': { target: 'closing', actions: { type: 'recordReason', params: { reason: 'in-flight calls drained' } } },
            'process.disconnect': {
              target: 'closing',
              actions: [assign({ isDisconnected: true }), { type: 'recordReason', params: { reason: 'IPC channel closed while draining' } }],
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
          after: {
            kill: {
              target: '#worker.exited',
              actions: assign(({ context }) => ({
                exit: { code: null, signal: null },
                reason: `${context.cause ?? 'killed'}; no exit within ${context.timeouts.kill}ms of SIGKILL, process given up for lost`,
              })),
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
