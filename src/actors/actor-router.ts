/**
 * The master's actor router: numbers each actor's events, places each actor on one worker that
 * hosts its kind, forwards its events in order, stores the snapshots workers report, and when a
 * worker dies or drains, places its actors again and redelivers the events past their snapshots.
 * Actor traffic never enters the lifecycle machines: the router hears of workers from the
 * channels (accepting, draining, exited) and sends over their RPC peers.
 */
import type { AnyStateMachine, EventObject } from 'xstate'
import { deserializeError } from '../rpc/serialize-error.js'
import type { XclusterActorStore } from './actor-store.js'
import { ActorEntry, type Waiter } from './actor-entry.js'
import { ActorPersistence, STORE_RETRY_DELAY } from './actor-persistence.js'
import type { ActorOp } from './actor-outbox.js'
import type { ActorReport } from './actor-host.js'
import type { ActorErrorEvent, ActorInfo } from './contract-actors.js'
import { armHold, describeWhere, waitForAcknowledgement } from './actor-waits.js'
import { type ActorWorkerLink, ActorWorkers } from './actor-workers.js'
import { ActorEncodeError, ActorFailedError, ActorStoppedError, ActorStoreFailedError, ActorTimeoutError } from './errors.js'
import * as messages from './messages.js'
import type { InspectionRelay } from './inspection-relay.js'
import type { SnapshotMirror } from './snapshot-mirror.js'

export type { ActorWorkerLink } from './actor-workers.js'

export interface ActorRouterSettings {
  machines: Readonly<Record<string, AnyStateMachine>>
  store: XclusterActorStore
  /** How long events wait for a worker that can take their actor, in ms. */
  holdTimeout: number
  restart: { maxRestarts: number; period: number }
  /** Default deadline of `sendAndWait()` and of a move, in ms. */
  timeout: number
  errors: ReadonlyMap<string, abstract new (...args: never[]) => Error>
  mirror: SnapshotMirror
  /** Relays actors to the master's inspection observers, when there are any. */
  relay: InspectionRelay | undefined
  onError(event: ActorErrorEvent): void
}

const keyOf = (kind: string, id: string): string => `${kind}\u0000${id}`

export class ActorRouter {
  readonly #settings: ActorRouterSettings
  readonly #entries = new Map<string, ActorEntry>()
  readonly #workers = new ActorWorkers((op, error) => this.#refused(op, error))
  readonly #held = new Set<ActorEntry>()
  readonly #persistence: ActorPersistence
  #closedReason: Error | undefined

