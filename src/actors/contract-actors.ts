/**
 * The types that tie a contract's actors to their machines: a ref to kind `K` sends
 * `EventFromLogic<machine>` and sees `SnapshotFrom<machine>`, so a wrong event type or an unknown
 * kind does not compile.
 */
import type { AnyStateMachine, EventFromLogic, InputFrom, SnapshotFrom } from 'xstate'
import type { ContractShapeOf } from '../rpc/contract.js'

/** The actor kinds of a contract and their machines: `{ order: orderMachine }`. */
export type XclusterActorMachines = Record<string, AnyStateMachine>

/** A contract's actors, as its shape declares them (`{}` when it has none). */
export type ContractActors<C> = ContractShapeOf<C> extends { actors: infer A extends object } ? A : {}

/** The actor kinds a contract declares. */
export type ActorKind<C> = keyof ContractActors<C> & string

/** The machine of kind `K`. */
export type ActorMachine<C, K extends ActorKind<C>> = ContractActors<C>[K] extends infer M extends AnyStateMachine ? M : never

/** The events an actor of kind `K` takes. */
export type ActorEvent<C, K extends ActorKind<C>> = EventFromLogic<ActorMachine<C, K>>

/** The snapshot of an actor of kind `K`. */
export type ActorSnapshot<C, K extends ActorKind<C>> = SnapshotFrom<ActorMachine<C, K>>

/** The input an actor of kind `K` is spawned with. */
export type ActorInput<C, K extends ActorKind<C>> = InputFrom<ActorMachine<C, K>>

/** Options of `cluster.actor(kind, id, options)` and `master.actor(kind, id, options)`. */
export interface ActorRefOptions<TInput = unknown> {
  /** The machine's `input` when the actor is spawned by this ref's first event (ignored once it exists). */
  input?: TInput
}

/** Options of `ref.sendAndWait(event, options)`. */
export interface SendAndWaitOptions {
  /**
   * How long to wait for the event to be applied and its snapshot stored, in ms.
   * @default the cluster's callTimeout (30 000)
   */
  timeout?: number
}

/** One actor as `cluster.actors()` lists it. */
export interface ActorInfo {
  kind: string
  id: string
  /** The worker hosting it; null while it is held, moving or stopped. */
  workerId: number | null
  /** `'active'` while it runs; `'held'` with no worker to take it; `'moving'`; `'stopped'` after its restart budget. */
  status: 'active' | 'held' | 'moving' | 'loading' | 'stopped'
  /** Its state value, from the last snapshot the master has (undefined before the first). */
  value: unknown
  /** The sequence number of the last event applied to that snapshot. */
  seq: number
}

/** `cluster.on('actor-error', (event) => …)`: an actor's machine threw, or its store failed. */
export interface ActorErrorEvent {
  kind: string
  id: string
  /** The worker it failed in; null for store or hold failures. */
  workerId: number | null
  /** `ActorFailedError` (cause: what the machine threw, with its stack), `ActorStoppedError`, `ActorSnapshotTooLargeError`, `ActorUnavailableError` or `ActorStoreFailedError`. */
  error: Error
  /** Whether the actor is restarted from its last good snapshot (false: stopped, or not a machine failure). */
  isRestarting: boolean
}
