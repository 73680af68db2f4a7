import type { CallOptions, CallProxy, ContractShapeOf, SettledMethods, WorkerApi } from '../rpc/contract.js'
import type { XclusterActorRef } from '../actors/actor-ref.js'
import type { ActorInfo, ActorInput, ActorKind, ActorMachine, ActorRefOptions } from '../actors/contract-actors.js'
import { createCallProxy } from '../rpc/proxy.js'
import { type ClusterCore as Core, ClusterCore, type ClusterWorker } from './cluster.js'
import type { ClusterEvents } from './events.js'
import type { XclusterMetrics } from './cluster-ops.js'
import { handleSignals } from './signals.js'
import type { XclusterLogFilter, XclusterLogLine } from '../ops/log-buffer.js'
import { type AnyContract, resolveOptions, type SuperviseOptions } from './supervise-options.js'

/** Fork settings a rolling reload may change for the new generation of workers. */
export interface ReloadOptions {
  env?: Record<string, string | undefined>
  args?: string[]
  execArgv?: string[]
}

/**
 * A supervised cluster, as `supervise()` returns it. Calls to workers are typed by the contract.
 */
export class SupervisedCluster<C extends AnyContract = AnyContract> {
  readonly #core: Core
  /** Call whichever worker is least busy (fewest calls in flight, round robin among equals). */
  readonly any: CallProxy<WorkerApi<C>>
  /** Call every worker; settles with each worker's result or error, like `Promise.allSettled`. */
  readonly all: CallProxy<SettledMethods<ContractShapeOf<C>['worker']>>

  /** @internal */
  constructor(core: ClusterCore) {
    this.#core = core
    this.any = createCallProxy<WorkerApi<C>>((method, args, options) => core.router.any(method, args, options))
    this.all = createCallProxy((method, args, options) => core.router.all(method, args, options)) as this['all']
  }

  /**
   * One worker by its node:cluster id (`cluster.workers()[i].workerId`).
   * @throws WorkerNotFoundError when no live worker has that id.
   */
  worker(workerId: number): { readonly workerId: number; readonly call: CallProxy<WorkerApi<C>> } {
    const channel = this.#core.channel(workerId)
    return {
      workerId,
      call: createCallProxy<WorkerApi<C>>((method, args, options: CallOptions | undefined) => channel.call(method, args, options)),
    }
  }

  /**
   * A ref to the actor (kind, id): typed by the contract's machine for `kind`. The actor is spawned
   * on its first event (with `options.input`) on one worker that hosts the kind, and lives on
   * across worker deaths (restored from its stored snapshot).
   * @throws ActorKindError when the contract declares no such kind.
   *
   * @example
   * ```ts
   * const order = cluster.actor('order', 'order-42', { input: { customer: 'ada' } })
   * await order.sendAndWait({ type: 'PAY', amount: 10 })
   * ```
   */
  actor<K extends ActorKind<C>>(kind: K, id: string, options?: ActorRefOptions<ActorInput<C, K>>): XclusterActorRef<ActorMachine<C, K>> {
    return this.#core.actors.ref('cluster.actor()', kind, id, options) as unknown as XclusterActorRef<ActorMachine<C, K>>
  }

  /** The actors the master knows of: kind, id, hosting worker, status and state value. */
  actors(): ActorInfo[] {
    return this.#core.actors.list()
  }

  /** The live workers with their lifecycle state, calls in flight and restarts of their slot. */
  workers(): ClusterWorker[] {
    return this.#core.workers()
  }

  /**
   * The recent lines the workers wrote to stdout and stderr, oldest first: at most
   * `logs.bufferLines` (1,000) lines and `logs.bufferBytes` (1 MiB) are kept, across workers.
   * New lines arrive as `'log'` events.
   *
   * @example
   * ```ts
   * for (const { workerId, stream, line } of cluster.logs({ workerId: 2, lines: 20 })) console.log(workerId, stream, line)
   * cluster.on('log', ({ workerId, line }) => console.log(`#${workerId}: ${line}`))
   * ```
   */
  logs(filter?: XclusterLogFilter): XclusterLogLine[] {
    return this.#core.logs.buffer.recent(filter)
  }

