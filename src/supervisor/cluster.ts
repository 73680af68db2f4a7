import { EventEmitter } from 'node:events'
import { type Actor, type InspectionEvent, createActor } from 'xstate'
import { createSupervisorMachine } from '../../machines/supervisor/supervisor.js'
import { workerMachine } from '../../machines/worker/worker.js'
import { assertLiveViewOptions, createLiveView, type XclusterLiveView } from '../inspect/live-view.js'
import { combineInspectors } from '../inspect/combine-inspectors.js'
import type { SupervisorInput } from '../../machines/types.js'
import { ClusterStoppedError, ReloadFailedError, SupervisorFailedError, WorkerNotFoundError } from './errors.js'
import { ClusterActors } from '../actors/cluster-actors.js'
import type { WorkerChannel } from './channel.js'
import { CrashRecorder } from './crash-records.js'
import type { ClusterEvents } from './events.js'
import type { ForkSettings } from './fork.js'
import { createProcessLogic, type ProcessHost } from './process-actor.js'
import { CallRouter } from './router.js'
import { type ClusterOps, startClusterOps, type XclusterMetrics } from './cluster-ops.js'
import type { ClusterPhase } from '../ops/readiness.js'
import type { ResolvedOptions } from './supervise-options.js'
import { type WorkerInfo, WorkerTable } from './worker-table.js'
import { WorkerLogs } from '../ops/worker-logs.js'
import type { XclusterStartTiming } from './start-timing.js'
import { openWorkerChannel } from './open-worker-channel.js'

/** A worker as `cluster.workers()` lists it: lifecycle plus call and restart figures. */
export interface ClusterWorker extends WorkerInfo {
  inFlight: number
  restarts: number
  /** Where its start went, phase by phase; present once its first server listened. */
  start?: XclusterStartTiming
}

/**
 * The runtime core behind `supervise()`: runs the supervisor machine with the real process
 * actor, keeps the worker table from inspection events and routes calls. It trusts its
 * options; `supervise()` validated them.
 * @internal
 */
export class ClusterCore {
  readonly events = new EventEmitter<ClusterEvents>()
  readonly router: CallRouter
  readonly table = new WorkerTable()
  readonly actors: ClusterActors
  /** Every worker's output, line by line: the bounded buffer of `cluster.logs()`. */
  readonly logs: WorkerLogs
  readonly #options: ResolvedOptions
  /** The user's observer and the live view; one that throws is skipped, never the supervisor. */
  readonly #observe: (event: InspectionEvent) => void
  readonly #actor: Actor<ReturnType<typeof createSupervisorMachine>>
  readonly #generations = new Map<number, ForkSettings>()
  readonly #crashes = new CrashRecorder()
  readonly #restarts = new Map<string, number>()
  /** Workers whose machine failed, by `slotId/incarnation`, until their exit event is emitted. */
  readonly #failedRows = new Map<string, WorkerInfo>()
  readonly #waiters = new Set<() => void>()
  readonly #stopped: Promise<void>
  readonly #liveView: Promise<XclusterLiveView> | undefined
  #liveViewObserver: ((event: InspectionEvent) => void) | undefined
  /** The health and metrics endpoint, when `metrics` is on; `#opsReady` once it listens. */
  readonly #ops: Promise<ClusterOps> | undefined
  #opsReady: ClusterOps | undefined
  #isStopping = false
  /** The generation whose settings are in force (the last reload that succeeded). */
  #generation = 0
  /** The last generation number handed out. */
  #lastGeneration = 0
  #end: { error?: Error; reason: string } | undefined
  /** Exit, restart, failed and stopped are emitted through this chain, in the machine's order. */
  #emitted: Promise<void> = Promise.resolve()

