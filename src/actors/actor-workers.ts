/**
 * The workers the actor router can place actors on: each one's link, the kinds its `serve()`
 * hosts, the actors placed on it, and its outbox (actor ops sent in batches per tick).
 */
import type { ActorEntry } from './actor-entry.js'
import { type ActorOp, ActorOutbox } from './actor-outbox.js'
import { placeActor } from './placement.js'

/** The master's end of one worker, as the router uses it. */
export interface ActorWorkerLink {
  readonly workerId: number
  readonly slotId: string
  /** True while the worker takes new work (listening, not draining). */
  readonly isAccepting: boolean
  notify(method: string, args: unknown[]): void
  call(method: string, args: unknown[], options: { timeout: number }): Promise<unknown>
}

/** One worker that may host actors. */
export interface HostingWorker {
  readonly link: ActorWorkerLink
  readonly kinds: Set<string>
  readonly actors: Set<ActorEntry>
  readonly outbox: ActorOutbox
}

export class ActorWorkers {
  readonly #workers = new Map<number, HostingWorker>()
  readonly #onRefused: (op: ActorOp, error: Error) => void

  /** @param onRefused an op its outbox could not encode (see `ActorOutbox`). */
  constructor(onRefused: (op: ActorOp, error: Error) => void) {
    this.#onRefused = onRefused
  }

  add(link: ActorWorkerLink): void {
    const outbox = new ActorOutbox(
      (method, args) => link.notify(method, args),
      (op, error) => this.#onRefused(op, error),
    )
    this.#workers.set(link.workerId, { link, kinds: new Set(), actors: new Set(), outbox })
  }

  get(workerId: number | undefined): HostingWorker | undefined {
    return workerId === undefined ? undefined : this.#workers.get(workerId)
  }

  /** Forget the worker (its process is gone) and return what it hosted. */
  remove(workerId: number): HostingWorker | undefined {
    const worker = this.#workers.get(workerId)
    this.#workers.delete(workerId)
    return worker
  }

  /**
   * The kinds a worker's `serve()` announced, as it sent them (untrusted: only strings count).
   * @returns whether the worker is known
   */
  addKinds(workerId: number, kinds: unknown): boolean {
    const worker = this.#workers.get(workerId)
    if (!worker || !Array.isArray(kinds)) return false
    for (const kind of kinds) if (typeof kind === 'string') worker.kinds.add(kind)
    return true
  }

  /** The worker (kind, id) belongs on now, among those accepting and hosting the kind; none to hold it. */
  placeFor(kind: string, id: string): HostingWorker | undefined {
    const candidates = [...this.#workers.values()]
      .filter((worker) => worker.link.isAccepting && worker.kinds.has(kind))
      .map((worker) => worker.link)
    return this.get(placeActor(kind, id, candidates)?.workerId)
  }
}
