/**
 * The contract: one type, shared by master and workers, naming the methods each side serves and
 * the events workers emit. At run time it only carries the error classes to rebuild; everything
 * else is types.
 */
import type { RpcCallContext, RpcCallOptions } from './peer.js'
import type { ErrorClass } from './serialize-error.js'

/** The shape a contract is defined with. */
export interface ContractShape {
  /** Methods the workers serve, called by the master. */
  worker: object
  /** Methods the master serves, called by workers. */
  master: object
  /** Events a worker can emit, by name, with their payload type. */
  events?: object
  /** Actor kinds and their machines' types: `{ order: typeof orderMachine }` (see src/actors/). */
  actors?: object
}

declare const contractShape: unique symbol

/** A contract made by `defineContract()`. */
export interface Contract<T extends ContractShape = ContractShape> {
  /** Error classes rebuilt as themselves when thrown across the link (both directions). */
  readonly errors: readonly ErrorClass[]
  /** The actor kinds and their machines (empty when the contract declares none). */
  readonly actors: Readonly<Record<string, object>>
  /** Carries the shape type only; never set. */
  readonly [contractShape]?: T
}

export interface DefineContractOptions {
  /**
   * Your error classes: a handler that throws one is seen by the caller as an instance of it
   * (with its own fields, `cause` and the remote stack). Others arrive as `RemoteError`.
   * @default []
   */
  errors?: readonly ErrorClass[]
  /**
   * The machines of the actor kinds the shape's `actors` declares: refs to kind `order` are typed
   * by `orderMachine` on both sides. Required when the shape declares `actors`.
   * @default {}
   */
  actors?: Readonly<Record<string, object>>
}

/** `defineContract()`'s options: with `actors` required, and matching, when the shape declares them. */
type ContractOptionsArgs<T extends ContractShape> = T extends { actors: infer A extends object }
  ? [options: Omit<DefineContractOptions, 'actors'> & { actors: A }]
  : [options?: DefineContractOptions]

/**
 * Defines the contract that master and workers share.
 *
 * @example
 * ```ts
 * // contract.ts
 * export class QuotaError extends Error { limit = 0 }
 * export const api = defineContract<{
 *   worker: { add(a: number, b: number): number; stats(): { served: number } }
 *   master: { log(line: string): void }
 *   events: { progress: { done: number } }
 *   actors: { order: typeof orderMachine }
 * }>({ errors: [QuotaError], actors: { order: orderMachine } })
 * ```
 */
export function defineContract<T extends ContractShape>(...args: ContractOptionsArgs<T>): Contract<T> {
  const options: DefineContractOptions = args[0] ?? {}
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected defineContract() options to be an object, got \`${String(options)}\``)
  }
  const errors = options.errors ?? []
  if (!Array.isArray(errors) || errors.some((ErrorClass) => typeof ErrorClass !== 'function')) {
    throw new TypeError('Expected `errors` to be an array of error classes, e.g. `{ errors: [QuotaError] }`')
  }
  const actors = options.actors ?? {}
  if (
    typeof actors !== 'object' ||
    actors === null ||
    Object.values(actors).some((machine) => typeof machine !== 'object' || machine === null)
  ) {
    throw new TypeError('Expected `actors` to be an object of XState machines, e.g. `{ actors: { order: orderMachine } }`')
  }
  return Object.freeze({ errors: Object.freeze([...errors]), actors: Object.freeze({ ...actors }) })
}

/** The shape type of a contract. */
export type ContractShapeOf<C> = C extends Contract<infer T> ? T : never

/** Per-call options: deadline and abort signal. */
export type CallOptions = RpcCallOptions

/** The names of `T` that are callable methods (`$`-prefixed names are never methods). */
export type MethodName<T> = {
  [K in keyof T]: K extends `$${string}` ? never : K extends string ? (T[K] extends (...args: any[]) => any ? K : never) : never
}[keyof T]

type Args<F> = F extends (...args: infer A) => any ? A : never
type Result<F> = F extends (...args: any[]) => infer R ? Awaited<R> : never

/**
 * What calling a method that returns `R` gives the caller: for a stream (a method declared to
 * return `AsyncIterable<T>`, served by e.g. an `async function*`), an `AsyncIterable<T>` to read
 * with `for await`; otherwise a promise of the result.
 */
export type RemoteResult<R> = Awaited<R> extends AsyncIterable<infer T> ? AsyncIterable<T> : Promise<Awaited<R>>

/** `T`'s methods as remote calls: same arguments, the result as a promise, or a stream (see `RemoteResult`). */
export type RemoteMethods<T> = {
  [K in MethodName<T>]: (...args: Args<T[K]>) => RemoteResult<ReturnType<Extract<T[K], (...args: any[]) => any>>>
}

/** `T`'s methods as one-way notifications: same arguments, no result. */
export type NotifyMethods<T> = { [K in MethodName<T>]: (...args: Args<T[K]>) => void }

/** One worker's outcome in `cluster.all`. */
export type Settled<T> = { workerId: number; status: 'fulfilled'; value: T } | { workerId: number; status: 'rejected'; reason: unknown }

/** `T`'s methods called on every worker: settles with each worker's result or error. */
export type SettledMethods<T> = { [K in MethodName<T>]: (...args: Args<T[K]>) => Promise<Settled<Result<T[K]>>[]> }

/** Handlers for `T`: may return the result or a promise of it; `this.signal` aborts on cancel. */
export type Handlers<T> = {
  [K in MethodName<T>]: (this: RpcCallContext & Handlers<T>, ...args: Args<T[K]>) => Result<T[K]> | Promise<Result<T[K]>>
}

/** What the master calls on a worker: `proxy.add(1, 2)` is `Promise<number>`. */
export type WorkerApi<C> = RemoteMethods<ContractShapeOf<C>['worker']>
/** What a worker calls on the master. */
export type MasterApi<C> = RemoteMethods<ContractShapeOf<C>['master']>
/** What `serve()` takes in a worker. */
export type WorkerHandlers<C> = Handlers<ContractShapeOf<C>['worker']>
/** What the master runtime takes as the master's handlers. */
export type MasterHandlers<C> = Handlers<ContractShapeOf<C>['master']>
/** The events of a contract, by name (an empty object when it has none). */
export type ContractEvents<C> = ContractShapeOf<C> extends { events: infer E extends object } ? E : {}

/**
 * A typed call proxy. `$with(options)` returns the same proxy with per-call options bound.
 *
 * @example
 * ```ts
 * await proxy.$with({ timeout: 1000, signal }).add(1, 2)
 * ```
 */
export type CallProxy<Api> = Api & {
  /** The same proxy, with these options for every call made through it (merged over current ones). */
  $with(options: CallOptions): CallProxy<Api>
}
