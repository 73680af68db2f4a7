/**
 * The live view's options, what it returns, and the checks `supervise({ dashboard })` runs before
 * anything starts.
 */
import type { AnyStateMachine, InspectionEvent } from 'xstate'
import {
  describeBadAllowedHosts,
  describeBadHost,
  describeBadMachine,
  describeBadMaxClients,
  describeBadPort,
  describeBadStallTimeout,
  describeBadToken,
} from './messages.js'
import { assertSafeBinding } from './security.js'

/** The host the view binds to unless told otherwise: this machine only. */
export const DEFAULT_LIVE_VIEW_HOST = '127.0.0.1'
/** Browsers that may stream at once unless told otherwise. */
export const DEFAULT_MAX_CLIENTS = 32
/** How long a browser's buffer may stay full before it is dropped, in ms (10 s). */
export const DEFAULT_STALL_TIMEOUT = 10_000
/** Per-worker figures that only the runtime knows; keyed by node:cluster's `worker.id`. */
export interface XclusterWorkerStats {
  workerId: number
  inFlight: number
  restarts: number
}

export interface XclusterLiveViewOptions {
  /** TCP port; 0 lets the system pick a free one (read it from `url`). @default 0 */
  port?: number
  /**
   * Interface to bind. Anything but loopback requires `token`.
   * @default '127.0.0.1'
   */
  host?: string
  /**
   * Required to open the page or the stream, as `?token=…` or `Authorization: Bearer …`.
   * Required when `host` is not loopback. @default undefined (no token on loopback)
   */
  token?: string
  /** Extra host names the Host header may carry (a reverse proxy's name). @default [] */
  allowedHosts?: string[]
  /**
   * The worker lifecycle machine: actors running it are shown as workers. Every machine the view
   * sees is drawn; this one is drawn first. Leave it out for a view of any XState program.
   */
  workerMachine?: AnyStateMachine
  /**
   * Accept `@statelyai/inspect`'s `createWebSocketInspector({ url: 'ws://127.0.0.1:PORT' })` on
   * the same port (with `?token=…` in that URL when a token is set), and show those machines too.
   * @default false
   */
  acceptInspectors?: boolean
  /** Returns calls in flight and restarts per live worker; read once a second while a browser watches. */
  getStats?: () => XclusterWorkerStats[]
  /** Browsers that may stream at once; more get 503. @default 32 */
  maxClients?: number
  /**
   * A browser whose socket buffer stays full this long (it stopped reading) is dropped, even
   * when nothing more is sent, so that it cannot hold one of the `maxClients` places. In ms.
   * @default 10_000
   */
  stallTimeout?: number
  /** The page title. @default 'xcluster live view' */
  title?: string
}

export interface XclusterLiveView {
  /** Where to open the view on this machine (loopback for a wildcard bind), with `?token=` when a token is set. */
  url: string
  /** Pass to `createActor(machine, { inspect: view.observer })`, or through `combineInspectors`. */
  observer: (event: InspectionEvent) => void
  /**
   * Feeds one inspection event in `@statelyai/inspect`'s JSON shape (what
   * `createWebSocketInspector` sends: `@xstate.actor` with `definition`, `@xstate.snapshot`,
   * `@xstate.event`), as a string or an object. For events that reach the master some other way,
   * such as actors' inspection relayed from a worker process. Malformed input is ignored.
   */
  observeRemote(message: string | object): void
  /** The WebSocket address inspected programs send to, when `acceptInspectors` is on. */
  inspectorUrl: string | null
  /** Resolves once every chart asked for so far is drawn. */
  onChartsDrawn(): Promise<void>
  /** Ends every stream and stops the server. Idempotent. */
  close(): Promise<void>
}

/**
 * Checks live view options without starting anything, so that `supervise()` can refuse bad
 * `dashboard` options synchronously. Throws a TypeError naming the bad option, including a
 * non-loopback `host` without `token`. `createLiveView` runs the same checks.
 *
 * @example
 * assertLiveViewOptions({ host: '0.0.0.0', workerMachine }) // throws: needs a token
 */
export function assertLiveViewOptions(options: XclusterLiveViewOptions): void {
  const host = options.host ?? DEFAULT_LIVE_VIEW_HOST
  const port = options.port ?? 0
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS
  if (typeof host !== 'string' || host.trim() === '') throw new TypeError(describeBadHost(host))
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(describeBadPort(port))
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === ''))
    throw new TypeError(describeBadToken(options.token))
  if (!Number.isInteger(maxClients) || maxClients < 1) throw new TypeError(describeBadMaxClients(maxClients))
  const stallTimeout = options.stallTimeout ?? DEFAULT_STALL_TIMEOUT
  if (!Number.isInteger(stallTimeout) || stallTimeout < 1) throw new TypeError(describeBadStallTimeout(stallTimeout))
  if (
    options.allowedHosts !== undefined &&
    (!Array.isArray(options.allowedHosts) || !options.allowedHosts.every((h) => typeof h === 'string'))
  ) {
    throw new TypeError(describeBadAllowedHosts(options.allowedHosts))
  }
  const machine = options.workerMachine as unknown as { id?: unknown; root?: unknown } | undefined
  if (machine !== undefined && (!machine || typeof machine.id !== 'string' || machine.root === undefined))
    throw new TypeError(describeBadMachine(options.workerMachine))
  assertSafeBinding(host, options.token)
}
