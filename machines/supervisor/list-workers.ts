/**
 * Reads the worker actors out of a running supervisor, for `cluster.workers()` and the live view.
 */
import type { AnyActorRef } from 'xstate'
import type { WorkerActorRef, WorkerContext } from '../worker/worker.js'
import type { SlotContext } from '../slot/slot-events.js'

/** What a worker does for its slot right now. */
export type WorkerRole = 'serving' | 'candidate' | 'retiring'

/** One live worker machine of a supervisor. */
export interface WorkerListing {
  slotId: string
  /** The worker's child id inside its slot: `worker-<incarnation>`. */
  childId: string
  role: WorkerRole
  actor: WorkerActorRef
  /** The worker's state value, e.g. `'listening'` or `{ disconnecting: 'draining' }`. */
  value: unknown
  context: WorkerContext
}

interface ActorWithChildren {
  getSnapshot(): { children: Record<string, AnyActorRef | undefined> }
}

/**
 * Lists every live worker machine of a supervisor actor. The supervisor's children are its
 * slots (child id = `slotId`); a slot's context names its `serving` and `candidate` children and
 * its `retiring` ones; each is `slot.getSnapshot().children[childId]`.
 *
 * @example
 * for (const w of listWorkers(actor)) console.log(w.slotId, w.role, w.value, w.context.pid)
 */
export function listWorkers(supervisor: ActorWithChildren): WorkerListing[] {
  const listings: WorkerListing[] = []
  for (const slot of Object.values(supervisor.getSnapshot().children)) {
    if (!slot) continue
    const snapshot = slot.getSnapshot() as { context?: SlotContext; children?: Record<string, AnyActorRef | undefined> }
    const context = snapshot.context
    if (!context || !snapshot.children) continue
    const roles: Array<[string | null, WorkerRole]> = [
      [context.serving, 'serving'],
      [context.candidate, 'candidate'],
      ...context.retiring.map((id): [string, WorkerRole] => [id, 'retiring']),
    ]
    for (const [childId, role] of roles) {
      const actor = childId === null ? undefined : (snapshot.children[childId] as WorkerActorRef | undefined)
      if (!actor || childId === null) continue
      const workerSnapshot = actor.getSnapshot()
      listings.push({ slotId: context.slotId, childId, role, actor, value: workerSnapshot.value, context: workerSnapshot.context })
    }
  }
  return listings
}
