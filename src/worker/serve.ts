/**
 * `serve()` and `ready()`: what a worker file calls (through `xcluster/worker`).
 *
 * @example
 * ```ts
 * import { serve } from 'xcluster/worker'
 * import { api } from './contract.js'
 *
 * const master = serve(api, {
 *   add(a, b) { return a + b },
 *   async slow(ms) {
 *     await setTimeout(ms, undefined, { signal: this.signal }) // stops when the caller gives up
 *   },
 * })
 * master.notify.log('worker up')
 * master.ready()
 * ```
 */
import type { AnyStateMachine } from 'xstate'
import type { ActorInput, ActorKind, ActorMachine, ActorRefOptions, ContractActors } from '../actors/contract-actors.js'
import { ACTOR_ERROR_CLASSES } from '../actors/errors.js'
import { KINDS } from '../actors/messages.js'
import { createRemoteActorRef, type XclusterRemoteActorRef } from '../actors/remote-actor-ref.js'
import { RpcClosedError } from '../rpc/errors.js'
import { DEFAULT_TIMEOUT } from '../rpc/peer.js'
import type {
  CallOptions,
  CallProxy,
  Contract,
  ContractEvents,
  ContractShapeOf,
  MasterApi,
  NotifyMethods,
  WorkerHandlers,
} from '../rpc/contract.js'
import { createCallProxy, createNotifyProxy } from '../rpc/proxy.js'
import type { ErrorClass } from '../rpc/serialize-error.js'
import type { UploadWindow } from '../rpc/peer-options.js'
import { SUPERVISOR_ERROR_CLASSES } from '../supervisor/errors.js'
import { connect, sendReady, type WorkerSide } from './connect.js'
import { WORKER_ERROR_CLASSES } from './errors.js'
import * as messages from './messages.js'

/** Options of `serve()`. */
export interface ServeOptions<C extends Contract<any> = Contract<any>> {
  /**
   * The actor kinds this worker hosts, each with its machine (the contract's, or the same machine
   * with this worker's implementations: `orderMachine.provide({ actions })`). The master places
   * actors of a kind only on workers that host it.
   * @default {} (hosts no actors)
   */
  actors?: { [K in ActorKind<C>]?: ContractActors<C>[K] }
  /**
   * Default deadline of calls to the master, in ms; `Infinity` for none.
   * @default 30_000
   */
  timeout?: number
  /**
   * Largest encoded payload this worker sends or accepts (arguments, results, events), in bytes;
   * what arrives is measured before it is decoded. Match the master's `supervise({ maxPayload })`.
   * @default 4_194_304 (4 MiB)
   */
  maxPayload?: number
  /**
   * How far ahead of this worker's handlers' reading an upload stream from the master (an async
   * iterable argument) may be: `items` items, `bytes` bytes. The master sets its own in
   * `supervise({ uploadWindow })`.
   * @default { items: 1024, bytes: 1 MiB }
   */
  uploadWindow?: UploadWindow
  /**
   * How many of the master's requests this worker runs at once (handlers' promises or streams not
   * done yet); one more is refused at once with `RpcOverloadedError`, its handler not run. The
   * master sets its own in `supervise({ maxConcurrentRequests })`. `Infinity` for no limit.
   * @default 10_000
   */
  maxConcurrentRequests?: number
  /** More error classes to rebuild as themselves, on top of the contract's. */
  errors?: readonly ErrorClass[]
  /**
   * Called with a `ProtocolError` when a malformed xcluster message arrives (it is dropped).
   * @default process.emitWarning
   */
  onProtocolError?(error: Error): void
  /**
   * Called when a notification from the master fails (unknown method, handler threw).
   * @default process.emitWarning
   */
  onNotifyError?(error: Error, method: string): void
}

/** The worker's link to the master, returned by `serve()`. */
export interface MasterLink<C extends Contract<any>> {
  /** Calls the master's methods: `await master.call.log('x')`, `master.call.$with({ timeout }).log('x')`. */
  readonly call: CallProxy<MasterApi<C>>
  /** One-way calls to the master's methods: `master.notify.log('x')` (no reply, no wait). */
  readonly notify: NotifyMethods<ContractShapeOf<C>['master']>
  /** Emits a typed event that the master can subscribe to. */
  emit<K extends keyof ContractEvents<C> & string>(event: K, payload: ContractEvents<C>[K]): void
  /** Tells the master this worker is ready to take calls (for workers without a server). */
  ready(): void
  /**
   * A ref to any actor of the cluster, routed through the master: `send()` and `sendAndWait()`.
   * @throws ActorKindError when the contract declares no such kind.
   */
  actor<K extends ActorKind<C>>(
    kind: K,
    id: string,
    options?: ActorRefOptions<ActorInput<C, K>>,
  ): XclusterRemoteActorRef<ActorMachine<C, K>>
  /** Calls sent to the master and not settled. */
  readonly inFlight: number
  /** Resolves when nothing is in flight in either direction. */
  onIdle(): Promise<void>
  /**
   * Stops serving: pending calls to the master reject with `RpcClosedError`, and the link's
   * listeners are removed so they no longer keep the process alive.
   */
  close(): void
}

