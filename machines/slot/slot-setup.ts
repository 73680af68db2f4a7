/**
 * The named guards, actions and delays of the slot machine (its shape is in `slot.ts`).
 */
import { assign, enqueueActions, sendParent, setup } from 'xstate'
import type { AnyActorRef } from 'xstate'
import { workerMachine } from '../worker/worker.js'
import { classifyExit, computeBackoff, describeExitKind, describeRestartDecision, shouldRestart } from './restart-policy.js'
import { UPTIME_EVENT, getEndedChildId, toUptimeTimerId, toWorkerChildId, toWorkerOutput } from './slot-events.js'
import type { SlotContext, SlotEvent, SlotInput, SlotOutput, SlotParentEvent } from './slot-events.js'
import type { ProcessCommand, WorkerInput, WorkerOutput } from '../types.js'

type Args = { context: SlotContext; event: SlotEvent }

/** The child id a done/error event comes from, or null for any other event. */
function endedId(event: SlotEvent): string | null {
  return event.type.startsWith('xstate.done.actor.') || event.type.startsWith('xstate.error.actor.')
    ? getEndedChildId(event as Parameters<typeof getEndedChildId>[0])
    : null
}

/** The output of the worker a done/error event comes from. */
function endOf({ context, event }: Args): WorkerOutput {
  return toWorkerOutput(event as Parameters<typeof toWorkerOutput>[0], context.slotId, context.generation)
}

/** The child id of the worker a `worker.*` event comes from, or null. */
function senderId(event: SlotEvent): string | null {
  return event.type === 'worker.listening' || event.type === 'worker.unhealthy' ? toWorkerChildId(event.incarnation) : null
}

/** What the serving worker that ended counts as: whether it listened, and whether it was up for `minUptime`. */
function lifeOf(args: Args): { hasListened: boolean; isUp: boolean } {
  const end = endOf(args)
  return { hasListened: !end.startFailed, isUp: args.context.up.includes(endedId(args.event) ?? '') }
}

function workerInput(context: SlotContext, incarnation: number, generation: number): WorkerInput {
  return { slotId: context.slotId, incarnation, generation, timeouts: context.timeouts, health: context.health }
}

const isServingEnd = ({ context, event }: Args) => context.serving !== null && endedId(event) === context.serving
const isHungServing = ({ context, event }: Args) =>
  event.type === 'worker.unhealthy' && event.reason === 'hung' && senderId(event) === context.serving

