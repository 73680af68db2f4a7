import type { InspectionEvent, Observer } from 'xstate'
import type { WorkerTimeouts } from '../../machines/types.js'
import type { Contract, MasterHandlers } from '../rpc/contract.js'
import type { ErrorClass } from '../rpc/serialize-error.js'
import { checkMaxConcurrentRequests, type UploadWindow } from '../rpc/peer-options.js'
import { checkUploadWindow } from '../rpc/stream-frames.js'
import { type ResolvedActorsOptions, resolveActorsOptions, type XclusterActorsOptions } from '../actors/actor-options.js'
import type { ForkSettings } from './fork.js'
import { type ResolvedLogOptions, resolveLogOptions, type XclusterLogOptions } from '../ops/log-options.js'
import { type MetricsOptions, type ResolvedMetricsOptions, resolveMetricsOptions } from '../ops/metrics-options.js'
import { checkDuration, checkInteger, describeValue, mergeSection } from '../options/check-options.js'
import {
  DEFAULT_CALL_TIMEOUT,
  DEFAULT_MAX_PAYLOAD,
  type HealthOptions,
  type RestartOptions,
  resolveCount,
  resolveForkSettings,
  resolveHealth,
  resolveRestart,
  resolveTimeouts,
} from './settings.js'

/** Any contract, whatever its shape. */
export type AnyContract = Contract<any>

/** An XState inspection observer, as `createActor(machine, { inspect })` takes it. */
export type InspectObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void)

/** Options of the local live view (`dashboard`). */
export interface DashboardOptions {
  /** @default 0 (any free port; read `cluster.dashboardUrl()`) */
  port?: number
  /** Binding to anything but loopback requires `token`. @default '127.0.0.1' */
  host?: string
  /** Required to open the view when set (`?token=`). */
  token?: string
  /** Browsers that may watch at once; more get 503. @default 32 */
  maxClients?: number
  /** A browser whose buffer stays full this long (it stopped reading) is dropped, in ms. @default 10_000 */
  stallTimeout?: number
}

/** Options of `supervise()`. */
export interface SuperviseOptions<C extends AnyContract = AnyContract> {
  /** The worker's entry file: a path or a file: URL. A `.ts` file works when the master runs under tsx. */
  worker: string | URL
  /** How many workers to keep running. @default os.availableParallelism() */
  count?: number
  /** The contract both sides share (`defineContract()`); types the proxies. */
  contract?: C
  /** The master's side of the contract: methods the workers may call. */
  handlers?: MasterHandlers<C>
  /** Arguments passed to every worker. @default [] */
  args?: string[]
  /** Node flags of the workers. @default process.execArgv */
  execArgv?: string[]
  /** Extra environment variables, over the master's own. */
  env?: Record<string, string | undefined>
  /**
   * Keep the workers' stdout/stderr out of the master's. Workers always write into pipes that the
   * master reads, so that the last 20 lines of each one's stderr can go into its crash record and
   * `SupervisorFailedError`; by default both are passed through to the master's stdout/stderr (the
   * workers' `isTTY` is then false), in `logs.format`. `true` keeps them out of the master's
   * streams (the stderr tail, `cluster.logs()` and the `'log'` event still get every line).
   * @default false
   */
  silent?: boolean
  /**
   * How worker output is captured, kept (`cluster.logs()`) and written: format, app name, line
   * and buffer bounds.
   * @default { format: 'raw', maxLineBytes: 16_384, bufferLines: 1_000, bufferBytes: 1_048_576 }
   */
  logs?: XclusterLogOptions
  restart?: Partial<Omit<RestartOptions, 'backoff'>> & { backoff?: Partial<RestartOptions['backoff']> }
  timeouts?: Partial<WorkerTimeouts>
  health?: Partial<HealthOptions>
  reload?: {
    /** How many workers a rolling reload replaces at once. @default 1 */
    maxUnavailable?: number
  }
  /** Default deadline of a master → worker call, in ms. @default 30_000 */
  callTimeout?: number
  /**
   * Largest encoded call, reply or event, in bytes: checked before sending, and on what arrives
   * before it is decoded. Workers apply their own `serve({ maxPayload })`: raise both together.
   * @default 4 MiB
   */
  maxPayload?: number
  /**
   * How far ahead of a master handler's reading a worker's upload stream (an async iterable
   * argument) may be: `items` items, `bytes` bytes. Workers set their own in `serve({ uploadWindow })`.
   * @default { items: 1024, bytes: 1 MiB }
   */
  uploadWindow?: UploadWindow
  /**
   * How many requests of one worker the master runs at once (its handlers' promises or streams not
   * done yet); one more is refused at once with `RpcOverloadedError`, its handler not run. A
   * worker in a runaway loop cannot make the master hold an unbounded number of handlers.
   * Workers set their own in `serve({ maxConcurrentRequests })`. `Infinity` for no limit.
   * @default 10_000
   */
  maxConcurrentRequests?: number
  /** An XState inspection observer passed to every actor (e.g. `@statelyai/inspect`'s `inspector.inspect`). */
  inspect?: InspectObserver
  /** Serve a local live view of the cluster. @default false */
  dashboard?: DashboardOptions | boolean
  /** Stop gracefully on SIGINT/SIGTERM, then exit (0 when every worker stopped cleanly). @default true */
  handleSignals?: boolean
  /** The cluster's actors (the contract's `actors`): their snapshot store, hold deadline and restart budget. */
  actors?: XclusterActorsOptions
  /**
   * Serve `/healthz`, `/readyz` and Prometheus `/metrics` (prom-client, loaded only then) for
   * orchestrators; read them in code with `cluster.metrics()`. @default false
   */
  metrics?: MetricsOptions | boolean
}

