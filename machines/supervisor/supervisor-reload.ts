/**
 * The rolling reload, as pure functions of the supervisor's context and event:
 * `supervisor-setup.ts` binds them to the named guards and actions of the supervisor machine
 * (`isReloadSlot`, `isStaleReload`, `isReloadComplete`, `beginReload`, `replaceNextSlots`,
 * `recordSlotReplaced`, `recordReloadDone`, `emitReloadDone`, `refuseStaleReload`); its rollback,
 * when a replacement fails, is in `supervisor-rollback.ts`.
 *
 * A reload replaces the slots `maxUnavailable` at a time, new worker first, and is done when every
 * slot runs the new generation.
 */
import type { SlotCommand } from '../slot/slot-events.js'
import type { SupervisorArgs, SupervisorContext } from './supervisor-context.js'
import type { SupervisorEmitted } from '../types.js'

/** The slots a reload (or its rollback) sends its next commands to, and the queues without them. */
export type NextSlots = Pick<SupervisorContext, 'reloadQueue' | 'reloadInFlight'> & { next: string[] }

/** The next slots to command: as many as `maxUnavailable` leaves room for. */
export function takeNextSlots(context: SupervisorContext): NextSlots {
  const room = Math.max(1, context.reload.maxUnavailable) - context.reloadInFlight.length
  const next = context.reloadQueue.slice(0, Math.max(0, room))
  return { next, reloadQueue: context.reloadQueue.slice(next.length), reloadInFlight: [...context.reloadInFlight, ...next] }
}

/** Guard: the event answers a replacement command this reload waits for. */
export function isReloadSlot({ context, event }: SupervisorArgs): boolean {
  return (
    (event.type === 'slot.replaced' || event.type === 'slot.replaceFailed') &&
    event.generation === context.generation &&
    context.reloadInFlight.includes(event.slotId)
  )
}

/** Guard: the `reload` asks for a generation that is not newer than the current one. */
export function isStaleReload({ context, event }: SupervisorArgs): boolean {
  return event.type === 'reload' && event.generation !== undefined && !(event.generation > context.generation)
}

/** Guard: the reload (or its rollback) has no slot left to command nor to wait for. */
export function isReloadComplete({ context }: SupervisorArgs): boolean {
  return context.reloadQueue.length === 0 && context.reloadInFlight.length === 0
}

/** Starts a reload: the generation asked for (or the next one), every running slot queued. */
export function beginReload({ context, event }: SupervisorArgs): Partial<SupervisorContext> {
  const generation = event.type === 'reload' && event.generation !== undefined ? event.generation : context.generation + 1
  return {
    generation,
    reloadQueue: [...context.slots],
    reloadInFlight: [],
    reason: `rolling reload to generation ${generation}, ${context.reload.maxUnavailable} at a time`,
  }
}

/** The command that moves one slot to the reload's generation. */
export function createReplaceCommand(context: SupervisorContext): SlotCommand {
  return { type: 'replace', generation: context.generation, reason: `reload to generation ${context.generation}` }
}

/** Records a slot that runs the new generation now. */
export function recordSlotReplaced({ context, event }: SupervisorArgs): Partial<SupervisorContext> {
  if (event.type !== 'slot.replaced') return {}
  const reloadInFlight = context.reloadInFlight.filter((s) => s !== event.slotId)
  const done = context.slots.length - context.reloadQueue.length - reloadInFlight.length
  return { reloadInFlight, reason: `${event.slotId} runs generation ${event.generation} (${done} of ${context.slots.length} slots)` }
}

/** Ends a reload that reached every slot: its generation becomes the stable one. */
export function recordReloadDone({ context }: SupervisorArgs): Partial<SupervisorContext> {
  return {
    stableGeneration: context.generation,
    slotGenerations: Object.fromEntries(context.slots.map((slotId) => [slotId, context.generation])),
    reason: `reload to generation ${context.generation} done`,
  }
}

/** `reload.done` once every slot runs the new generation. */
export function createReloadDoneEvent({ context }: SupervisorArgs): Extract<SupervisorEmitted, { type: 'reload.done' }> {
  return { type: 'reload.done', generation: context.generation }
}

/** `reload.failed` for a `reload` that asks for a generation that is not newer than the current one. */
export function createStaleReloadEvent({ context, event }: SupervisorArgs): Extract<SupervisorEmitted, { type: 'reload.failed' }> {
  return {
    type: 'reload.failed',
    reason: `reload refused: generation ${event.type === 'reload' ? event.generation : '?'} is not newer than the current generation ${context.generation}`,
    generation: null,
  }
}
