import type { ExitInfo } from '../../machines/types.js'
import { setErrorName, XclusterError, type XclusterErrorOptions } from '../rpc/errors.js'
import * as messages from './messages.js'

// --- Workers as call targets ----------------------------------------------------------------------

/** How a worker process ended, as the master saw it. */
export interface WorkerExitDetails {
  /** node:cluster's `worker.id`. */
  workerId: number | string
  pid?: number | undefined
  /** The exit code, `null` when killed by a signal. */
  exitCode: number | null
  /** The signal that killed it, e.g. `'SIGKILL'`, or `null`. */
  signal: string | null
}

/**
 * The worker exited while the call was pending. Code `ERR_WORKER_EXITED`. The exit code is in
 * `exitCode` (`code` is the error code, as on every xcluster error).
 */
export class WorkerExitedError extends XclusterError {
  workerId: number | string
  pid: number | undefined
  exitCode: number | null
  signal: string | null

  constructor(details: WorkerExitDetails, options?: XclusterErrorOptions) {
    super(messages.workerExitedMessage(details.workerId, details.pid, details.exitCode, details.signal), 'ERR_WORKER_EXITED', options)
    this.workerId = details.workerId
    this.pid = details.pid
    this.exitCode = details.exitCode
    this.signal = details.signal
  }
}
setErrorName(WorkerExitedError, 'WorkerExitedError')

/** The worker is draining and takes no new calls. Code `ERR_WORKER_DRAINING`. */
export class WorkerDrainingError extends XclusterError {
  workerId: number | string
  method: string | undefined

  constructor(details: { workerId: number | string; method?: string | undefined }) {
    super(messages.workerDrainingMessage(details.workerId, details.method), 'ERR_WORKER_DRAINING')
    this.workerId = details.workerId
    this.method = details.method
  }
}
setErrorName(WorkerDrainingError, 'WorkerDrainingError')

/**
 * `cluster.any` found no worker able to take the call. Code `ERR_NO_WORKER`. After the cluster
 * stopped or failed, `cause` is the `ClusterStoppedError` or `SupervisorFailedError` that ended it.
 */
export class NoWorkerError extends XclusterError {
  method: string | undefined

  constructor(details: { method?: string | undefined; ended?: Error | undefined } = {}) {
    super(
      messages.noWorkerMessage(details.method, details.ended?.message),
      'ERR_NO_WORKER',
      details.ended === undefined ? undefined : { cause: details.ended },
    )
    this.method = details.method
  }
}
setErrorName(NoWorkerError, 'NoWorkerError')

// --- The supervisor -----------------------------------------------------------------------------

/** What the supervisor knew when it gave up. */
export interface SupervisorFailure {
  /** The slot whose end spent the budget. */
  slotId?: string
  /**
   * Which budget: `'start-failure'` (`restart.maxRestarts` in `restart.period`) or `'crash'`
   * (`restart.maxCrashes` in `restart.crashPeriod`).
   */
  kind?: 'start-failure' | 'crash'
  /** Its last exit. */
  exit?: ExitInfo
  /** Restarts counted within `period` by that budget. */
  restarts?: number
  /** The budget's window, in ms. */
  period?: number
  /** The last lines that slot's last process wrote to stderr, oldest first. */
  stderr?: string[]
  reason: string
  cause?: unknown
}

/**
 * A restart budget was spent (or the supervisor itself broke): every worker was stopped.
 * Code `ERR_SUPERVISOR_FAILED`. `cluster.onStopped()` rejects with it. Its message ends with the
 * last lines the failing worker wrote to stderr, also in `stderr`.
 *
 * @example
 * ```ts
 * cluster.onStopped().catch((error) => {
 *   if (error instanceof SupervisorFailedError) console.error(error.kind, error.stderr.at(-1))
 *   // → start-failure Error: Cannot find module './config.json'
 * })
 * ```
 */
export class SupervisorFailedError extends XclusterError {
  slotId: string | undefined
  kind: 'start-failure' | 'crash' | undefined
  exit: ExitInfo | undefined
  restarts: number | undefined
  period: number | undefined
  /** The last lines (at most 20) the failing slot's last process wrote to stderr; [] when none. */
  stderr: string[]
  reason: string