/** @internal Options after validation and defaults. */
export interface ResolvedOptions {
  count: number
  fork: ForkSettings
  handlers: object
  errors: readonly ErrorClass[]
  restart: RestartOptions
  timeouts: WorkerTimeouts
  health: HealthOptions
  reload: { maxUnavailable: number }
  callTimeout: number
  maxPayload: number
  uploadWindow: UploadWindow | undefined
  /** `undefined`: the RPC peer's default. */
  maxConcurrentRequests: number | undefined
  inspect: ((event: InspectionEvent) => void) | undefined
  dashboard: DashboardOptions | undefined
  handleSignals: boolean
  logs: ResolvedLogOptions
  /** The contract's actor machines, by kind. */
  actorMachines: Readonly<Record<string, object>>
  actors: ResolvedActorsOptions
  metrics: ResolvedMetricsOptions | undefined
}

/** Check every option of `supervise()`; throws a TypeError/RangeError naming the bad one. @internal */
export function resolveOptions(options: SuperviseOptions<AnyContract>): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected \`supervise()\` options to be an object, got ${describeValue(options)}`)
  }
  const handlers = options.handlers ?? {}
  if (handlers === null || typeof handlers !== 'object') {
    throw new TypeError(`Expected \`handlers\` to be an object of functions, got ${describeValue(handlers)}`)
  }
  const reload = mergeSection('reload', { maxUnavailable: 1 }, options.reload)
  checkInteger('reload.maxUnavailable', reload.maxUnavailable, 1)
  checkMaxConcurrentRequests(options.maxConcurrentRequests)
  const count = resolveCount(options.count)
  return {
    count,
    fork: resolveForkSettings(options),
    handlers,
    errors: options.contract?.errors ?? [],
    restart: resolveRestart(options.restart),
    timeouts: resolveTimeouts(options.timeouts),
    health: resolveHealth(options.health),
    reload,
    callTimeout: checkDuration('callTimeout', options.callTimeout ?? DEFAULT_CALL_TIMEOUT),
    maxPayload: checkInteger('maxPayload', options.maxPayload ?? DEFAULT_MAX_PAYLOAD, 1),
    uploadWindow: resolveUploadWindow(options.uploadWindow),
    maxConcurrentRequests: options.maxConcurrentRequests,
    inspect: resolveInspect(options.inspect),
    dashboard: resolveDashboard(options.dashboard),
    handleSignals: options.handleSignals ?? true,
    logs: resolveLogOptions(options.logs),
    actorMachines: options.contract?.actors ?? {},
    actors: resolveActorsOptions(options.actors),
    metrics: resolveMetricsOptions(options.metrics, count),
  }
}

function resolveInspect(inspect: unknown): ((event: InspectionEvent) => void) | undefined {
  if (inspect === undefined) return undefined
  if (typeof inspect === 'function') return inspect as (event: InspectionEvent) => void
  if (inspect && typeof (inspect as Observer<InspectionEvent>).next === 'function') {
    const observer = inspect as Observer<InspectionEvent>
    return (event) => observer.next?.(event)
  }
  throw new TypeError(`Expected \`inspect\` to be an inspection observer (a function or { next }), got ${describeValue(inspect)}`)
}

function resolveDashboard(dashboard: unknown): DashboardOptions | undefined {
  if (dashboard === undefined || dashboard === false) return undefined
  if (dashboard === true) return {}
  if (dashboard === null || typeof dashboard !== 'object') {
    throw new TypeError(`Expected \`dashboard\` to be true or { port, host, token }, got ${describeValue(dashboard)}`)
  }
  return mergeSection(
    'dashboard',
    { port: undefined, host: undefined, token: undefined, maxClients: undefined, stallTimeout: undefined },
    dashboard,
  ) as DashboardOptions
}

/** Checks `uploadWindow` and keeps a copy, so a later change to the caller's object changes nothing. */
function resolveUploadWindow(uploadWindow: UploadWindow | undefined): UploadWindow | undefined {
  checkUploadWindow(uploadWindow)
  return uploadWindow === undefined ? undefined : { items: uploadWindow.items, bytes: uploadWindow.bytes }
}
