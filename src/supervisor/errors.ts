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

/** `reload()` was rolled back. Code `ERR_RELOAD_FAILED`. */
export class ReloadFailedError extends XclusterError {
  reason: string

  constructor(reason: string) {
    super(messages.reloadFailedMessage(reason), 'ERR_RELOAD_FAILED')
    this.reason = reason
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
