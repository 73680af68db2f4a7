/**
 * The named guards, actions and delays of the supervisor machine (its shape is in `supervisor.ts`);
 * those of the rolling reload are in `supervisor-reload.ts`, those of the rollback of a failed
 * reload in `supervisor-rollback.ts`, those of the restart budget in `supervisor-budget.ts`.
 */
import { assign, emit, enqueueActions, setup } from 'xstate'
import type { AnyActorRef } from 'xstate'
import { slotMachine } from '../slot/slot.js'
import type { SlotCommand } from '../slot/slot-events.js'
import {
  expireCrash,
  expireRestart,
  hasBudget,
  isCrashLimited,
  isRestartEvent,
  kindOf,
  recordFailure,
  recordRestart,
} from './supervisor-budget.js'
import {
  beginReload,
  createReloadDoneEvent,
  createReplaceCommand,
  createStaleReloadEvent,
  isReloadComplete,
  isReloadSlot,
  isStaleReload,
  recordReloadDone,
  recordSlotReplaced,
  takeNextSlots,
} from './supervisor-reload.js'
import {
  createReloadFailedEvent,
  createReloadInterruptedEvent,
  createRollbackCommand,
  finishRollback,
  isRollbackSlot,
  planRollback,
  recordRollbackAnswer,
} from './supervisor-rollback.js'
import { BUDGET_EXPIRE_EVENT, CRASH_EXPIRE_EVENT, toSlotId } from './supervisor-context.js'
import type { SupervisorContext, SupervisorEvent } from './supervisor-context.js'
import type { SupervisorEmitted, SupervisorInput, SupervisorOutput, WorkerCommand } from '../types.js'

function endedSlotId(type: string): string {
  return type.replace(/^xstate\.(done|error)\.actor\./, '')
}

// Re-exported: `supervisor.ts`, the runtime and the tests import them from here.
export { BUDGET_EXPIRE_EVENT, CRASH_EXPIRE_EVENT, toSlotId }
export type { SupervisorContext, SupervisorEvent }

