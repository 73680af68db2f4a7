/**
 * Actors inside workers, shown to the master's inspection observers (your `inspect`, e.g. the
 * Stately inspector, and the live view) under their worker's machine: supervisor → slot → worker →
 * its actors, one tree across processes.
 *
 * Nothing extra crosses the wire: the relay is built from the snapshot reports the workers already
 * send (at most one per actor per tick, so 10,000 busy actors cost at most 10,000 events a tick,
 * and idle ones nothing). Each report becomes an `@xstate.event` (the last event applied, as the
 * master sent it, so its payload is known) and an `@xstate.snapshot` of a stand-in actor ref whose
 * `_parent` is the worker machine's actor in the master; its first report also an `@xstate.actor`.
 * The stand-in's `logic` is the master's own copy of the kind's machine (from the contract), so an
 * inspector draws one chart per kind, however many actors run it.
 * Microsteps and actions inside a worker are not relayed.
 */
import type { AnyActorRef, AnyMachineSnapshot, AnyStateMachine, EventObject, InspectionEvent } from 'xstate'

/** The machine id of the worker lifecycle machine, whose actors parent the relayed ones. */
const WORKER_MACHINE_ID = 'worker'

interface StandIn {
  ref: AnyActorRef
  snapshot: AnyMachineSnapshot
}

const keyOf = (kind: string, id: string): string => `${kind}\u0000${id}`

export class InspectionRelay {
  readonly #observe: (event: InspectionEvent) => void
  readonly #resolve: (kind: string, persisted: unknown) => AnyMachineSnapshot
  readonly #workerRefs = new Map<number, AnyActorRef>()
  readonly #standIns = new Map<string, StandIn>()

  constructor(observe: (event: InspectionEvent) => void, resolve: (kind: string, persisted: unknown) => AnyMachineSnapshot) {
    this.#observe = observe
    this.#resolve = resolve
  }

  /** Learn each worker machine's actor (by node:cluster worker id) from the supervisor's own inspection events. */
  observeSupervisor(event: InspectionEvent): void {
    if (event.type !== '@xstate.snapshot') return
    const ref = event.actorRef as AnyActorRef & { logic?: { id?: string } }
    if (ref.logic?.id !== WORKER_MACHINE_ID) return
    const workerId = (event.snapshot as { context?: { workerId?: unknown } }).context?.workerId
    if (typeof workerId === 'number') this.#workerRefs.set(workerId, ref)
  }

  /** A worker reported (kind, id)'s snapshot after `event`. */
  report(kind: string, id: string, workerId: number, machine: AnyStateMachine, persisted: unknown, event: EventObject | undefined): void {
    const key = keyOf(kind, id)
    let standIn = this.#standIns.get(key)
    if (standIn && (standIn.ref._parent as AnyActorRef | undefined) !== this.#workerRefs.get(workerId)) {
      this.gone(kind, id)
      standIn = undefined
    }
    const snapshot = this.#resolve(kind, persisted)
    const rootId = rootOf(this.#workerRefs.get(workerId))
    if (!standIn) {
      const parent = this.#workerRefs.get(workerId)
      const created: StandIn = { ref: undefined as never, snapshot }
      // Only what inspectors read of an actor ref: ids, parent, logic (for the chart), snapshot.
      created.ref = {
        id: `${kind}:${id}`,
        sessionId: `xcluster:${kind}:${id}@worker-${workerId}`,
        _parent: parent,
        logic: machine,
        src: kind,
        getSnapshot: () => created.snapshot,
      } as unknown as AnyActorRef
      this.#standIns.set(key, created)
      standIn = created
      this.#observe({ type: '@xstate.actor', actorRef: created.ref, rootId } as InspectionEvent)
    }
    standIn.snapshot = snapshot
    if (event) this.#observe({ type: '@xstate.event', actorRef: standIn.ref, rootId, event, sourceRef: undefined } as InspectionEvent)
    this.#observe({
      type: '@xstate.snapshot',
      actorRef: standIn.ref,
      rootId,
      snapshot,
      event: event ?? { type: 'xcluster.restore' },
    } as InspectionEvent)
  }

  /** (kind, id) left its worker (moved, finished, failed): its stand-in stops. */
  gone(kind: string, id: string): void {
    const key = keyOf(kind, id)
    const standIn = this.#standIns.get(key)
    if (!standIn) return
    this.#standIns.delete(key)
    // A final snapshot already told the inspector it ended.
    if (standIn.snapshot.status === 'done') return
    const stopped = { ...standIn.snapshot, status: 'stopped' } as AnyMachineSnapshot
    standIn.snapshot = stopped
    this.#observe({
      type: '@xstate.snapshot',
      actorRef: standIn.ref,
      rootId: rootOf(standIn.ref),
      snapshot: stopped,
      event: { type: 'xstate.stop' },
    } as InspectionEvent)
  }
}

function rootOf(ref: AnyActorRef | undefined): string {
  let root = ref
  while (root?._parent) root = root._parent
  return root?.sessionId ?? ''
}
