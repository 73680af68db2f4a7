/**
 * The worker side: what a worker file imports (`xcluster/worker`).
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
import cluster from 'node:cluster'
import { MasterExitedError, RpcClosedError, XclusterError } from './errors.js'
import type {
  CallOptions,
  CallProxy,
  Contract,
  ContractEvents,
  ContractShapeOf,
  MasterApi,
  NotifyMethods,
  WorkerHandlers,
} from './rpc/contract.js'
import * as messages from './rpc/messages.js'
import { createRpcPeer, type RpcPeer } from './rpc/peer.js'
import { createCallProxy, createNotifyProxy } from './rpc/proxy.js'
import type { ErrorClass } from './rpc/serialize-error.js'

export { isXclusterMessage } from './rpc/protocol.js'
export type { RpcCallContext } from './rpc/peer.js'

// How long an orphan (a worker whose master vanished) has to let its pending calls reject before
// it exits; an unref'd timer, so one with nothing left running exits sooner.
const ORPHAN_EXIT_DELAY = 100 // ms

/** Options of `serve()`. */
export interface ServeOptions {
  /**
   * Default deadline of calls to the master, in ms; `Infinity` for none.
   * @default 30_000
   */
  timeout?: number
  /**
   * Largest encoded payload this worker sends (arguments, results, events), in bytes.
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

interface WorkerSide {
  peer: RpcPeer
  isServing: boolean
  isReady: boolean
  detach(): void
}

let side: WorkerSide | undefined

/** Creates the peer over this process's IPC channel, once. */
function connect(api: string): WorkerSide {
  if (side !== undefined) return side
  if (typeof process.send !== 'function') throw new XclusterError(messages.noIpcChannelMessage(api), 'ERR_NO_IPC_CHANNEL')
  // A callback makes a failed send (channel already closed) harmless: without one Node emits
  // 'error' on process, which kills the worker. The 'disconnect' handler below settles the calls.
  const ignoreSendError = (): void => {}
  const send = process.send.bind(process)
  const peer = createRpcPeer({
    send: (message) => send(message, ignoreSendError),
    holdRequests: true,
    internal: {
      $heartbeat: () => {
        const { rss, heapUsed } = process.memoryUsage()
        return { rss, heapUsed }
      },
    },
    label: 'the master',
  })
  const onMessage = (message: unknown): void => {
    peer.receive(message)
  }
  const onDisconnect = (): void => {
    peer.close(new MasterExitedError())
    detach()
    // node:cluster already exits a worker whose master vanished (and lets a worker that the master
    // disconnected finish gracefully); a plain fork() child has nobody doing that.
    if (!cluster.isWorker) setTimeout(() => process.exit(0), ORPHAN_EXIT_DELAY).unref()
  }
  const detach = (): void => {
    process.off('message', onMessage)
    process.off('disconnect', onDisconnect)
    side = undefined
  }
  process.on('message', onMessage)
  process.on('disconnect', onDisconnect)
  side = { peer, isServing: false, isReady: false, detach }
  // Tells the master the worker side is loaded: from now on it answers heartbeats.
  peer.notify('$attach', [])
  return side
}

function sendReady(current: WorkerSide): void {
  if (current.isReady) return
  current.isReady = true
  // A master that disconnected this worker before it was ready (a stop during its boot) has
  // nobody left to tell; the worker is on its way out, not in error.
  if (current.peer.closeReason !== undefined) return
  current.peer.notify('$ready', [])
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
    errors: [...contract.errors, ...(options.errors ?? [])],
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
