/**
 * The master's actor layer as the cluster runtime wires it: refs (`cluster.actor()`), the
 * built-in methods workers call, and the hooks on a worker's lifecycle (its channel opens,
 * accepts, drains, exits). The cluster core calls these; the router does the work.
 */
import type { AnyMachineSnapshot, AnyStateMachine, EventObject, InspectionEvent, Observer } from 'xstate'
import { createErrorRegistry, type ErrorClass } from '../rpc/serialize-error.js'
import type { ResolvedActorsOptions } from './actor-options.js'
import { type ActorRefCore, checkActorTarget, createActorRef, type XclusterActorRef } from './actor-ref.js'
import { ActorRouter, type ActorWorkerLink } from './actor-router.js'
import type { ActorErrorEvent, ActorInfo } from './contract-actors.js'
import { ACTOR_ERROR_CLASSES } from './errors.js'
import * as messages from './messages.js'
import { InspectionRelay } from './inspection-relay.js'
import { SnapshotMirror } from './snapshot-mirror.js'

export interface ClusterActorsSettings {
  machines: Readonly<Record<string, object>>
  options: ResolvedActorsOptions
  /** Default deadline of `sendAndWait()`, in ms. */
  timeout: number
  errors: readonly ErrorClass[]
  /** The master's inspection observers (yours and the live view's), if any: actors are relayed to them. */
  inspect: ((event: InspectionEvent) => void) | undefined
  onError(event: ActorErrorEvent): void
}

export class ClusterActors implements ActorRefCore {
  readonly #machines: Readonly<Record<string, AnyStateMachine>>
  readonly #mirror: SnapshotMirror
  readonly #router: ActorRouter
  readonly #relay: InspectionRelay | undefined

  constructor(settings: ClusterActorsSettings) {
    this.#machines = settings.machines as Readonly<Record<string, AnyStateMachine>>
    this.#mirror = new SnapshotMirror(this.#machines)
    this.#relay =
      settings.inspect && new InspectionRelay(settings.inspect, (kind, persisted) => this.#mirror.resolve(kind, persisted, undefined))
    this.#router = new ActorRouter({
      machines: this.#machines,
      store: settings.options.store,
      holdTimeout: settings.options.holdTimeout,
      restart: settings.options.restart,
      timeout: settings.timeout,
      errors: createErrorRegistry([...ACTOR_ERROR_CLASSES, ...settings.errors]),
      mirror: this.#mirror,
      relay: this.#relay,
      onError: settings.onError,
    })
  }

  /** `cluster.actor()` / `master.actor()`: checks kind and id at the call site. */
  ref(api: string, kind: unknown, id: unknown, options?: { input?: unknown }): XclusterActorRef<AnyStateMachine> {
    checkActorTarget(api, this.#machines, kind, id)
    return createActorRef(this, kind as string, id as string, options?.input)
  }

  send(kind: string, id: string, event: EventObject, input: unknown): void {
    this.#router.send(kind, id, event, input)
  }

  start(kind: string, id: string, input: unknown): void {
    this.#router.start(kind, id, input)
  }

  sendAndWait(kind: string, id: string, event: EventObject, input: unknown, timeout: number | undefined): Promise<void> {
    return this.#router.sendAndWait(kind, id, event, input, timeout)
  }

  snapshotOf(kind: string, id: string, input: unknown): AnyMachineSnapshot {
    return this.#mirror.snapshotOf(kind, id, this.#router.persistedSnapshot(kind, id), input)
  }

  persistedSnapshot(kind: string, id: string): unknown {
    return this.#router.persistedSnapshot(kind, id)
  }

  subscribe(kind: string, id: string, observer: Observer<AnyMachineSnapshot>): () => void {
    return this.#mirror.subscribe(kind, id, observer, this.#router.persistedSnapshot(kind, id))
  }

  list(): ActorInfo[] {
    return this.#router.list()
  }

  /** The built-in methods the master's peer for worker `workerId` serves. */
  handlersFor(workerId: number): Record<string, (...args: any[]) => unknown> {
    const router = this.#router
    const fromWorker = `master.actor() in worker ${workerId}`
    return {
      [messages.KINDS]: (kinds: unknown) => router.setKinds(workerId, kinds),
      [messages.APPLIED]: (reports: unknown) => router.onApplied(workerId, reports),
      [messages.FAILED]: (kind: string, id: string, seq: number, error: unknown) => router.onFailed(workerId, kind, id, seq, error),
      [messages.SEND]: (kind: unknown, id: unknown, event: EventObject, input: unknown) => {
        this.ref(fromWorker, kind, id, { input }).send(event)
      },
      [messages.SEND_AND_WAIT]: (kind: unknown, id: unknown, event: EventObject, input: unknown, timeout: number | undefined) =>
        this.ref(fromWorker, kind, id, { input }).sendAndWait(event, { timeout }),
    }
  }

  addWorker(link: ActorWorkerLink): void {
    this.#router.addWorker(link)
  }

  /** Whether every actor event sent so far is applied and stored (or cannot be: no worker hosts it). */
  isSettled(): boolean {
    return this.#router.isSettled()
  }

  /** Resolves once `isSettled()`, or after `timeout` ms. */
  onSettled(timeout: number): Promise<void> {
    return this.#router.onSettled(timeout)
  }

  /** Every inspection event of the supervisor: how the relay finds each worker's machine. */
  observeSupervisor(event: InspectionEvent): void {
    this.#relay?.observeSupervisor(event)
  }

  onAccept(): void {
    this.#router.wake()
  }

  onDrain(workerId: number): Promise<void> {
    return this.#router.drainWorker(workerId)
  }

  onExit(workerId: number): void {
    this.#router.removeWorker(workerId)
  }

  /** The cluster ended: reject pending acknowledged sends, then close the store after its last writes. */
  close(reason: Error): Promise<void> {
    this.#router.close(reason)
    return this.#router.closeStore()
  }
}
