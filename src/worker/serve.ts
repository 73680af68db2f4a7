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
import { RpcClosedError } from '../rpc/errors.js'
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
import { SUPERVISOR_ERROR_CLASSES } from '../supervisor/errors.js'
import { connect, sendReady, type WorkerSide } from './connect.js'
import { WORKER_ERROR_CLASSES } from './errors.js'
import * as messages from './messages.js'

/** Options of `serve()`. */
export interface ServeOptions {
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
export function serve<C extends Contract<any>>(contract: C, handlers: WorkerHandlers<C>, options: ServeOptions = {}): MasterLink<C> {
  if (typeof contract !== 'object' || contract === null || !Array.isArray(contract.errors)) {
    throw new TypeError(`Expected a contract made by defineContract(), got \`${String(contract)}\``)
  }
  const current = connect('serve()')
  if (current.isServing) throw new TypeError(messages.alreadyServingMessage())
  current.peer.configure({
    timeout: options.timeout,
    maxPayload: options.maxPayload,
    // Errors the master's handlers rethrow (a WorkerExitedError of a call it made) arrive as themselves.
    errors: [...SUPERVISOR_ERROR_CLASSES, ...WORKER_ERROR_CLASSES, ...contract.errors, ...(options.errors ?? [])],
    onProtocolError: options.onProtocolError,
    onNotifyError: options.onNotifyError,
  })
  current.isServing = true
  current.peer.setHandlers(handlers)
  return createMasterLink<C>(current)
}

function createMasterLink<C extends Contract<any>>(current: WorkerSide): MasterLink<C> {
  const { peer } = current
  return {
    call: createCallProxy<MasterApi<C>>((method, args, callOptions: CallOptions | undefined) =>
      peer.call(method, args, callOptions),
    ),
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