  constructor(settings: ActorRouterSettings) {
    this.#settings = settings
    this.#persistence = new ActorPersistence(settings.store, (entry, error) =>
      settings.onError({ kind: entry.kind, id: entry.id, workerId: null, error, isRestarting: false }),
    )
  }

  // --- Workers ------------------------------------------------------------------------------------

  addWorker(link: ActorWorkerLink): void {
    this.#workers.add(link)
  }

  /** The worker's `serve()` announced the kinds it hosts. */
  setKinds(workerId: number, kinds: unknown): void {
    if (this.#workers.addKinds(workerId, kinds)) this.wake()
  }

  /** A worker began accepting: place the actors that were held. */
  wake(): void {
    for (const entry of [...this.#held]) this.#place(entry)
  }

  /** The worker's process is gone: restore its actors elsewhere from their last snapshots. */
  removeWorker(workerId: number): void {
    const worker = this.#workers.remove(workerId)
    if (!worker) return
    for (const entry of worker.actors) {
      entry.workerId = undefined
      this.#settings.relay?.gone(entry.kind, entry.id)
      if (entry.phase === 'placed' || entry.phase === 'moving') this.#place(entry)
    }
  }

  /**
   * The worker drains: take its actors back (their last snapshots, after every event it was sent)
   * and place them on other workers; resolves once their snapshots are stored, so a stop persists
   * every actor. A worker that cannot answer keeps its actors until it exits (then they are
   * restored from their stored snapshots), so an actor never runs in two places by our doing.
   */
  async drainWorker(workerId: number): Promise<void> {
    const worker = this.#workers.get(workerId)
    if (!worker || worker.actors.size === 0) return
    const entries = [...worker.actors].filter((entry) => entry.phase === 'placed')
    for (const entry of entries) entry.phase = 'moving'
    let reports: ActorReport[]
    // The events already queued for it must reach it before the hand-back request.
    worker.outbox.flush()
    try {
      reports = (await worker.link.call(messages.PASSIVATE, [entries.map((e) => [e.kind, e.id])], {
        timeout: this.#settings.timeout,
      })) as ActorReport[]
    } catch {
      return
    }
    this.onApplied(workerId, reports)
    for (const entry of entries) {
      if (entry.phase !== 'moving' || entry.workerId !== workerId) continue
      this.#unplace(entry)
      this.#place(entry)
    }
    await this.#whenStored(entries)
  }

  // --- Reports from workers ---------------------------------------------------------------------

  onApplied(workerId: number, reports: unknown): void {
    if (!Array.isArray(reports)) return
    for (const report of reports as ActorReport[]) {
      if (!Array.isArray(report)) continue
      const [kind, id, seq, snapshot, status] = report
      if (typeof kind !== 'string' || typeof id !== 'string') continue
      const entry = this.#entries.get(keyOf(kind, id))
      // A report from a worker that no longer hosts it (it moved, or was restored elsewhere) is stale.
      if (!entry || entry.workerId !== workerId || !Number.isSafeInteger(seq) || seq < entry.snapshotSeq || seq > entry.lastSeq) continue
      entry.snapshot = snapshot
      entry.snapshotSeq = seq
      entry.version++
      this.#settings.mirror.update(kind, id, snapshot)
      this.#settings.relay?.report(kind, id, workerId, this.#settings.machines[kind]!, snapshot, entry.eventAt(seq))
      if (status === 'done') this.#end(entry, seq)
      else this.#persistence.save(entry)
    }
  }

  onFailed(workerId: number, kind: string, id: string, seq: number, serialized: unknown): void {
    // What a worker sends is checked before it touches any state: a bad report is dropped.
    if (typeof kind !== 'string' || typeof id !== 'string' || !Number.isSafeInteger(seq)) return
    const entry = this.#entries.get(keyOf(kind, id))
    if (!entry || entry.workerId !== workerId) return
    const cause = deserializeError(serialized, this.#settings.errors)
    const error = new ActorFailedError({ kind, id, seq, workerId }, { cause })
    // The failing event is consumed: skipped, with its waiter told why.
    entry.drop((item) => item.seq === seq, error)
    entry.snapshotSeq = Math.max(entry.snapshotSeq, seq)
    entry.version++
    this.#unplace(entry)
    const { maxRestarts, period } = this.#settings.restart
    const now = Date.now()
    entry.failures = [...entry.failures.filter((at) => now - at < period), now]
    const isRestarting = entry.failures.length <= maxRestarts
    this.#settings.onError({ kind, id, workerId, error, isRestarting })
    if (isRestarting) {
      this.#persistence.save(entry)
      this.#place(entry)
      return
    }
    const stopped = new ActorStoppedError({ kind, id, restarts: entry.failures.length, period }, { cause: error })
    entry.phase = 'stopped'
    entry.stopError = stopped
    this.#held.delete(entry)
    entry.drop(() => true, stopped)
    this.#persistence.save(entry)
    this.#settings.onError({ kind, id, workerId: null, error: stopped, isRestarting: false })
  }

  // --- Sends ------------------------------------------------------------------------------------

  send(kind: string, id: string, event: EventObject, input: unknown, waiter?: Waiter): void {
    if (this.#closedReason) return waiter?.reject(this.#closedReason)
    const entry = this.#entryFor(kind, id, input)
    if (entry.phase === 'stopped') {
      if (waiter) return waiter.reject(entry.stopError!)
      return this.#settings.onError({ kind, id, workerId: null, error: entry.stopError!, isRestarting: false })
    }
    if (entry.phase === 'loading') {
      entry.preload.push({ event, waiter })
      return
    }
    const item = entry.append(event, waiter)
    const outbox = entry.phase === 'placed' ? this.#workers.get(entry.workerId)?.outbox : undefined
    if (outbox) outbox.push(['e', kind, id, item.seq, event])
    else if (entry.phase === 'held') this.#armHold(entry)
  }

  /** Spawn (kind, id) now, with `input`, without an event: `ref.start()`. A live one is left alone. */
  start(kind: string, id: string, input: unknown): void {
    if (this.#closedReason) return
    this.#entryFor(kind, id, input)
  }

  sendAndWait(kind: string, id: string, event: EventObject, input: unknown, timeout = this.#settings.timeout): Promise<void> {
    return waitForAcknowledgement(
      (waiter) => this.send(kind, id, event, input, waiter),
      timeout,
      () => new ActorTimeoutError({ kind, id, type: event.type, timeout, where: describeWhere(this.#entries.get(keyOf(kind, id))) }),
    )
  }

  /** The last persisted snapshot the master has of (kind, id), if any. */
  persistedSnapshot(kind: string, id: string): unknown {
    return this.#entries.get(keyOf(kind, id))?.snapshot
  }

  list(): ActorInfo[] {
    return [...this.#entries.values()].map((entry) => entry.info())
  }

  /**
   * Whether every event sent so far was applied and stored, as far as it can be: actors held for
   * want of a worker, and stopped ones, cannot get further and count as settled.
   */
  isSettled(): boolean {
    if (this.#closedReason) return true
    for (const entry of this.#entries.values()) {
      if (entry.phase === 'held' || entry.phase === 'stopped') continue
      // The journal keeps every event not yet covered by a stored snapshot (dropped ones left it).
      if (entry.phase !== 'placed' || entry.journal.length > 0 || !entry.isStored) return false
    }
    return true
  }

  /** Resolves once `isSettled()`, or after `timeout` ms. */
  onSettled(timeout: number): Promise<void> {
    let isTimedOut = false
    const timer = setTimeout(() => {
      isTimedOut = true
      this.#persistence.check()
    }, timeout)
    return this.#persistence.when(() => isTimedOut || this.isSettled()).then(() => clearTimeout(timer))
  }

  /** Waits for the writes in flight, then closes the store. */
  closeStore(): Promise<void> {
    return this.#persistence.close()
  }

  /** No worker will take actors again: reject every pending acknowledged send with `reason`. */
  close(reason: Error): void {
    if (this.#closedReason) return
    this.#closedReason = reason
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.holdTimer)
      // Events not applied by now are lost with the cluster: their senders hear of it, those that
      // wait through their promise, fire-and-forget ones through one actor-error per actor.
      const isLosingUnwaited = [...entry.unapplied(), ...entry.preload].some((item) => item.waiter === undefined)
      entry.drop(() => true, reason)
      for (const item of entry.preload) item.waiter?.reject(reason)
      entry.preload = []
      if (isLosingUnwaited) this.#settings.onError({ kind: entry.kind, id: entry.id, workerId: null, error: reason, isRestarting: false })
    }
    this.#persistence.check()
  }

  // --- Internals --------------------------------------------------------------------------------

  #entryFor(kind: string, id: string, input: unknown): ActorEntry {
    const key = keyOf(kind, id)
    const existing = this.#entries.get(key)
    if (existing) return existing
    const entry = new ActorEntry(kind, id, input)
    this.#entries.set(key, entry)
    this.#load(entry)
    return entry
  }

  /** Read its record, so numbering resumes after the stored seq (the master may have restarted). */
  #load(entry: ActorEntry): void {
    this.#settings.store.load(entry.kind, entry.id).then(
      (record) => {
        if (this.#closedReason) return
        if (record) {
          entry.snapshot = record.snapshot
          entry.snapshotSeq = entry.lastSeq = record.seq
          if (record.input !== undefined) entry.input = record.input
          entry.version = entry.storedVersion = 1
          this.#settings.mirror.update(entry.kind, entry.id, record.snapshot)
        }
        for (const { event, waiter } of entry.preload) entry.append(event, waiter)
        entry.preload = []
        entry.phase = 'held'
        this.#place(entry)
      },
      (error) => {
        this.#settings.onError({
          kind: entry.kind,
          id: entry.id,
          workerId: null,
          error: new ActorStoreFailedError({ kind: entry.kind, id: entry.id, operation: 'load' }, { cause: error }),
          isRestarting: false,
        })
        setTimeout(() => this.#load(entry), STORE_RETRY_DELAY).unref()
      },
    )
  }

  /** Host it on the worker it belongs to now, with its snapshot and the events past it; or hold it. */
  #place(entry: ActorEntry): void {
    if (this.#closedReason || entry.phase === 'stopped' || entry.phase === 'loading' || entry.phase === 'ending') return
    const worker = this.#workers.placeFor(entry.kind, entry.id)
    if (!worker) {
      entry.phase = 'held'
      entry.workerId = undefined
      this.#held.add(entry)
      if (entry.journal.length > 0) this.#armHold(entry)
      // Held counts as settled for a stop that waits for everything to land.
      this.#persistence.check()
      return
    }
    this.#held.delete(entry)
    clearTimeout(entry.holdTimer)
    entry.holdTimer = undefined
    entry.phase = 'placed'
    entry.workerId = worker.link.workerId
    worker.actors.add(entry)
    worker.outbox.push(['s', entry.kind, entry.id, entry.snapshotSeq, entry.snapshot, entry.input])
    for (const item of entry.unapplied()) worker.outbox.push(['e', entry.kind, entry.id, item.seq, item.event])
  }

  /**
   * An op could not be encoded: an event (a function in it, over maxPayload) fails alone, its
   * `sendAndWait()` rejecting with the EncodeError/PayloadTooLargeError; a spawn can only fail on
   * the user's `input` (snapshots came from a worker), and fails the actor's pending events.
   */
  #refused(op: ActorOp, cause: Error): void {
    const entry = this.#entries.get(keyOf(op[1], op[2]))
    if (!entry) return
    const what = op[0] === 'e' ? `event #${op[3]} (${JSON.stringify(op[4].type)})` : 'its input'
    const error = new ActorEncodeError({ kind: op[1], id: op[2], what }, { cause })
    const item = op[0] === 'e' ? entry.journal.find((candidate) => candidate.seq === op[3]) : undefined
    if (op[0] === 'e') entry.drop((candidate) => candidate === item, error)
    else {
      this.#unplace(entry)
      entry.drop(() => true, error)
    }
    if (op[0] === 's' || !item?.waiter)
      this.#settings.onError({ kind: entry.kind, id: entry.id, workerId: null, error, isRestarting: false })
  }

  #unplace(entry: ActorEntry): void {
    this.#workers.get(entry.workerId)?.actors.delete(entry)
    this.#settings.relay?.gone(entry.kind, entry.id)
    entry.workerId = undefined
    entry.phase = 'held'
  }

  #armHold(entry: ActorEntry): void {
    // Held events die with the timeout: say so once per actor, for the fire-and-forget ones.
    armHold(entry, this.#settings.holdTimeout, (error) =>
      this.#settings.onError({ kind: entry.kind, id: entry.id, workerId: null, error, isRestarting: false }),
    )
  }

  /** It reached a final state: delete its record; events sent after that start a new one. */
  #end(entry: ActorEntry, seq: number): void {
    this.#unplace(entry)
    entry.phase = 'ending'
    entry.version++
    this.#persistence.remove(entry).then(() => this.#afterEnd(entry, seq))
  }

  #afterEnd(entry: ActorEntry, seq: number): void {
    entry.isSaving = false
    entry.storedVersion = entry.version
    entry.acknowledge(seq)
    entry.snapshot = undefined
    entry.snapshotSeq = seq
    entry.failures = []
    if (entry.journal.length === 0) this.#entries.delete(keyOf(entry.kind, entry.id))
    else {
      entry.phase = 'held'
      this.#place(entry)
    }
    this.#persistence.check()
  }

  #whenStored(entries: ActorEntry[]): Promise<void> {
    return this.#persistence.when(
      () => this.#closedReason !== undefined || entries.every((entry) => entry.isStored || entry.phase === 'stopped'),
    )
  }
}
