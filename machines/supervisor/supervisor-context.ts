/**
 * The supervisor machine's context and events, and the argument its guards and actions get: the
 * vocabulary that `supervisor-setup.ts` and the pure helpers beside it (`supervisor-budget.ts`,
 * `supervisor-reload.ts`, `supervisor-rollback.ts`) share, so none of them imports another.
 */
import type { SlotOutput, SlotParentEvent } from '../slot/slot-events.js'
import type { ExitInfo, RestartKind, SupervisorCommand, SupervisorInput } from '../types.js'

/** Raised `policy.period` ms after each start failure restarted: it leaves the crash-loop budget's window. */
export const BUDGET_EXPIRE_EVENT = 'xcluster.budget.expire'

/** Raised `policy.crashPeriod` ms after each crash restarted (when `maxCrashes` is finite): it leaves the crash limit's window. */
export const CRASH_EXPIRE_EVENT = 'xcluster.crashes.expire'

/** A failed reload on its way back to the previous generation. */
export interface RollbackProgress {
  /** Why the reload failed: which slot, how its new worker ended. */
  cause: string
  /** The slots the reload had reached besides the one that failed: replaced, or replacing. */
  slots: string[]
  /** Slots that could not go back: their worker of the previous generation failed to start too. */
  stuck: Array<{ slotId: string; generation: number; reason: string }>
}

/** Everything the supervisor holds; `reason` explains the last decision. */
export interface SupervisorContext extends SupervisorInput {
  /** The reload generation; 0 until the first reload, then +1 per accepted reload. */
  generation: number
  /**
   * The generation of the last reload that completed (0 before any): outside a reload every slot
   * runs it, and a failed reload rolls every slot it reached back to it.
   */
  stableGeneration: number
  /** Child ids (= slot ids) of the slots still running. */
  slots: string[]
  /**
   * The generation each slot runs (or starts next, when it has no worker), by slot id, as the
   * slots reported it: set at start, by a completed reload, and by each answer to a rollback. A
   * slot changes generation only through a reload, so between reloads this stays exact.
   */
  slotGenerations: Record<string, number>
  /** Start failures restarted (and hung workers replaced) within the last `policy.period` ms. */
  restarts: number
  /** Crashes of serving workers restarted within the last `policy.crashPeriod` ms (counted only when `maxCrashes` is finite). */
  crashes: number
  /** Slots the reload (or its rollback) has yet to send a command to. */
  reloadQueue: string[]
  /** Slots whose answer (`slot.replaced` / `slot.replaceFailed`) the reload or rollback waits for. */
  reloadInFlight: string[]
  /** Set from the moment a reload fails until every slot it reached is back. */
  rollback: RollbackProgress | null
  /** Set when a budget was spent (which one: `kind`): which slot, how it ended. */
  failure: { slotId: string; kind: RestartKind; exit: ExitInfo } | null
  reason: string
}

/** Every event the supervisor accepts. */
export type SupervisorEvent =
  | SupervisorCommand
  | SlotParentEvent
  | { type: typeof BUDGET_EXPIRE_EVENT }
  | { type: typeof CRASH_EXPIRE_EVENT }
  | { type: `xstate.done.actor.${string}`; output: SlotOutput }
  | { type: `xstate.error.actor.${string}`; error: unknown }

/**
 * The child id of slot number `index`, which is also its `slotId`.
 *
 * @example
 * toSlotId(0) // → 'slot-0'
 */
export function toSlotId(index: number): string {
  return `slot-${index}`
}

/** What a guard or an action of the supervisor gets. */
export interface SupervisorArgs {
  context: SupervisorContext
  event: SupervisorEvent
}
