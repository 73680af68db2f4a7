/**
 * Every message the supervisor shows a user, in one place. Each entry says when it happens.
 * @internal
 */
import type { ExitInfo } from '../../machines/types.js'

const describeExit = ({ code, signal }: ExitInfo): string =>
  signal ? `signal ${signal}` : code === null ? 'no exit seen' : `code ${code}`

// The restart budget was spent: the supervisor stopped every worker and ended in `failed`.
export const supervisorFailedMessage = (failure: { slotId?: string; exit?: ExitInfo; restarts?: number; period?: number; reason: string }): string =>
  failure.slotId && failure.exit
    ? `The cluster failed: worker ${failure.slotId} exited with ${describeExit(failure.exit)} after ${failure.restarts} restarts ` +
      `within ${failure.period} ms, which spends the restart budget (restart.maxRestarts in restart.period). ` +
      `Fix the crash (see the 'exit' events' crash records) or widen the budget. ${failure.reason}`
    : `The cluster failed: ${failure.reason}`

// reload() could not replace the workers; the old ones keep serving.
export const reloadFailedMessage = (reason: string): string =>
  `cluster.reload() was rolled back: ${reason}. The workers that were serving keep serving; fix the new version and reload again.`

// A call or wait on a cluster that has been stopped.
export const stoppedMessage = (reason: string): string =>
  `The cluster is stopped (${reason}); supervise() again to start a new one.`

// cluster.worker(id) named no live worker.
export const workerNotFoundMessage = (workerId: number, known: number[]): string =>
  `cluster.worker(${workerId}): no live worker has that id; live ids are ${known.length ? known.join(', ') : 'none'} (see cluster.workers()).`