  constructor(failure: SupervisorFailure) {
    super(messages.supervisorFailedMessage(failure), 'ERR_SUPERVISOR_FAILED', 'cause' in failure ? { cause: failure.cause } : undefined)
    this.slotId = failure.slotId
    this.kind = failure.kind
    this.exit = failure.exit
    this.restarts = failure.restarts
    this.period = failure.period
    this.stderr = failure.stderr ?? []
    this.reason = failure.reason
  }
}
setErrorName(SupervisorFailedError, 'SupervisorFailedError')

/** What the supervisor reported when `reload()` failed or was refused. */
export interface ReloadFailure {
  /** The supervisor's account: which slot failed and how, which slots went back, which could not. */
  reason: string
  /** The generation the reload tried to roll out; absent when the reload was refused. */
  generation?: number
  /** The generation the slots went back to: the last one rolled out in full; absent when refused. */
  previousGeneration?: number
  /** The generation each slot runs after the rollback (or starts next, when it has no worker), by slot id. */
  generations?: Record<string, number>
}

/**
 * `reload()` failed and was rolled back, or was refused (another reload was in progress, or the
 * cluster was stopping). Code `ERR_RELOAD_FAILED`.
 *
 * After a rollback, `generations` says which generation each slot runs: all equal
 * `previousGeneration` unless a worker of that generation failed to start during the rollback
 * too; those slots stay on the generation they served, and the message names them.
 *
 * @example
 * ```ts
 * try { await cluster.reload({ env: { VERSION: 'v2' } }) } catch (error) {
 *   if (error instanceof ReloadFailedError && error.generations) {
 *     const stuck = Object.entries(error.generations).filter(([, g]) => g !== error.previousGeneration)
 *     console.log(stuck) // → [] once every slot is back, e.g. [['slot-0', 1]] otherwise
 *   }
 * }
 * ```
 */
export class ReloadFailedError extends XclusterError {
  /** The supervisor's account, e.g. `reload to generation 1 failed: slot-3: new worker failed to start: exited with code 1; rolled back slot-0 to generation 0`. */
  readonly reason: string
  /** The generation the reload tried to roll out; `undefined` when the reload was refused. */
  readonly generation: number | undefined
  /** The generation the slots went back to (the last one rolled out in full); `undefined` when refused. */
  readonly previousGeneration: number | undefined
  /**
   * The generation each slot runs once the rollback is over (or starts next, when it has no
   * worker), by slot id, e.g. `{ 'slot-0': 0, 'slot-1': 0 }`; `undefined` when refused.
   */
  readonly generations: Record<string, number> | undefined

  constructor(failure: ReloadFailure) {
    super(messages.reloadFailedMessage(failure), 'ERR_RELOAD_FAILED')
    this.reason = failure.reason
    this.generation = failure.generation
    this.previousGeneration = failure.previousGeneration
    this.generations = failure.generations && { ...failure.generations }
  }
}
setErrorName(ReloadFailedError, 'ReloadFailedError')

/** The cluster was stopped. Code `ERR_CLUSTER_STOPPED`. */
export class ClusterStoppedError extends XclusterError {
  constructor(reason: string) {
    super(messages.stoppedMessage(reason), 'ERR_CLUSTER_STOPPED')
  }
}
setErrorName(ClusterStoppedError, 'ClusterStoppedError')

/** `cluster.worker(id)` named no live worker. Code `ERR_WORKER_NOT_FOUND`. */
export class WorkerNotFoundError extends XclusterError {
  workerId: number

  constructor(workerId: number, known: number[]) {
    super(messages.workerNotFoundMessage(workerId, known), 'ERR_WORKER_NOT_FOUND')
    this.workerId = workerId
  }
}
setErrorName(WorkerNotFoundError, 'WorkerNotFoundError')

/**
 * The supervisor's errors rebuilt as themselves on the other side of a call (a master handler that
 * rethrows a `WorkerExitedError` is seen as one by the calling worker).
 * @internal
 */
export const SUPERVISOR_ERROR_CLASSES: readonly (abstract new (...args: never[]) => Error)[] = [
  WorkerExitedError,
  WorkerDrainingError,
  NoWorkerError,
  SupervisorFailedError,
  ReloadFailedError,
  ClusterStoppedError,
  WorkerNotFoundError,
]
