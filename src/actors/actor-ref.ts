/**
 * `cluster.actor(kind, id)`: a ref to a cluster actor, with XState's own vocabulary (`send`,
 * `getSnapshot`, `subscribe`) so that `waitFor(ref, …)` and `toPromise`-style helpers work on it,
 * plus `sendAndWait()` for an acknowledged send. The ref holds no state of its own: every ref to
 * one (kind, id) reaches the same actor, wherever it lives.
 */
import type {
  ActorRef,
  AnyMachineSnapshot,
  AnyStateMachine,
  EventFromLogic,
  EventObject,
  InteropSubscribable,
  Observer,
  Readable,
  SnapshotFrom,
  Subscription,
} from 'xstate'
import type { SendAndWaitOptions } from './contract-actors.js'
import { ActorKindError } from './errors.js'
import * as messages from './messages.js'

// XState's interop key: Symbol.observable where it exists (not in Node), else '@@observable'.
const OBSERVABLE: symbol = (Symbol as { observable?: symbol }).observable ?? ('@@observable' as unknown as symbol)

/** What a ref needs from the master's actor layer (a type only: the declarations of that layer name it). */
export interface ActorRefCore {
  send(kind: string, id: string, event: EventObject, input: unknown): void
  start(kind: string, id: string, input: unknown): void
  sendAndWait(kind: string, id: string, event: EventObject, input: unknown, timeout: number | undefined): Promise<void>
  snapshotOf(kind: string, id: string, input: unknown): AnyMachineSnapshot
  persistedSnapshot(kind: string, id: string): unknown
  subscribe(kind: string, id: string, observer: Observer<AnyMachineSnapshot>): () => void
}

/**
 * A ref to the actor (kind, id) of the cluster. `send()` is fire-and-forget, as in XState;
 * `sendAndWait()` resolves once the event was applied and the snapshot after it stored.
 *
 * @example
 * ```ts
 * const order = cluster.actor('order', 'order-42', { input: { customer: 'ada' } })
 * order.send({ type: 'PAY', amount: 10 })
 * await order.sendAndWait({ type: 'SHIP' }, { timeout: 5_000 })
 * await waitFor(order, (s) => s.matches('shipped'))
 * ```
 */
export interface XclusterActorRef<M extends AnyStateMachine> extends ActorRef<SnapshotFrom<M>, EventFromLogic<M>> {
  /** The actor's kind (a key of the contract's `actors`). */
  readonly kind: string
  /** Resolves once `event` was applied and the snapshot after it stored; rejects with `ActorTimeoutError` at its deadline. */
  sendAndWait(event: EventFromLogic<M>, options?: SendAndWaitOptions): Promise<void>
}

/** @internal Refuses a kind the contract lacks, or an id that is not a non-empty string, at the call site. */
export function checkActorTarget(api: string, machines: Readonly<Record<string, object>>, kind: unknown, id: unknown): void {
  const known = Object.keys(machines)
  if (known.length === 0) throw new ActorKindError(messages.noActorsMessage(api), String(kind))
  if (typeof kind !== 'string' || !Object.hasOwn(machines, kind)) {
    throw new ActorKindError(messages.unknownKindMessage(api, String(kind), known), String(kind))
  }
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(messages.badIdMessage(api, id))
}

/** @internal */
export function checkEvent(kind: string, id: string, event: unknown): asserts event is EventObject {
  if (typeof event !== 'object' || event === null || typeof (event as EventObject).type !== 'string') {
    throw new TypeError(messages.badEventMessage(kind, id, event))
  }
}

/** @internal */
export function createActorRef<M extends AnyStateMachine>(
  core: ActorRefCore,
  kind: string,
  id: string,
  input: unknown,
): XclusterActorRef<M> {
  const subscribe = (
    nextOrObserver: Observer<AnyMachineSnapshot> | ((snapshot: AnyMachineSnapshot) => void),
    error?: (error: unknown) => void,
    complete?: () => void,
  ): Subscription => {
    const observer = typeof nextOrObserver === 'function' ? { next: nextOrObserver, error, complete } : nextOrObserver
    return { unsubscribe: core.subscribe(kind, id, observer) }
  }
  const ref = {
    kind,
    id,
    sessionId: `xcluster:${kind}:${id}`,
    src: kind,
    // Refs live outside any XState system; the cluster is their system.
    system: undefined as never,
    send(event: EventObject) {
      checkEvent(kind, id, event)
      core.send(kind, id, event, input)
    },
    sendAndWait(event: EventObject, options?: SendAndWaitOptions) {
      try {
        checkEvent(kind, id, event)
      } catch (error) {
        return Promise.reject(error)
      }
      return core.sendAndWait(kind, id, event, input, options?.timeout)
    },
    getSnapshot: () => core.snapshotOf(kind, id, input),
    getPersistedSnapshot: () => core.persistedSnapshot(kind, id),
    subscribe,
    // Spawns the actor now (it would be on its first event otherwise). A ref cannot stop the
    // actor: it stops on a final state.
    start() {
      core.start(kind, id, input)
    },
    stop() {},
    on: () => ({ unsubscribe() {} }),
    select<T>(selector: (snapshot: AnyMachineSnapshot) => T, equal: (a: T, b: T) => boolean = Object.is): Readable<T> {
      return {
        get: () => selector(ref.getSnapshot()),
        subscribe: ((next: Observer<T> | ((value: T) => void)) => {
          const onValue = typeof next === 'function' ? next : (value: T) => next.next?.(value)
          let last = selector(ref.getSnapshot())
          return subscribe((snapshot) => {
            const value = selector(snapshot)
            if (equal(last, value)) return
            last = value
            onValue(value)
          })
        }) as Readable<T>['subscribe'],
      }
    },
    toJSON: () => ({ xstate$$type: 1, id, kind }),
    [OBSERVABLE]: (): InteropSubscribable<AnyMachineSnapshot> => ({ subscribe: (observer) => subscribe(observer) }),
  }
  return ref as unknown as XclusterActorRef<M>
}
