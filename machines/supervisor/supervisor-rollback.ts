/**
 * The rollback of a failed reload, as pure functions of the supervisor's context and event:
 * `supervisor-setup.ts` binds them to the named guards and actions of the supervisor machine
 * (`isRollbackSlot`, `beginRollback`, `rollBackNextSlots`, `recordRollbackAnswer`,
 * `recordRollbackDone`, `emitReloadFailed`, `emitReloadInterrupted`).
 *
 * The first replacement that fails ends the reload; every slot it reached goes back to the
 * generation of the last completed reload, and only then is `reload.failed` emitted.
 */
import type { SlotCommand } from '../slot/slot-events.js'
import type { RollbackProgress, SupervisorArgs, SupervisorContext } from './supervisor-context.js'
import type { SupervisorEmitted } from '../types.js'

type ReloadFailedEvent = Extract<SupervisorEmitted, { type: 'reload.failed' }>

/** Guard: the event answers a rollback command this rollback waits for. */
export function isRollbackSlot({ context, event }: SupervisorArgs): boolean {
  return (
    (event.type === 'slot.replaced' || event.type === 'slot.replaceFailed') &&
    event.generation === context.stableGeneration &&
    context.reloadInFlight.includes(event.slotId)
  )
}

/**
 * Turns the reload into its rollback: every slot it reached goes back, the replacements still
 * starting first (cancelled before they take over), then the slots already replaced (new-first,
 * `maxUnavailable` at a time). Slots it never reached are left alone.
 */
export function planRollback({ context, event }: SupervisorArgs): Partial<SupervisorContext> {
  if (event.type !== 'slot.replaceFailed') return {}
  const reached = context.slots.filter((s) => !context.reloadQueue.includes(s))
  const replaced = reached.filter((s) => !context.reloadInFlight.includes(s))
  const cause = `${event.slotId}: new worker failed to start: ${event.reason}`
  const slots = reached.filter((s) => s !== event.slotId)
  return {
    reloadQueue: [...context.reloadInFlight, ...replaced],
    reloadInFlight: [],
    rollback: { cause, slots, stuck: [] },
    reason:
      `reload to generation ${context.generation} failed: ${cause}; rolling back ` +
      `${slots.length === 0 ? 'no other slot' : slots.join(', ')} to generation ${context.stableGeneration}`,
  }
}

/** The command that sends one slot back to the previous generation. */
export function createRollbackCommand(context: SupervisorContext): SlotCommand {
  const reason = `rollback to generation ${context.stableGeneration} (reload to generation ${context.generation} failed)`
  return { type: 'rollback', generation: context.stableGeneration, reason }
}

/** Records a slot's answer to its rollback command: back, or stuck on the generation it serves. */
export function recordRollbackAnswer({ context, event }: SupervisorArgs): Partial<SupervisorContext> {
  if (event.type !== 'slot.replaced' && event.type !== 'slot.replaceFailed') return {}
  const reloadInFlight = context.reloadInFlight.filter((s) => s !== event.slotId)
  const left = context.reloadQueue.length + reloadInFlight.length
  const generation = event.type === 'slot.replaced' ? event.generation : event.servingGeneration
  const slotGenerations = { ...context.slotGenerations, [event.slotId]: generation }
  // A replacement of the very generation the slot already runs may fail: the slot is back all the same.
  if (event.type === 'slot.replaced' || generation === context.stableGeneration) {
    return {
      reloadInFlight,
      slotGenerations,
      reason: `${event.slotId} back on generation ${generation} (${left} slot${left === 1 ? '' : 's'} left)`,
    }
  }
  const stuck = { slotId: event.slotId, generation, reason: event.reason }
  return {
    reloadInFlight,
    slotGenerations,
    rollback: context.rollback && { ...context.rollback, stuck: [...context.rollback.stuck, stuck] },
    reason: `${event.slotId} cannot go back to generation ${context.stableGeneration}: ${event.reason}; it stays on generation ${event.servingGeneration}`,
  }
}

/** Ends the rollback: its reason becomes the whole story of the failed reload. */
export function finishRollback({ context }: SupervisorArgs): Partial<SupervisorContext> {
  return context.rollback ? { rollback: null, reason: describeRollback(context, context.rollback) } : {}
}

/** The whole story of a failed reload, once its rollback is over. */
function describeRollback(context: SupervisorContext, rollback: RollbackProgress): string {
  const stuckIds = rollback.stuck.map((s) => s.slotId)
  const rolledBack = rollback.slots.filter((s) => !stuckIds.includes(s))
  let reason = `reload to generation ${context.generation} failed: ${rollback.cause}`
  if (rolledBack.length > 0) reason += `; rolled back ${rolledBack.join(', ')} to generation ${context.stableGeneration}`
  if (rollback.stuck.length > 0) {
    const stuck = rollback.stuck.map(
      (s) =>
        `${s.slotId} stays on generation ${s.generation} (its generation ${context.stableGeneration} worker failed to start: ${s.reason})`,
    )
    reason += `; rollback incomplete: ${stuck.join('; ')}`
  }
  // Slots this reload never reached keep their generation, which an earlier rollback may have left behind.
  const leftBehind = context.slots.filter(
    (s) => !stuckIds.includes(s) && context.slotGenerations[s] !== undefined && context.slotGenerations[s] !== context.stableGeneration,
  )
  for (const slotId of leftBehind) {
    reason += `; ${slotId} still runs generation ${context.slotGenerations[slotId]} (an earlier rollback could not move it)`
  }
  return reason
}

/** `reload.failed` once the rollback is over: with the generation each slot runs. */
export function createReloadFailedEvent({ context }: SupervisorArgs): ReloadFailedEvent {
  return {
    type: 'reload.failed',
    reason: context.reason,
    generation: context.generation,
    generations: { ...context.slotGenerations },
  }
}

/** `reload.failed` when a stop or a failure ended the reload (or its rollback) before it was over; the slots are stopping. */
export function createReloadInterruptedEvent({ context }: SupervisorArgs): ReloadFailedEvent {
  return {
    type: 'reload.failed',
    reason: context.rollback
      ? `reload to generation ${context.generation} failed: ${context.rollback.cause}; its rollback was interrupted: ${context.reason}`
      : `reload to generation ${context.generation} interrupted: ${context.reason}`,
    generation: context.generation,
  }
}
