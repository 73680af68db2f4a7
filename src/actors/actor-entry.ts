/**
 * The master's record of one actor: where it lives, the events numbered for it and not yet
 * stored (its journal, the source of redelivery), the last snapshot a worker reported, and the
 * acknowledged sends waiting for their event to be stored.
 */
import type { EventObject } from 'xstate'
import type { ActorInfo } from './contract-actors.js'

/** A pending `sendAndWait()`. */
export interface Waiter {
  resolve(): void
  reject(error: Error): void
}

/** An event numbered for the actor and not yet covered by a stored snapshot. */
export interface JournalEvent {
  seq: number
  event: EventObject
  waiter: Waiter | undefined
}

/**
 * `loading`: reading its record from the store; `placed`: hosted by `workerId`; `moving`: its
 * worker drains and hands it back; `held`: no worker can take it; `ending`: it reached a final
 * state and its record is being deleted; `stopped`: its restart budget is spent.
 */
export type EntryPhase = 'loading' | 'placed' | 'moving' | 'held' | 'ending' | 'stopped'

export class ActorEntry {
  readonly kind: string
  readonly id: string
  input: unknown
  phase: EntryPhase = 'loading'
  workerId: number | undefined = undefined
  /** Events sent while the record loads: numbered once the stored `seq` is known. */
  preload: { event: EventObject; waiter: Waiter | undefined }[] = []
  /** Ascending by seq. */
  journal: JournalEvent[] = []
  /** The last number handed out. */
  lastSeq = 0
  /** The last snapshot reported (or loaded), after event `snapshotSeq`; undefined before the first. */
  snapshot: unknown = undefined
  snapshotSeq = 0
  /** Bumped on every report, so a report with an unchanged seq (a delayed transition) is saved too. */
  version = 0
  storedVersion = 0
  isSaving = false
  /** The last store write issued for it: a delete waits for it. */
  lastWrite: Promise<void> | undefined = undefined
  holdTimer: NodeJS.Timeout | undefined = undefined
  /** When it failed, within the restart period. */
  failures: number[] = []
  stopError: Error | undefined = undefined

  constructor(kind: string, id: string, input: unknown) {
    this.kind = kind
    this.id = id
    this.input = input
  }

  /** Number `event` and journal it. */
  append(event: EventObject, waiter: Waiter | undefined): JournalEvent {
    const item = { seq: ++this.lastSeq, event, waiter }
    this.journal.push(item)
    return item
  }

  /** The event numbered `seq`, while it is journaled. */
  eventAt(seq: number): EventObject | undefined {
    // Reports come for recent events: search from the end.
    for (let i = this.journal.length - 1; i >= 0; i--) {
      const item = this.journal[i]!
      if (item.seq === seq) return item.event
      if (item.seq < seq) return undefined
    }
    return undefined
  }

  /** The events past the current snapshot, in order: what a new host must apply. */
  unapplied(): JournalEvent[] {
    return this.journal.filter((item) => item.seq > this.snapshotSeq)
  }

  /** A snapshot covering event `seq` is stored: those events are acknowledged and forgotten. */
  acknowledge(seq: number): void {
    let count = 0
    while (count < this.journal.length && this.journal[count]!.seq <= seq) count++
    if (count === 0) return
    for (const item of this.journal.splice(0, count)) item.waiter?.resolve()
  }

  /** Drop the events matching `isDropped`, rejecting their waiters with `error`. */
  drop(isDropped: (item: JournalEvent) => boolean, error: Error): void {
    const kept: JournalEvent[] = []
    for (const item of this.journal) {
      if (isDropped(item)) item.waiter?.reject(error)
      else kept.push(item)
    }
    this.journal = kept
  }

  /** What `cluster.actors()` shows of it. */
  info(): ActorInfo {
    return {
      kind: this.kind,
      id: this.id,
      workerId: this.workerId ?? null,
      // An ending actor is on its way out and back in (a later event starts it again): 'moving'.
      status: this.phase === 'placed' ? 'active' : this.phase === 'ending' ? 'moving' : this.phase,
      value: (this.snapshot as { value?: unknown } | undefined)?.value,
      seq: this.snapshotSeq,
    }
  }

  /** Whether the latest snapshot is stored. */
  get isStored(): boolean {
    return !this.isSaving && this.storedVersion === this.version
  }
}
