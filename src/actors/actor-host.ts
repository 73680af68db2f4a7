/**
 * The worker side of actors: hosts the actors the master places here, applies their events in
 * sequence order (each sequence number once: a redelivered or duplicate event is dropped), and
 * reports each actor's persisted snapshot with the number of the last event applied to it.
 * Reports are coalesced per actor per tick: a burst of 100 events to one actor costs one snapshot
 * on the wire, and the master acknowledges every event up to the reported number.
 */
import { type AnyActor, type AnyStateMachine, createActor, type Subscription } from 'xstate'
import { PayloadTooLargeError } from '../rpc/errors.js'
import { serializeError } from '../rpc/serialize-error.js'
import type { ActorOp } from './actor-outbox.js'
import { ActorSnapshotTooLargeError } from './errors.js'
import * as messages from './messages.js'

/** One actor's state as a worker reports it: `[kind, id, seq, persisted snapshot, status]`. */
export type ActorReport = [kind: string, id: string, seq: number, snapshot: unknown, status: string]

interface Hosted {
  kind: string
  id: string
  machine: AnyStateMachine
  actor: AnyActor
  subscription: Subscription
  /** The last event number applied. */
  seq: number
  /** The last good snapshot and the event number it reflects (what a report sends). */
  last: unknown
  lastSeq: number
  /** False once removed (failed, finished, moved). */
  isHosted: boolean
}

export interface ActorHostOptions {
  machines: Readonly<Record<string, AnyStateMachine>>
  /** Sends a built-in notification to the master. */
  notify(method: string, args: unknown[]): void
}

const keyOf = (kind: string, id: string): string => `${kind}\u0000${id}`

export class ActorHost {
  readonly #machines: Readonly<Record<string, AnyStateMachine>>
  readonly #notify: (method: string, args: unknown[]) => void
  readonly #hosted = new Map<string, Hosted>()
  readonly #dirty = new Set<Hosted>()
  #isFlushQueued = false

  constructor(options: ActorHostOptions) {
    this.#machines = options.machines
    this.#notify = options.notify
  }

