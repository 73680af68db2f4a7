/**
 * The supervisor: starts `count` slots, grants restarts under two shared budgets (start failures:
 * at most `maxRestarts` in a sliding `period`; crashes of serving workers: at most `maxCrashes`
 * in `crashPeriod`, see `supervisor-budget.ts`), stops gracefully, and reloads rolling, new worker first.
 *
 * ```
 * running ⇄ reloading ─a replacement failed─▶ rollingBack ─every slot reached is back─▶ running
 *    │   stop (running, reloading, rollingBack) ─▶ stopping ─(all slots stopped)─▶ stopped
 *    └──── a budget spent ─▶ failing ─(all slots stopped)─▶ failed
 * ```
 * A reload ends with every slot on one generation: `reload.done` when all run the new one;
 * otherwise the slots it reached roll back to the previous one and `reload.failed` says which
 * generation each slot runs (they differ only when a rollback could not start a worker of the
 * previous generation; the reason then names that slot). A stop or a failure cuts a reload short
 * with a `reload.failed` at once.
 * It emits {@link SupervisorEmitted} events from the root: `actor.on('worker.exit', fn)`.
 * Children: one slot per position, child id = `slotId` = `slot-<index>`; see `listWorkers`.
 */
import { slotMachine } from '../slot/slot.js'
import { BUDGET_EXPIRE_EVENT, CRASH_EXPIRE_EVENT, supervisorSetup } from './supervisor-setup.js'
import { workerMachine } from '../worker/worker.js'
import type { ProcessLogic } from '../worker/process-placeholder.js'
import type { SupervisorEmitted } from '../types.js'

const GRANT_OR_FAIL = [
  { guard: 'hasBudget', actions: 'grantRestart' },
  { target: 'failing', actions: 'recordFailure' },
] as const
/**
 * While a reload or its rollback runs, a stop or a failure ends it too: say so, so that nobody
 * waits for a `reload.done` or `reload.failed` that would never come.
 */
const RELOAD_INTERRUPTIONS = {
  stop: { target: 'stopping', actions: ['recordStop', 'emitReloadInterrupted'] },
  'slot.restartRequest': [GRANT_OR_FAIL[0], { target: 'failing', actions: ['recordFailure', 'emitReloadInterrupted'] }],
  'slot.restartCharged': [GRANT_OR_FAIL[0], { target: 'failing', actions: ['recordFailure', 'emitReloadInterrupted'] }],
  'xstate.error.actor.*': { target: 'failing', actions: ['killOrphanedWorkers', 'recordSlotError', 'dropSlot', 'emitReloadInterrupted'] },
} as const

/**
 * The supervisor machine with a placeholder process actor; use {@link createSupervisorMachine}
 * to run real processes.
 */
export const supervisorMachine = supervisorSetup.createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    ...input,
    generation: 0,
    stableGeneration: 0,
    slots: [],
    slotGenerations: {},
    restarts: 0,
    crashes: 0,
    reloadQueue: [],
    reloadInFlight: [],
    rollback: null,
    failure: null,
    reason: 'starting',
  }),
  entry: 'spawnSlots',
  on: {
    'slot.notify': { actions: 'forwardNotice' },
    'xstate.done.actor.*': { actions: 'dropSlot' },
    [BUDGET_EXPIRE_EVENT]: { actions: 'expireRestart' },
    [CRASH_EXPIRE_EVENT]: { actions: 'expireCrash' },
    reload: { actions: { type: 'refuseReload', params: { reason: 'the supervisor is stopping' } } },
  },
  initial: 'running',
  states: {
    running: {
      on: {
        stop: { target: 'stopping', actions: 'recordStop' },
        reload: [{ guard: 'isStaleReload', actions: 'refuseStaleReload' }, { target: 'reloading' }],
        'slot.restartRequest': GRANT_OR_FAIL,
        'slot.restartCharged': GRANT_OR_FAIL,
        'xstate.error.actor.*': { target: 'failing', actions: ['killOrphanedWorkers', 'recordSlotError', 'dropSlot'] },
      },
    },
    reloading: {
      entry: ['beginReload', 'replaceNextSlots'],
      always: { guard: 'isReloadComplete', target: 'running', actions: ['recordReloadDone', 'emitReloadDone'] },
      on: {
        ...RELOAD_INTERRUPTIONS,
        reload: { actions: { type: 'refuseReload', params: { reason: 'a reload is already in progress' } } },
        'slot.replaced': { guard: 'isReloadSlot', actions: ['recordSlotReplaced', 'replaceNextSlots'] },
        'slot.replaceFailed': { guard: 'isReloadSlot', target: 'rollingBack', actions: 'beginRollback' },
      },
    },
    rollingBack: {
      entry: 'rollBackNextSlots',
      always: { guard: 'isReloadComplete', target: 'running', actions: ['recordRollbackDone', 'emitReloadFailed'] },
      on: {
        ...RELOAD_INTERRUPTIONS,
        reload: { actions: { type: 'refuseReload', params: { reason: 'a failed reload is rolling back' } } },
        'slot.replaced': { guard: 'isRollbackSlot', actions: ['recordRollbackAnswer', 'rollBackNextSlots'] },
        'slot.replaceFailed': { guard: 'isRollbackSlot', actions: ['recordRollbackAnswer', 'rollBackNextSlots'] },
      },
    },
    stopping: {
      entry: 'stopAllSlots',
      always: { guard: 'hasNoSlots', target: 'stopped' },
      on: { 'xstate.error.actor.*': { actions: ['killOrphanedWorkers', 'dropSlot'] } },
    },
    failing: {
      entry: 'stopAllSlots',
      always: { guard: 'hasNoSlots', target: 'failed' },
      on: {
        'xstate.error.actor.*': { actions: ['killOrphanedWorkers', 'dropSlot'] },
        reload: { actions: { type: 'refuseReload', params: { reason: 'the supervisor is failing' } } },
      },
    },
    stopped: { type: 'final', entry: 'emitStopped' },
    failed: { type: 'final', entry: 'emitFailed' },
  },
  output: ({ context }) => ({ status: context.failure ? 'failed' : 'stopped', reason: context.reason }),
})

/**
 * Wires a process actor logic into worker → slot → supervisor. A root `.provide()` does not
 * reach nested machines, so each level is provided in turn.
 *
 * @example
 * const machine = createSupervisorMachine({ process: fromCallback(({ input, sendBack, receive }) => { … }) })
 * const actor = createActor(machine, { input }).start()
 * actor.on('worker.exit', (event) => console.log(event.slotId, event.exit))
 */
export function createSupervisorMachine({ process }: { process: ProcessLogic }): typeof supervisorMachine {
  const worker = workerMachine.provide({ actors: { process } })
  const slot = slotMachine.provide({ actors: { worker } })
  return supervisorMachine.provide({ actors: { slot } })
}

export type { SupervisorEmitted }
