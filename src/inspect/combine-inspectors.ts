/**
 * One XState `inspect` hook that feeds several observers: the user's inspector (for example
 * `@statelyai/inspect`'s) and the live view.
 */
import type { InspectionEvent, Observer } from 'xstate'
import { describeObserverFailure } from './messages.js'

/** What `createActor(machine, { inspect })` accepts: an observer object or a function. */
export type XclusterInspector = Observer<InspectionEvent> | ((event: InspectionEvent) => void)

/**
 * Combines inspection observers into one function for `createActor({ inspect })`. Missing ones
 * are skipped. An observer that throws is skipped for that event (with one process warning per
 * observer), so a broken inspector can never stop the supervisor or another inspector.
 *
 * @example
 * import { createWebSocketInspector } from '@statelyai/inspect'
 * const inspector = createWebSocketInspector()
 * const inspect = combineInspectors(inspector.inspect, view.observer)
 * createActor(supervisorMachine, { inspect }).start()
 */
export function combineInspectors(...observers: Array<XclusterInspector | undefined>): (event: InspectionEvent) => void {
  const calls = observers
    .filter((o): o is XclusterInspector => o !== undefined && o !== null)
    .map((observer) => {
      const next = typeof observer === 'function' ? observer : observer.next?.bind(observer)
      return { next, hasWarned: false }
    })
    .filter((c): c is { next: (event: InspectionEvent) => void; hasWarned: boolean } => typeof c.next === 'function')
  return (event) => {
    for (const call of calls) {
      try {
        call.next(event)
      } catch (error) {
        if (!call.hasWarned) {
          call.hasWarned = true
          process.emitWarning(describeObserverFailure(error), { code: 'XCLUSTER_INSPECTOR_THREW' })
        }
      }
    }
  }
}
