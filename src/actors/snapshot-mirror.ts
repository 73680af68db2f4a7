/**
 * The master's mirror of actor snapshots for refs: `ref.getSnapshot()` and `ref.subscribe()`.
 * Workers send persisted snapshots (plain data); the mirror turns one back into a full machine
 * snapshot (`matches`, `hasTag`, `can`) with `machine.resolveState()` only when someone looks,
 * so an actor nobody watches costs nothing here.
 */
import { type AnyMachineSnapshot, type AnyStateMachine, createActor, type Observer } from 'xstate'

interface View {
  observers: Set<Observer<AnyMachineSnapshot>>
  /** The last persisted snapshot seen while observed. */
  persisted: unknown
  resolved: AnyMachineSnapshot | undefined
}

const keyOf = (kind: string, id: string): string => `${kind}\u0000${id}`

export class SnapshotMirror {
  readonly #machines: Readonly<Record<string, AnyStateMachine>>
  readonly #views = new Map<string, View>()

  constructor(machines: Readonly<Record<string, AnyStateMachine>>) {
    this.#machines = machines
  }

  /** A worker reported (kind, id)'s persisted snapshot. */
  update(kind: string, id: string, persisted: unknown): void {
    const view = this.#views.get(keyOf(kind, id))
    if (!view) return
    view.persisted = persisted
    view.resolved = undefined
    if (view.observers.size === 0) return
    const snapshot = this.resolve(kind, persisted, undefined)
    view.resolved = snapshot
    for (const observer of [...view.observers]) {
      try {
        observer.next?.(snapshot)
      } catch (error) {
        // An observer that throws must not break the router's loop over reports.
        queueMicrotask(() => observer.error?.(error))
      }
    }
  }

  subscribe(kind: string, id: string, observer: Observer<AnyMachineSnapshot>, current: unknown): () => void {
    const key = keyOf(kind, id)
    let view = this.#views.get(key)
    if (!view) {
      view = { observers: new Set(), persisted: current, resolved: undefined }
      this.#views.set(key, view)
    }
    view.observers.add(observer)
    return () => {
      view.observers.delete(observer)
      if (view.observers.size === 0 && this.#views.get(key) === view) this.#views.delete(key)
    }
  }

  /** The snapshot to show for (kind, id): the observed one, else `current`, else the initial one for `input`. */
  snapshotOf(kind: string, id: string, current: unknown, input: unknown): AnyMachineSnapshot {
    const view = this.#views.get(keyOf(kind, id))
    if (view) {
      view.resolved ??= this.resolve(kind, view.persisted ?? current, input)
      return view.resolved
    }
    return this.resolve(kind, current, input)
  }

  resolve(kind: string, persisted: unknown, input: unknown): AnyMachineSnapshot {
    const machine = this.#machines[kind]!
    if (persisted === undefined || persisted === null) {
      // Not spawned yet: the state it will start in (entry actions are not run by computing it).
      return createActor(machine, { input }).getSnapshot() as AnyMachineSnapshot
    }
    const { value, context, historyValue, status, output, error } = persisted as Record<string, any>
    return machine.resolveState({ value, context, historyValue, status, output, error })
  }
}