  constructor(options: ResolvedOptions) {
    this.#options = options
    this.#observe = combineInspectors(options.inspect, (event) => this.#liveViewObserver?.(event))
    this.router = new CallRouter(options.callTimeout)
    this.logs = new WorkerLogs(options.logs, (line) => this.events.emit('log', line))
    this.actors = new ClusterActors({
      machines: options.actorMachines,
      options: options.actors,
      timeout: options.callTimeout,
      errors: options.errors,
      inspect: options.inspect || options.dashboard ? (event) => this.#observe(event) : undefined,
      onError: (event) => this.events.emit('actor-error', event),
    })
    this.#generations.set(0, options.fork)
    if (options.dashboard) {
      const liveViewOptions = {
        ...options.dashboard,
        workerMachine,
        getStats: () =>
          this.workers().flatMap((w) =>
            w.workerId === null ? [] : [{ workerId: w.workerId, inFlight: w.inFlight, restarts: w.restarts }],
          ),
      }
      // Refuse bad options (a public bind without a token…) now, not in a promise nobody awaits.
      assertLiveViewOptions(liveViewOptions)
      this.#liveView = createLiveView(liveViewOptions)
      this.#liveView.then((view) => (this.#liveViewObserver = view.observer)).catch(() => {})
    }
    if (options.metrics) {
      const knownStates = Object.keys(workerMachine.config.states ?? {}).filter((state) => state !== 'exited')
      const input = { options: options.metrics, events: this.events, table: this.table, router: this.router, knownStates }
      this.#ops = startClusterOps({ ...input, handlers: options.handlers, phase: () => this.#phase() })
      this.#ops.then((ops) => (this.#opsReady = ops)).catch(() => {})
    }
    const machine = createSupervisorMachine({ process: createProcessLogic(this.#createHost()) })
    const input: SupervisorInput = {
      count: options.count,
      policy: options.restart,
      timeouts: options.timeouts,
      health: options.health,
      reload: options.reload,
    }
    this.#actor = createActor(machine, { input, inspect: (event) => this.#inspect(event) })
    this.#stopped = new Promise<void>((resolve, reject) => {
      // As with exits, the last workers' final snapshots are inspected after the root emits.
      this.#actor.on('stopped', (event) =>
        this.#emitInOrder(() => {
          this.#finish({ reason: event.reason })
          resolve()
        }),
      )
      // After the last exit's event, with what the failing worker printed.
      this.#actor.on('failed', (event) =>
        this.#emitInOrder(async () => {
          const error = new SupervisorFailedError({ ...event, stderr: await this.#crashes.lastStderr(event.slotId) })
          this.#finish({ error, reason: event.reason })
          this.events.emit('failed', error)
          reject(error)
        }),
      )
      // An error thrown inside a machine must not take the master down: fail the cluster instead.
      this.#actor.subscribe({
        error: (cause) => {
          const error = new SupervisorFailedError({ reason: `supervisor machine error: ${(cause as Error)?.message}`, cause })
          this.#finish({ error, reason: error.message })
          // An actor that errored does not stop its children, so their processes would outlive it.
          for (const channel of this.router.channels()) channel.kill()
          reject(error)
        },
      })
    })
    // onStopped() may never be awaited; a failure is also reported through the 'failed' event.
    this.#stopped.catch(() => {})
    // The parent hears of an exit before the worker's own final snapshot is inspected: wait (at
    // least) a microtask so that the 'transition' to `exited` comes first, and the crash record
    // holds it; and until the worker's stderr has ended, so that the record holds its last lines.
    this.#actor.on('worker.exit', ({ type: _type, ...exit }) =>
      this.#emitInOrder(async () => {
        // A worker machine that failed left its row to the table, which knows its pid and id.
        const key = `${exit.slotId}/${exit.incarnation}`
        const failed = this.#failedRows.get(key)
        if (failed !== undefined) {
          this.#failedRows.delete(key)
          exit.pid ??= failed.pid
          exit.workerId ??= failed.workerId
        }
        this.events.emit('exit', await this.#crashes.complete(exit))
      }),
    )
    // Queued behind the exit it follows, so that a restart is never heard of before it.
    this.#actor.on('worker.restart', ({ type: _type, ...event }) =>
      this.#emitInOrder(() => {
        this.#restarts.set(event.slotId, (this.#restarts.get(event.slotId) ?? 0) + 1)
        this.events.emit('restart', event)
      }),
    )
    this.#actor.on('worker.replace', (event) => this.events.emit('replace', event))
  }

  /**
   * Start the supervisor in a microtask, so that listeners attached right after `supervise()`
   * returns see the very first transitions; with a live view, once it serves.
   */
  start(): void {
    if (!this.#liveView && !this.#ops) return queueMicrotask(() => this.#actor.start())
    const started = (promise: Promise<unknown> | undefined, what: string) =>
      promise?.catch((error: Error) => {
        process.emitWarning(`xcluster: the ${what} could not start (${error.message}); the cluster runs without it`)
      })
    // The endpoint listens before the first fork: its call observer must be on every worker's channel.
    Promise.all([started(this.#liveView, 'live view'), started(this.#ops, 'metrics endpoint')]).then(() => this.#actor.start())
  }

  dashboardUrl(): Promise<string> {
    if (!this.#liveView)
      return Promise.reject(
        new TypeError('cluster.dashboardUrl(): the live view is off; pass `dashboard: true` (or { port, host, token }) to supervise()'),
      )
    return this.#liveView.then((view) => view.url)
  }

  metrics(): Promise<XclusterMetrics> {
    if (!this.#ops)
      return Promise.reject(
        new TypeError('cluster.metrics(): metrics are off; pass `metrics: true` (or { port, host, readyWorkers }) to supervise()'),
      )
    return this.#ops.then((ops) => ops.handle)
  }

  #phase(): ClusterPhase {
    if (this.#end) return this.#end.error ? 'failed' : 'stopped'
    return this.#isStopping ? 'stopping' : 'running'
  }

  workers(): ClusterWorker[] {
    return this.table.list().map((info) => {
      const channel = info.workerId === null ? undefined : this.router.get(info.workerId)
      const row: ClusterWorker = { ...info, inFlight: channel?.inFlight ?? 0, restarts: this.#restarts.get(info.slotId) ?? 0 }
      if (channel?.startTiming) row.start = channel.startTiming
      return row
    })
  }

  channel(workerId: number): WorkerChannel {
    const channel = this.router.get(workerId)
    if (!channel)
      throw new WorkerNotFoundError(
        workerId,
        [...this.router.channels()].map((c) => c.workerId),
      )
    return channel
  }

  onReady(): Promise<void> {
    return this.#until(() => this.table.countIn('listening') >= this.#options.count)
  }

  onStopped(): Promise<void> {
    return this.#stopped
  }

  stop(reason: string): Promise<void> {
    if (this.#end) return this.#end.error ? Promise.resolve() : this.#stopped
    this.#isStopping = true
    const sendStop = () => this.#actor.send({ type: 'stop', reason })
    // Actor events already sent land and are stored before the workers drain (a stop persists
    // every actor), within the drain deadline; with none pending the stop is sent at once.
    if (this.actors.isSettled()) sendStop()
    else this.actors.onSettled(this.#options.timeouts.drain).then(() => this.#end === undefined && sendStop())
    return this.#stopped.catch(() => {})
  }

  /**
   * Each reload gets a generation number of its own, even one that fails, so its settings are
   * never confused with another's; new settings build on the last generation that succeeded.
   */
  reload(fork?: Partial<Pick<ForkSettings, 'env' | 'args' | 'execArgv'>>): Promise<void> {
    if (this.#end) return Promise.reject(this.#end.error ?? new ClusterStoppedError(this.#end.reason))
    const generation = ++this.#lastGeneration
    const base = this.#generations.get(this.#generation)!
    this.#generations.set(generation, { ...base, ...fork, env: { ...base.env, ...fork?.env } })
    return new Promise((resolve, reject) => {
      let isSending = true
      const done = this.#actor.on('reload.done', (event) => {
        if (event.generation !== generation) return
        unsubscribe()
        this.#generation = generation
        // Done means the old generation is gone too, not only that the new one listens.
        this.#until(() => this.table.list().every((row) => row.generation >= generation)).then(resolve, reject)
      })
      const failed = this.#actor.on('reload.failed', (event) => {
        // A refused reload has no generation; it is refused while this very send runs.
        if (event.generation !== generation && !(event.generation === null && isSending)) return
        unsubscribe()
        const generations = event.generations
        // Cut short by stop() or a failure: reject as any call on the ended cluster does, once it ends.
        if (event.generation !== null && !generations) return void this.#until(() => false).catch(reject)
        if (!generations) return reject(new ReloadFailedError({ reason: event.reason }))
        // No reload completed since this one began, so the generation in force is the one the slots went back to.
        const error = new ReloadFailedError({ reason: event.reason, generation, previousGeneration: this.#generation, generations })
        // Rolled back means the failed generation's workers are gone too, not only that the old ones serve.
        const isRolledBack = () => this.table.list().every((row) => (generations[row.slotId] ?? row.generation) === row.generation)
        this.#until(isRolledBack).then(() => reject(error), reject)
      })
      const unsubscribe = () => {
        done.unsubscribe()
        failed.unsubscribe()
      }
      this.#actor.send({ type: 'reload', generation })
      isSending = false
    })
  }

  /** Resolves once `condition` holds, checked after every transition; rejects if the cluster ends first. */
  #until(condition: () => boolean): Promise<void> {
    const ended = () => this.#end && (this.#end.error ?? new ClusterStoppedError(this.#end.reason))
    const early = ended()
    if (early) return Promise.reject(early)
    if (condition()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const check = () => {
        const error = ended()
        if (error) reject(error)
        else if (condition()) resolve()
        else return
        this.#waiters.delete(check)
      }
      this.#waiters.add(check)
    })
  }

  /**
   * Runs `step` after every step queued before it (each at least a microtask after the machine
   * emitted). A listener that throws is rethrown outside the chain, as a synchronous emit would.
   */
  #emitInOrder(step: () => void | Promise<void>): void {
    this.#emitted = this.#emitted.then(step).catch((error: unknown) => {
      queueMicrotask(() => {
        throw error
      })
    })
  }

  #finish(end: { error?: Error; reason: string }): void {
    if (this.#end) return
    this.#end = end
    this.router.close(end.error ?? new ClusterStoppedError(end.reason))
    this.actors.close(end.error ?? new ClusterStoppedError(end.reason)).catch(() => {})
    for (const check of [...this.#waiters]) check()
    if (!end.error) this.events.emit('stopped', { reason: end.reason })
    this.#liveView?.then((view) => view.close()).catch(() => {})
    this.#ops?.then((ops) => ops.close()).catch(() => {})
  }

  #inspect(event: InspectionEvent): void {
    this.actors.observeSupervisor(event)
    const transition = this.table.observe(event)
    for (const row of this.table.takeFailed()) this.#endOrphan(row)
    if (transition) {
      const start = transition.to === 'listening' && transition.workerId !== null && this.router.get(transition.workerId)?.startTiming
      if (start) transition.start = start
      this.#crashes.noteTransition(transition)
      this.events.emit('transition', transition)
      for (const check of [...this.#waiters]) check()
    }
    this.#observe(event)
  }

  /**
   * A worker machine failed: XState does not stop the children of an actor that threw, so its
   * process would run on, unsupervised and still routed to. Kill it (its exit then releases the
   * channel), and keep who it was for the exit event, which the slot builds without pid or id.
   */
  #endOrphan(row: WorkerInfo): void {
    this.#failedRows.set(`${row.slotId}/${row.incarnation}`, row)
    if (row.workerId !== null) this.router.get(row.workerId)?.kill()
  }

  #createHost(): ProcessHost {
    const options = this.#options
    return {
      heartbeatInterval: options.health.heartbeatInterval,
      heartbeatEventLoopDelay: options.metrics !== undefined,
      settingsFor: (generation) => this.#generations.get(generation) ?? this.#generations.get(this.#generation)!,
      openChannel: (worker, input, onReady, forkedAt) => {
        const deps = { options, router: this.router, actors: this.actors, events: this.events, observer: () => this.#opsReady?.metrics }
        return openWorkerChannel(deps, worker, input, onReady, forkedAt)
      },
      releaseChannel: (channel, reason) => {
        this.#crashes.noteCallsInFlight(channel.workerId, channel.peer.pendingCalls())
        channel.close(reason)
        this.router.remove(channel.workerId)
        this.actors.onExit(channel.workerId)
      },
      deliverUserMessage: (workerId, message) => this.events.emit('message', workerId, message),
      recordHeartbeat: (workerId, sample) => {
        this.#crashes.noteHeartbeat(workerId, sample)
        this.#opsReady?.noteHeartbeat(workerId, sample)
      },
      recordStderr: (input, workerId, lines) => this.#crashes.noteStderr(input, workerId, lines),
      captureLogs: (source, streams, silent) => this.logs.capture(source, streams, silent),
    }
  }
}
