/**
 * The named guards, actions and delays of the worker machine (its shape is in `worker.ts`).
 */
import { assign, cancel, enqueueActions, raise, sendParent, sendTo, setup } from 'xstate'
import type {
  ExitInfo,
  HealthSample,
  ProcessCommand,
  ProcessEvent,
  UnhealthyKind,
  WorkerCommand,
  WorkerInput,
  WorkerOutput,
  WorkerParentEvent,
} from '../types.js'
import { processPlaceholder } from './process-placeholder.js'
import { describeExit, describeOverMemory, isHeartbeatLimitReached } from './worker-health.js'

/** Raised `timeouts.start` ms after the fork; ignored once the worker listens. */
export const START_TIMEOUT_EVENT = 'xcluster.worker.startTimeout'
const START_TIMER_ID = 'startTimer'

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
export type WorkerEvent =
  | ProcessEvent
  | WorkerCommand
  | { type: typeof START_TIMEOUT_EVENT }
  | { type: 'xstate.error.actor.process'; error: unknown }

/** Setup of the worker machine; `worker.ts` creates the machine from it. */
export const workerSetup = setup({
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
      event.type === 'process.heartbeat' && !context.reported.memory && describeOverMemory(event.sample, context.health) !== null,
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
    recordFork: assign(({ event }) =>
      event.type === 'process.fork' ? { pid: event.pid, workerId: event.workerId, reason: `forked pid ${event.pid}` } : {},
    ),
    recordExit: assign(({ context, event }) => {
      if (event.type !== 'process.exit') return {}
      const exit = { code: event.code, signal: event.signal }
      return { exit, reason: context.cause ? `${context.cause}; ${describeExit(exit)}` : describeExit(exit) }
    }),
    recordGivenUp: assign(({ context }) => ({
      exit: { code: null, signal: null },
      reason: `${context.cause ?? 'killed'}; no exit within ${context.timeouts.kill}ms of SIGKILL, process given up for lost`,
    })),
    recordProcessActorFailure: assign(({ context, event }) => {
      const error = 'error' in event ? event.error : undefined
      const reason = `process actor failed: ${error instanceof Error ? error.message : String(error)}`
      return { reason, cause: context.cause ?? reason, exit: { code: null, signal: null } }
    }),
    // Already ending: a stop only marks the end as requested, so the owner does not restart it.
    recordLateRequest: assign({ expected: true }),
    markDisconnected: assign({ isDisconnected: true }),
    recordDisconnect: assign(({ context }) => {
      const reason = 'IPC channel closed by the worker'
      return { reason, cause: context.cause ?? reason }
    }),
    recordReason: assign((_, params: { reason: string }) => ({ reason: params.reason })),
    recordHeartbeat: assign(({ event }) => (event.type === 'process.heartbeat' ? { missedHeartbeats: 0, lastSample: event.sample } : {})),
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
    notifyListening: sendParent(
      ({ context }): WorkerParentEvent => ({
        type: 'worker.listening',
        slotId: context.slotId,
        incarnation: context.incarnation,
        pid: context.pid,
        workerId: context.workerId,
      }),
    ),
    notifyUnhealthy: sendParent(
      ({ context }): WorkerParentEvent => ({
        type: 'worker.unhealthy',
        slotId: context.slotId,
        incarnation: context.incarnation,
        reason: context.unhealthy?.reason ?? 'hung',
        detail: context.unhealthy?.detail ?? '',
      }),
    ),
  },
})
