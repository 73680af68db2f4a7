import type { SupervisorArgs, SupervisorContext, SupervisorEvent } from './supervisor-context.js'
import type { RestartKind } from '../types.js'

/** A restart a slot asks for, or one it reports after replacing a hung worker. */
export type RestartEvent = Extract<SupervisorEvent, { type: 'slot.restartRequest' | 'slot.restartCharged' }>

/** Whether the event spends a budget: a restart asked for or a hung worker replaced. */
export function isRestartEvent(event: SupervisorEvent): event is RestartEvent {
  return event.type === 'slot.restartRequest' || event.type === 'slot.restartCharged'
}

/** The budget a restart is charged to: a hung worker replaced counts as a start failure. */
export function kindOf(event: RestartEvent): RestartKind {
  return event.type === 'slot.restartRequest' ? event.kind : 'start-failure'
}

/** Whether crashes are counted at all: with `maxCrashes: Infinity` they never fail the supervisor. */
export function isCrashLimited(context: SupervisorContext): boolean {
  return Number.isFinite(context.policy.maxCrashes)
}

/** Guard: one more restart fits in the window of its budget. */
export function hasBudget({ context, event }: SupervisorArgs): boolean {
  if (!isRestartEvent(event)) return false
  if (kindOf(event) === 'crash') return context.crashes < context.policy.maxCrashes
  return context.restarts < context.policy.maxRestarts
}

/**
 * Counts one restart in the window of its budget (the caller grants it to the slot when it was
 * asked for, and raises the expiry event one window later).
 */
export function recordRestart({ context, event }: { context: SupervisorContext; event: RestartEvent }): Partial<SupervisorContext> {
  const { maxRestarts, period, maxCrashes, crashPeriod } = context.policy
  if (kindOf(event) === 'crash') {
    if (!isCrashLimited(context)) {
      return { reason: `restart of ${event.slotId} granted at once: crash of a serving worker (restart.maxCrashes: no limit)` }
    }
    const crashes = context.crashes + 1
    return {
      crashes,
      reason: `restart of ${event.slotId} granted at once: crash of a serving worker (${crashes} of ${maxCrashes} in ${crashPeriod}ms)`,
    }
  }
  const restarts = context.restarts + 1
  const verb = event.type === 'slot.restartRequest' ? 'granted after a start failure' : 'charged (hung worker replaced)'
  return { restarts, reason: `restart of ${event.slotId} ${verb} (${restarts} of ${maxRestarts} in ${period}ms)` }
}

/** A start failure left the window. */
export function expireRestart({ context }: SupervisorArgs): Partial<SupervisorContext> {
  return { restarts: Math.max(0, context.restarts - 1) }
}

/** A crash left the window. */
export function expireCrash({ context }: SupervisorArgs): Partial<SupervisorContext> {
  return { crashes: Math.max(0, context.crashes - 1) }
}

/** A budget is spent: records which slot ended, how, and which budget, so that the supervisor fails with it. */
export function recordFailure({ context, event }: SupervisorArgs): Partial<SupervisorContext> {
  if (!isRestartEvent(event)) return {}
  const kind = kindOf(event)
  const failure = { slotId: event.slotId, kind, exit: event.exit }
  if (kind === 'crash') {
    const { maxCrashes, crashPeriod } = context.policy
    return {
      failure,
      reason:
        `crash limit reached: ${event.slotId} crashed while serving (${event.reason}) after ` +
        `${context.crashes} crash${context.crashes === 1 ? '' : 'es'} within ${crashPeriod}ms (restart.maxCrashes ${maxCrashes})`,
    }
  }
  const { maxRestarts, period } = context.policy
  const what = event.type === 'slot.restartCharged' ? 'replaced a hung worker' : 'failed to start'
  return {
    failure,
    reason:
      `restart budget spent: ${event.slotId} ${what} (${event.reason}) after ` +
      `${context.restarts} restart${context.restarts === 1 ? '' : 's'} within ${period}ms (restart.maxRestarts ${maxRestarts})`,
  }
}
