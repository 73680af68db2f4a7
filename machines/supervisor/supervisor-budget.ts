/**
 * The restart budget, as pure functions of the supervisor's context and event:
 * `supervisor-setup.ts` binds them to the named guard and actions of the supervisor machine
 * (`hasBudget`, `grantRestart`, `expireRestart`, `recordFailure`).
 *
 * The budget is one for all slots: at most `policy.maxRestarts` restarts within a sliding window
 * of `policy.period` ms. A slot asks before each restart (`slot.restartRequest`) and waits for
 * `restart.granted`; a slot that killed a hung worker has already replaced it and only reports
 * the restart (`slot.restartCharged`), which is charged all the same, so a worker that hangs every
 * time spends the budget instead of looping forever. Each restart counted raises
 * {@link BUDGET_EXPIRE_EVENT} `period` ms later, which takes it out of the window. A restart the
 * budget cannot pay for fails the supervisor.
 */
import { BUDGET_EXPIRE_EVENT } from './supervisor-context.js'
import type { SupervisorArgs, SupervisorContext, SupervisorEvent } from './supervisor-context.js'


/** A restart a slot asks for, or one it reports after replacing a hung worker. */
export type RestartEvent = Extract<SupervisorEvent, { type: 'slot.restartRequest' | 'slot.restartCharged' }>

/** Whether the event spends the budget: a restart asked for or a hung worker replaced. */
export function isRestartEvent(event: SupervisorEvent): event is RestartEvent {
  return event.type === 'slot.restartRequest' || event.type === 'slot.restartCharged'
}

/** Guard: one more restart fits in the window. */
export function hasBudget({ context }: SupervisorArgs): boolean {
  return context.restarts < context.policy.maxRestarts
}

/**
 * Counts one restart in the window (the caller grants it to the slot when it was asked for, and
 * raises {@link BUDGET_EXPIRE_EVENT} `period` ms later).
 */
export function recordRestart({ context, event }: { context: SupervisorContext; event: RestartEvent }): Partial<SupervisorContext> {
  const restarts = context.restarts + 1
  const verb = event.type === 'slot.restartRequest' ? 'granted' : 'charged (hung worker replaced)'
  return {
    restarts,
    reason: `restart of ${event.slotId} ${verb} (${restarts} of ${context.policy.maxRestarts} in ${context.policy.period}ms)`,
  }
}

/** A restart left the window. */
export function expireRestart({ context }: SupervisorArgs): Partial<SupervisorContext> {
  return { restarts: Math.max(0, context.restarts - 1) }
}

/** The budget is spent: records which slot ended and how, so that the supervisor fails with it. */
export function recordFailure({ context, event }: SupervisorArgs): Partial<SupervisorContext> {
  if (!isRestartEvent(event)) return {}
  const { maxRestarts, period } = context.policy
  return {
    failure: { slotId: event.slotId, exit: event.exit },
    reason:
      `restart budget spent: ${event.slotId} ended (${event.reason}) after ` +
      `${context.restarts} restart${context.restarts === 1 ? '' : 's'} within ${period}ms (maxRestarts ${maxRestarts})`,
  }
}
