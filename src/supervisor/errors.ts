import type { ExitInfo } from '../../machines/types.js'
import { setErrorName, XclusterError } from '../errors.js'
import * as messages from './messages.js'

/** What the supervisor knew when it gave up. */
export interface SupervisorFailure {
  /** The slot whose crash spent the budget. */
  slotId?: string
  /** Its last exit. */
  exit?: ExitInfo
  /** Restarts counted within `period`. */
  restarts?: number
  /** The budget's window, in ms. */
  period?: number
  reason: string
  cause?: unknown
}

/**
 * The restart budget was spent (or the supervisor itself broke): every worker was stopped.
 * Code `ERR_SUPERVISOR_FAILED`. `cluster.onStopped()` rejects with it.
 */
export class SupervisorFailedError extends XclusterError {
  slotId: string | undefined
  exit: ExitInfo | undefined
  restarts: number | undefined
  period: number | undefined
  reason: string

  constructor(failure: SupervisorFailure) {
    super(messages.supervisorFailedMessage(failure), 'ERR_SUPERVISOR_FAILED', 'cause' in failure ? { cause: failure.cause } : undefined)
    this.slotId = failure.slotId
    this.exit = failure.exit
    this.restarts = failure.restarts
    this.period = failure.period
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