/**
 * Serves the worker side of a contract and returns the link to the master. Requests that arrive
 * before `serve()` (for instance after an early `ready()`) are held and answered once it runs, or
 * with an `UnknownMethodError` if it has not run 5 s after they arrived; built-ins such as the
 * master's heartbeat are answered at once.
 *
 * Handlers are the own methods of `handlers`; each runs with `this` set to a call context whose
 * `signal` aborts when the caller aborts or its deadline passes (its prototype is `handlers`, so
 * `this.otherHandler()` works).
 *
 * @example
 * ```ts
 * const master = serve(api, { add: (a, b) => a + b })
 * master.ready()
 * ```
 */
export function serve<C extends Contract<any>>(contract: C, handlers: WorkerHandlers<C>, options: ServeOptions<C> = {}): MasterLink<C> {
  if (typeof contract !== 'object' || contract === null || !Array.isArray(contract.errors)) {
    throw new TypeError(`Expected a contract made by defineContract(), got \`${String(contract)}\``)
  }
  const current = connect('serve()')
  if (current.isServing) throw new TypeError(messages.alreadyServingMessage())
  current.peer.configure({
    timeout: options.timeout,
    maxPayload: options.maxPayload,
    uploadWindow: options.uploadWindow,
    maxConcurrentRequests: options.maxConcurrentRequests,
    // Errors the master's handlers rethrow (a WorkerExitedError of a call it made) arrive as themselves.
    errors: [...SUPERVISOR_ERROR_CLASSES, ...WORKER_ERROR_CLASSES, ...ACTOR_ERROR_CLASSES, ...contract.errors, ...(options.errors ?? [])],
    onProtocolError: options.onProtocolError,
    onNotifyError: options.onNotifyError,
  })
  current.isServing = true
  current.peer.setHandlers(handlers)
  hostActors(current, contract, options.actors)
  return createMasterLink<C>(current, contract, options.timeout ?? DEFAULT_TIMEOUT)
}

/** Serves the actor kinds of `actors` here, and tells the master which they are. */
function hostActors(current: WorkerSide, contract: Contract<any>, actors: object | undefined): void {
  if (actors === undefined) return
  if (typeof actors !== 'object' || actors === null) throw new TypeError(messages.badActorsMessage(actors))
  for (const [kind, machine] of Object.entries(actors)) {
    if (!Object.hasOwn(contract.actors ?? {}, kind))
      throw new TypeError(messages.unknownActorKindMessage(kind, Object.keys(contract.actors ?? {})))
    if (typeof machine !== 'object' || machine === null || typeof (machine as AnyStateMachine).getPersistedSnapshot !== 'function') {
      throw new TypeError(messages.badActorMachineMessage(kind))
    }
  }
  // Loaded only by a worker that hosts actors: the host brings xstate's runtime, a fifth of what
  // `xcluster/worker` cost to load at every worker start. Until it is up, `ready()` waits for it
  // (connect.ts), and the master places no actor here: it has not heard of the kinds yet.
  current.actorsHosted = import('../actors/actor-host.js').then(({ ActorHost }) => {
    const host = new ActorHost({
      machines: actors as Record<string, AnyStateMachine>,
      // Once the link closed (the master went away) there is nobody to report to: the master that
      // comes next restores from its store. A report must not throw into the microtask that sends it.
      notify: (method, args) => {
        if (current.peer.closeReason === undefined) current.peer.notify(method, args)
      },
    })
    Object.assign(current.actorHandlers, host.handlers())
    // Before `ready()`: the master learns the kinds before it may place actors here.
    if (current.peer.closeReason === undefined) current.peer.notify(KINDS, [host.kinds])
  })
}

function createMasterLink<C extends Contract<any>>(current: WorkerSide, contract: Contract<any>, timeout: number): MasterLink<C> {
  const { peer } = current
  const actorLink = {
    notify: (method: string, args: unknown[]) => peer.notify(method, args),
    call: (method: string, args: unknown[], options: { timeout?: number }) => peer.call(method, args, options),
    timeout,
  }
  return {
    actor: ((kind: string, id: string, options?: { input?: unknown }) =>
      createRemoteActorRef(actorLink, contract.actors ?? {}, kind, id, options?.input)) as MasterLink<C>['actor'],
    call: createCallProxy<MasterApi<C>>((method, args, callOptions: CallOptions | undefined) => peer.call(method, args, callOptions)),
    notify: createNotifyProxy<NotifyMethods<ContractShapeOf<C>['master']>>((method, args) => peer.notify(method, args)),
    emit: (event, payload) => peer.emit(event, payload),
    ready: () => sendReady(current),
    get inFlight() {
      return peer.inFlight
    },
    onIdle: () => peer.onIdle(),
    close: () => {
      peer.close(new RpcClosedError('the master'))
      current.detach()
    },
  }
}

/**
 * Tells the master this worker is ready to take calls: its state becomes `listening` without a
 * server. Also available as `link.ready()`. Sent once; later calls do nothing.
 *
 * @example
 * ```ts
 * await connectToDatabase()
 * ready()
 * ```
 */
export function ready(): void {
  // Disconnected before it was ready: as above, nothing to tell and nothing to throw.
  if (typeof process.send === 'function' && !process.connected) return
  sendReady(connect('ready()'))
}