/** Setup of the slot machine; `slot.ts` creates the machine from it. */
export const slotSetup = setup({
  types: {
    context: {} as SlotContext,
    input: {} as SlotInput,
    output: {} as SlotOutput,
    events: {} as SlotEvent,
  },
  actors: { worker: workerMachine },
  delays: {
    backoff: ({ context }) => context.backoffDelay,
    resetAfter: ({ context }) => context.policy.backoff.resetAfter,
  },
  guards: {
    isServingEnd,
    isCandidateEnd: ({ context, event }) => context.candidate !== null && endedId(event) === context.candidate,
    isServingEndWithCandidate: (args) => isServingEnd(args) && args.context.candidate !== null,
    isServingEndToRestart: (args) => {
      const end = endOf(args)
      return isServingEnd(args) && shouldRestart(args.context.policy.type, end.exit, end.expected)
    },
    isFromServing: ({ context, event }) => senderId(event) === context.serving,
    isFromCandidate: ({ context, event }) => context.candidate !== null && senderId(event) === context.candidate,
    isHungServing,
    isHungServingWithCandidate: (args) => isHungServing(args) && args.context.candidate !== null,
    isMemoryServing: ({ context, event }) =>
      event.type === 'worker.unhealthy' && event.reason === 'memory' && senderId(event) === context.serving,
    hasPendingReplace: ({ context }) => context.pendingReplace !== null,
    /** The uptime event of a worker that still runs (serving, starting as a replacement, or retiring). */
    isLiveUptime: ({ context, event }) =>
      event.type === UPTIME_EVENT && [context.serving, context.candidate, ...context.retiring].includes(toWorkerChildId(event.incarnation)),
    isCrashRestart: ({ context }) => context.restartKind === 'crash',
    isOnRollbackGeneration: ({ context, event }) => event.type === 'rollback' && context.generation === event.generation,
    isCandidateOnRollbackGeneration: ({ context, event }) =>
      event.type === 'rollback' && context.candidate !== null && context.candidateGeneration === event.generation,
    hasBackoff: ({ context }) => context.attempt > 0,
    hasNoLiveWorkers: ({ context }) => context.serving === null && context.candidate === null && context.retiring.length === 0,
  },
  actions: {
    spawnServing: enqueueActions(({ context, enqueue }) => {
      const incarnation = context.incarnation + 1
      const id = toWorkerChildId(incarnation)
      enqueue.assign({ incarnation, serving: id, reason: `starting ${id} (generation ${context.generation})` })
      enqueue.spawnChild('worker', { id, input: workerInput(context, incarnation, context.generation) })
      // The fork is now: its uptime starts. A raise, not an `after`, so that it outlives state changes.
      enqueue.raise({ type: UPTIME_EVENT, incarnation }, { delay: context.policy.minUptime, id: toUptimeTimerId(incarnation) })
    }),
    spawnCandidate: enqueueActions(({ context, enqueue }) => {
      const incarnation = context.incarnation + 1
      const id = toWorkerChildId(incarnation)
      const generation = context.pendingReplace?.generation ?? context.generation
      const reason = context.pendingReplace?.reason ?? 'replace'
      enqueue.assign({ incarnation, candidate: id, candidateGeneration: generation, pendingReplace: null, reason })
      enqueue.spawnChild('worker', { id, input: workerInput(context, incarnation, generation) })
      enqueue.raise({ type: UPTIME_EVENT, incarnation }, { delay: context.policy.minUptime, id: toUptimeTimerId(incarnation) })
    }),
    /**
     * A worker machine that threw leaves its `process` actor running: xstate stops a machine's
     * children in a transition, not when an action throws, and a non-root actor cannot be stopped
     * from outside. Tell the orphan to SIGKILL its process through the usual command.
     */
    killOrphanedProcess: enqueueActions(({ event, self, enqueue }) => {
      if (!event.type.startsWith('xstate.error.actor.')) return
      const worker = self.getSnapshot().children[endedId(event) ?? ''] as AnyActorRef | undefined
      const children = (worker?.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children
      const orphans = Object.values(children ?? {})
      enqueue(() => {
        for (const orphan of orphans) orphan?.send({ type: 'signal', signal: 'SIGKILL' } satisfies ProcessCommand)
      })
    }),
    /** Forgets a worker that ended and removes its finished actor from the children. */
    dropWorker: enqueueActions(({ context, event, enqueue }) => {
      const id = endedId(event)
      if (id === null) return
      enqueue.assign({
        serving: context.serving === id ? null : context.serving,
        candidate: context.candidate === id ? null : context.candidate,
        retiring: context.retiring.filter((r) => r !== id),
        up: context.up.filter((u) => u !== id),
        lastExit: endOf({ context, event }),
      })
      enqueue.stopChild(id)
      enqueue.cancel(toUptimeTimerId(Number(id.replace(/^worker-/, ''))))
    }),
    promoteCandidate: assign(({ context }) => ({
      serving: context.candidate,
      candidate: null,
      generation: context.candidateGeneration,
    })),
    retireServing: enqueueActions(({ context, enqueue }) => {
      if (context.serving === null) return
      const reason = `replaced by ${context.candidate ?? 'a new worker'}`
      enqueue.sendTo(context.serving, { type: 'stop', reason })
      enqueue.assign({ retiring: [...context.retiring, context.serving], serving: null, reason })
    }),
    killServing: enqueueActions(({ context, event, enqueue }) => {
      if (context.serving === null || event.type !== 'worker.unhealthy') return
      const reason = `hung: ${event.detail}`
      enqueue.sendTo(context.serving, { type: 'kill', reason })
      enqueue.assign({ retiring: [...context.retiring, context.serving], serving: null, reason })
    }),
    /** Stops a replacement that is still starting; it retires like any replaced worker. */
    cancelCandidate: enqueueActions(({ context, event, enqueue }) => {
      if (context.candidate === null) return
      const reason = `${event.type === 'rollback' ? event.reason : 'cancelled'}: ${context.candidate} (generation ${context.candidateGeneration}) cancelled`
      enqueue.sendTo(context.candidate, { type: 'stop', reason })
      enqueue.assign({ retiring: [...context.retiring, context.candidate], candidate: null, reason })
    }),
    /** The slot already runs the generation asked for: nothing to replace. */
    confirmGeneration: assign(({ context, event }) =>
      event.type === 'rollback'
        ? { pendingReplace: null, reason: `${event.reason}: ${context.serving ?? 'the slot'} runs generation ${event.generation}` }
        : {},
    ),
    clearPendingReplace: assign({ pendingReplace: null }),
    stopAllWorkers: enqueueActions(({ context, event, enqueue }) => {
      const reason = event.type === 'stop' ? event.reason : context.reason
      for (const id of [context.serving, context.candidate, ...context.retiring]) {
        if (id !== null) enqueue.sendTo(id, { type: 'stop', reason })
      }
    }),
    recordStop: assign(({ event }) => (event.type === 'stop' ? { reason: `stop requested: ${event.reason}` } : {})),
    recordListening: assign(({ context }) => ({ reason: `${context.serving} listening` })),
    recordPendingReplace: assign(({ event }) =>
      event.type === 'replace' || event.type === 'rollback'
        ? { pendingReplace: { generation: event.generation, reason: event.reason } }
        : {},
    ),
    recordMemoryReplace: assign(({ context, event }) =>
      event.type === 'worker.unhealthy' ? { pendingReplace: { generation: context.generation, reason: `memory: ${event.detail}` } } : {},
    ),
    /** A slot whose worker ended holds no worker to replace: its next start runs the new generation. */
    settlePendingReplace: assign(({ context }) =>
      context.pendingReplace === null ? {} : { generation: context.pendingReplace.generation, pendingReplace: null },
    ),
    acceptGeneration: assign(({ event }) =>
      event.type === 'replace' || event.type === 'rollback'
        ? { generation: event.generation, reason: `no worker running: the next start runs generation ${event.generation}` }
        : {},
    ),
    markUp: assign(({ context, event }) => {
      if (event.type !== UPTIME_EVENT) return {}
      const id = toWorkerChildId(event.incarnation)
      return {
        up: [...context.up, id],
        reason: `${id} up for restart.minUptime (${context.policy.minUptime}ms) since its fork: once it has listened, its exit is a crash, restarted at once`,
      }
    }),
    recordRestartDecision: assign((args) => {
      const end = endOf(args)
      const decision = describeRestartDecision(args.context.policy.type, end.exit, end.expected)
      const life = lifeOf(args)
      const kind = classifyExit(life)
      // Only a restart has a kind worth saying; a worker not restarted ends the slot's work either way.
      const restarted = shouldRestart(args.context.policy.type, end.exit, end.expected)
      return {
        restartKind: kind,
        reason: restarted
          ? `${end.reason}: ${decision}; ${describeExitKind(life, args.context.policy.minUptime)}`
          : `${end.reason}: ${decision}`,
      }
    }),
    recordCrashRestart: assign(({ context }) => ({
      backoffDelay: 0,
      reason: `restart at once after a crash of a serving worker: ${context.lastExit?.reason ?? 'exit'}`,
    })),
    recordRestartGranted: assign(({ context }) => {
      const delay = computeBackoff(context.attempt, context.policy.backoff)
      return {
        attempt: context.attempt + 1,
        backoffDelay: delay,
        reason: `restart ${context.attempt + 1} in ${delay}ms after: ${context.lastExit?.reason ?? 'exit'}`,
      }
    }),
    resetBackoff: assign(({ context }) => ({
      attempt: 0,
      reason: `stable for ${context.policy.backoff.resetAfter}ms: backoff reset`,
    })),
    notifyExit: sendParent((args): SlotParentEvent => ({ type: 'slot.notify', event: { type: 'worker.exit', ...endOf(args) } })),
    notifyRestart: sendParent(
      ({ context }): SlotParentEvent => ({
        type: 'slot.notify',
        event: {
          type: 'worker.restart',
          slotId: context.slotId,
          kind: context.restartKind,
          attempt: context.attempt,
          delay: context.backoffDelay,
          reason: context.reason,
        },
      }),
    ),
    notifyReplace: sendParent(
      ({ context }): SlotParentEvent => ({
        type: 'slot.notify',
        event: { type: 'worker.replace', slotId: context.slotId, reason: context.reason },
      }),
    ),
    requestRestart: sendParent(
      ({ context }): SlotParentEvent => ({
        type: 'slot.restartRequest',
        slotId: context.slotId,
        kind: context.restartKind,
        exit: context.lastExit?.exit ?? { code: null, signal: null },
        reason: context.lastExit?.reason ?? 'exit',
      }),
    ),
    chargeRestart: sendParent(
      ({ context }): SlotParentEvent => ({
        type: 'slot.restartCharged',
        slotId: context.slotId,
        exit: { code: null, signal: null },
        reason: context.reason,
      }),
    ),
    reportReplaced: sendParent(
      ({ context }): SlotParentEvent => ({ type: 'slot.replaced', slotId: context.slotId, generation: context.generation }),
    ),
    reportReplaceFailed: sendParent(
      (args): SlotParentEvent => ({
        type: 'slot.replaceFailed',
        slotId: args.context.slotId,
        generation: args.context.candidateGeneration,
        reason: endOf(args).reason,
        servingGeneration: args.context.generation,
      }),
    ),
  },
})