  /** Subscribe to a cluster event; returns the function that unsubscribes. */
  on<E extends keyof ClusterEvents>(event: E, listener: (...args: ClusterEvents[E]) => void): () => void {
    const emitter = this.#core.events as unknown as NodeJS.EventEmitter
    const handler = listener as (...args: unknown[]) => void
    emitter.on(event, handler)
    return () => emitter.off(event, handler)
  }

  /** Resolves once every worker listens (or called `ready()`); rejects if the cluster fails or stops first. */
  onReady(): Promise<void> {
    return this.#core.onReady()
  }

  /** Resolves when the cluster stopped; rejects with `SupervisorFailedError` when the restart budget was spent. */
  onStopped(): Promise<void> {
    return this.#core.onStopped()
  }

  /**
   * Stop gracefully: stop routing new calls, let in-flight calls finish, disconnect, then SIGTERM,
   * then SIGKILL, each after its deadline (`timeouts`). Resolves when every worker has exited.
   */
  stop(reason = 'stop() called'): Promise<void> {
    return this.#core.stop(reason)
  }

  /**
   * Rolling reload: for each slot (`reload.maxUnavailable` at a time) fork a new worker, wait until
   * it listens, then drain the old one. When a new worker fails to start, the reload is rolled
   * back: new workers still starting are stopped, slots already replaced get a worker of the
   * previous settings again (new-first), then it rejects with `ReloadFailedError`: its
   * `generations` gives each slot's generation afterwards, `generation` the one that failed and
   * `previousGeneration` the one rolled back to (a slot that could not be is named in the
   * message). A reload while another runs is refused with the same error. Rejects with `ClusterStoppedError`
   * (or `SupervisorFailedError`) when the cluster ends before the reload does.
   */
  reload(options?: ReloadOptions): Promise<void> {
    return this.#core.reload(options)
  }

  /**
   * The cluster's metrics, when `metrics` is on: its own prom-client `registry`, the endpoint's
   * `url`, and `text()` (what `GET /metrics` answers). Resolves once the endpoint listens; rejects
   * with a TypeError when `metrics` is off, or with the listen error (a port in use).
   *
   * @example
   * ```ts
   * const cluster = supervise({ worker: './worker.js', metrics: { port: 9464 } })
   * const { registry, url } = await cluster.metrics()
   * new Counter({ name: 'jobs_total', help: 'Jobs done.', registers: [registry] })
   * console.log(`${url}/metrics`) // http://127.0.0.1:9464/metrics
   * ```
   */
  metrics(): Promise<XclusterMetrics> {
    return this.#core.metrics()
  }

  /** The URL of the local live view, when `dashboard` is on. */
  dashboardUrl(): Promise<string> {
    return this.#core.dashboardUrl()
  }
}

/**
 * Start a supervised cluster: fork `count` workers of `worker`, keep them running under the
 * restart policy, and give typed calls to them.
 *
 * @example
 * ```ts
 * const cluster = supervise({ worker: new URL('./worker.ts', import.meta.url), count: 4, contract: api })
 * await cluster.onReady()
 * console.log(await cluster.any.add(1, 2)) // 3
 * await cluster.stop()
 * ```
 */
export function supervise<C extends AnyContract = AnyContract>(options: SuperviseOptions<C>): SupervisedCluster<C> {
  const resolved = resolveOptions(options as SuperviseOptions<AnyContract>)
  const core = new ClusterCore(resolved)
  const cluster = new SupervisedCluster<C>(core)
  if (resolved.handleSignals) handleSignals(cluster)
  core.start()
  return cluster
}