  /** The kinds hosted here, announced to the master. */
  get kinds(): string[] {
    return Object.keys(this.#machines)
  }

  /** The built-in methods the worker's peer serves for the master. */
  handlers(): Record<string, (...args: any[]) => unknown> {
    return {
      [messages.BATCH]: (ops: unknown) => {
        if (!Array.isArray(ops)) return
        for (const op of ops as ActorOp[]) {
          if (op[0] === 'e') this.deliver(op[1], op[2], op[3], op[4])
          else if (op[0] === 's') this.spawn(op[1], op[2], op[4], op[3], op[5])
        }
      },
      [messages.PASSIVATE]: (keys: [string, string][]) => this.passivate(keys),
    }
  }

  /** Host (kind, id): restored from `snapshot` (after event `seq`), or fresh from `input` when there is none. */
  spawn(kind: string, id: string, snapshot: unknown, seq: number, input: unknown): void {
    const key = keyOf(kind, id)
    this.#remove(this.#hosted.get(key))
    const machine = Object.hasOwn(this.#machines, kind) ? this.#machines[kind] : undefined
    if (machine === undefined)
      return this.#reportFailure(kind, id, seq, new Error(`this worker does not host kind ${JSON.stringify(kind)}`))
    let actor: AnyActor
    try {
      // `id` makes `self.id` in the machine's actions the actor's id: a natural idempotency key.
      actor = createActor(machine, snapshot === undefined || snapshot === null ? { id, input } : { id, snapshot: snapshot as never, input })
    } catch (error) {
      return this.#reportFailure(kind, id, seq, error)
    }
    const hosted: Hosted = {
      kind,
      id,
      machine,
      actor,
      subscription: undefined as never,
      seq,
      last: undefined,
      lastSeq: seq,
      isHosted: true,
    }
    this.#hosted.set(key, hosted)
    // Transitions of the actor's own (delayed transitions, invoked promises) carry no new event
    // number; they are reported with the last one, and the store keeps the later snapshot.
    hosted.subscription = actor.subscribe({
      next: (next) => {
        hosted.last = next
        hosted.lastSeq = hosted.seq
        this.#markDirty(hosted)
      },
      error: (error) => this.#fail(hosted, error),
    })
    actor.start()
  }

  /** Apply event `seq`, unless it was applied already (a redelivery). */
  deliver(kind: string, id: string, seq: number, event: { type: string }): void {
    const hosted = this.#hosted.get(keyOf(kind, id))
    // Not here (it failed or finished, and the master re-places it) or already applied: drop it.
    if (hosted === undefined || seq <= hosted.seq) return
    hosted.seq = seq
    hosted.actor.send(event)
    // An event the machine ignores still counts as applied (XState notifies for every event, but
    // say so here rather than depend on it); a failed or finished actor is gone by now.
    if (hosted.isHosted && hosted.lastSeq !== seq) {
      hosted.last = hosted.actor.getSnapshot()
      hosted.lastSeq = seq
      this.#markDirty(hosted)
    }
  }

  /** Stop these actors and answer with their last snapshots, so the master can move them. */
  passivate(keys: [string, string][]): ActorReport[] {
    const reports: ActorReport[] = []
    for (const [kind, id] of keys) {
      const hosted = this.#hosted.get(keyOf(kind, id))
      if (hosted === undefined) continue
      const report = this.#report(hosted)
      this.#remove(hosted)
      if (report) reports.push(report)
    }
    return reports
  }

  #markDirty(hosted: Hosted): void {
    this.#dirty.add(hosted)
    if (this.#isFlushQueued) return
    this.#isFlushQueued = true
    // A microtask runs after the whole IPC packet was handled: one report per actor per packet.
    queueMicrotask(() => this.#flush())
  }

  #flush(): void {
    this.#isFlushQueued = false
    if (this.#dirty.size === 0) return
    const reports: ActorReport[] = []
    for (const hosted of this.#dirty) {
      const report = this.#report(hosted)
      if (report) reports.push(report)
      // An actor that reached a final state is gone; a later event to its id starts a new one.
      if (report?.[4] === 'done') this.#remove(hosted)
    }
    this.#dirty.clear()
    if (reports.length === 0) return
    try {
      this.#notify(messages.APPLIED, [reports])
    } catch {
      // One actor's snapshot is too large or cannot be encoded, or all of them together are too
      // large: send them one by one, so that only the bad ones fail, each naming its actor.
      for (const report of reports) this.#sendOne(report)
    }
  }

  #sendOne(report: ActorReport): void {
    try {
      this.#notify(messages.APPLIED, [[report]])
    } catch (error) {
      // The snapshot cannot be stored, so the actor cannot go on from it: it fails like a throw
      // (oversize: a clear error naming it; unencodable, say a function in the context: the EncodeError).
      const [kind, id, seq] = report
      this.#remove(this.#hosted.get(keyOf(kind, id)))
      const failure =
        error instanceof PayloadTooLargeError ? new ActorSnapshotTooLargeError({ kind, id, size: error.size, limit: error.limit }) : error
      this.#reportFailure(kind, id, seq, failure)
    }
  }

  #report(hosted: Hosted): ActorReport | undefined {
    if (hosted.last === undefined) return undefined
    const snapshot = hosted.last as { status: string }
    return [hosted.kind, hosted.id, hosted.lastSeq, hosted.machine.getPersistedSnapshot(snapshot as never), snapshot.status]
  }

  /** The machine threw: report the last good snapshot first, then the failure, and drop the actor. */
  #fail(hosted: Hosted, error: unknown): void {
    if (this.#dirty.delete(hosted)) {
      const report = this.#report(hosted)
      if (report) this.#sendOne(report)
    }
    this.#remove(hosted)
    this.#reportFailure(hosted.kind, hosted.id, hosted.seq, error)
  }

  #reportFailure(kind: string, id: string, seq: number, error: unknown): void {
    const serialized = serializeError(error instanceof Error ? error : new Error(String(error)))
    try {
      this.#notify(messages.FAILED, [kind, id, seq, serialized])
    } catch {
      // Own fields that cannot be encoded: send the error without them.
      try {
        this.#notify(messages.FAILED, [kind, id, seq, serializeError(error instanceof Error ? error : new Error(String(error)), false)])
      } catch {
        // Not even that fits (a message over maxPayload): the master is not told, and the actor
        // stays unavailable until this worker leaves; still, nothing may throw out of a report.
      }
    }
  }

  #remove(hosted: Hosted | undefined): void {
    if (hosted === undefined) return
    const key = keyOf(hosted.kind, hosted.id)
    if (this.#hosted.get(key) !== hosted) return
    this.#hosted.delete(key)
    hosted.isHosted = false
    this.#dirty.delete(hosted)
    // Unsubscribe first: stopping is a move, not a transition to report.
    hosted.subscription.unsubscribe()
    hosted.actor.stop()
  }
}