/** Setup of the supervisor machine; `supervisor.ts` creates the machine from it. */
export const supervisorSetup = setup({
  types: {
    context: {} as SupervisorContext,
    input: {} as SupervisorInput,
    output: {} as SupervisorOutput,
    events: {} as SupervisorEvent,
    emitted: {} as SupervisorEmitted,
  },
  actors: { slot: slotMachine },
  delays: {
    period: ({ context }) => context.policy.period,
    crashPeriod: ({ context }) => context.policy.crashPeriod,
  },
  guards: {
    hasBudget,
    hasNoSlots: ({ context }) => context.slots.length === 0,
    isReloadSlot,
    isStaleReload,
    isRollbackSlot,
    isReloadComplete,
  },
  actions: {
    spawnSlots: enqueueActions(({ context, enqueue }) => {
      const slots = Array.from({ length: context.count }, (_, index) => toSlotId(index))
      const slotGenerations = Object.fromEntries(slots.map((slotId) => [slotId, context.generation]))
      enqueue.assign({ slots, slotGenerations, reason: `starting ${slots.length} workers` })
      for (const slotId of slots) {
        enqueue.spawnChild('slot', {
          id: slotId,
          input: { slotId, generation: context.generation, policy: context.policy, timeouts: context.timeouts, health: context.health },
        })
      }
    }),
    // Only ever bound to `slot.notify`.
    forwardNotice: emit(({ event }) => (event as Extract<SupervisorEvent, { type: 'slot.notify' }>).event),
    dropSlot: enqueueActions(({ context, event, enqueue }) => {
      const slotId = endedSlotId(event.type)
      enqueue.assign({ slots: context.slots.filter((s) => s !== slotId) })
      enqueue.stopChild(slotId)
    }),
    /**
     * A slot machine that threw leaves its worker machines running (xstate stops children in a
     * transition, not when an action throws): kill them, so each kills its process.
     */
    killOrphanedWorkers: enqueueActions(({ event, self, enqueue }) => {
      const slot = self.getSnapshot().children[endedSlotId(event.type)] as AnyActorRef | undefined
      const children = (slot?.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> } | undefined)?.children
      const orphans = Object.values(children ?? {})
      const reason = `${endedSlotId(event.type)} failed`
      enqueue(() => {
        for (const orphan of orphans) orphan?.send({ type: 'kill', reason } satisfies WorkerCommand)
      })
    }),
    recordSlotError: assign(({ event }) => ({
      failure: { slotId: endedSlotId(event.type), kind: 'start-failure' as const, exit: { code: null, signal: null } },
      reason: `${endedSlotId(event.type)} failed: ${'error' in event && event.error instanceof Error ? event.error.message : 'unknown error'}`,
    })),
    grantRestart: enqueueActions(({ context, event, enqueue }) => {
      if (!isRestartEvent(event)) return
      enqueue.assign(recordRestart({ context, event }))
      if (event.type === 'slot.restartRequest') enqueue.sendTo(event.slotId, { type: 'restart.granted' } satisfies SlotCommand)
      if (kindOf(event) === 'start-failure') enqueue.raise({ type: BUDGET_EXPIRE_EVENT }, { delay: 'period' })
      else if (isCrashLimited(context)) enqueue.raise({ type: CRASH_EXPIRE_EVENT }, { delay: 'crashPeriod' })
    }),
    expireRestart: assign(expireRestart),
    expireCrash: assign(expireCrash),
    recordFailure: assign(recordFailure),
    recordStop: assign(({ event }) => (event.type === 'stop' ? { reason: `stop requested: ${event.reason}` } : {})),
    stopAllSlots: enqueueActions(({ context, event, enqueue }) => {
      const reason = event.type === 'stop' ? event.reason : context.reason
      for (const slotId of context.slots) enqueue.sendTo(slotId, { type: 'stop', reason } satisfies SlotCommand)
    }),
    beginReload: assign(beginReload),
    replaceNextSlots: enqueueActions(({ context, enqueue }) => {
      const { next, reloadQueue, reloadInFlight } = takeNextSlots(context)
      if (next.length === 0) return
      enqueue.assign({ reloadQueue, reloadInFlight })
      for (const slotId of next) enqueue.sendTo(slotId, createReplaceCommand(context))
    }),
    recordSlotReplaced: assign(recordSlotReplaced),
    recordReloadDone: assign(recordReloadDone),
    beginRollback: assign(planRollback),
    rollBackNextSlots: enqueueActions(({ context, enqueue }) => {
      const { next, reloadQueue, reloadInFlight } = takeNextSlots(context)
      if (next.length === 0) return
      enqueue.assign({ reloadQueue, reloadInFlight })
      for (const slotId of next) enqueue.sendTo(slotId, createRollbackCommand(context))
    }),
    recordRollbackAnswer: assign(recordRollbackAnswer),
    recordRollbackDone: assign(finishRollback),
    emitReloadDone: emit(createReloadDoneEvent),
    emitReloadFailed: emit(createReloadFailedEvent),
    emitReloadInterrupted: emit(createReloadInterruptedEvent),
    refuseStaleReload: emit(createStaleReloadEvent),
    refuseReload: emit((_, params: { reason: string }) => ({
      type: 'reload.failed',
      reason: `reload refused: ${params.reason}`,
      generation: null,
    })),
    emitStopped: emit(({ context }) => ({ type: 'stopped', reason: context.reason })),
    emitFailed: emit(({ context }) => ({
      type: 'failed',
      slotId: context.failure?.slotId ?? '',
      kind: context.failure?.kind ?? 'start-failure',
      exit: context.failure?.exit ?? { code: null, signal: null },
      restarts: context.failure?.kind === 'crash' ? context.crashes : context.restarts,
      period: context.failure?.kind === 'crash' ? context.policy.crashPeriod : context.policy.period,
      reason: context.reason,
    })),
  },
})
