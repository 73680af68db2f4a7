/**
 * Why a worker ended, in the words of `xcluster_worker_exits_total`'s `cause` label, from the exit
 * event the supervisor emits (and, for a memory replacement, the `replace` event before it).
 */

/** A worker's exit as the metrics count it. */
export interface ExitFacts {
  slotId: string
  workerId: number | null
  exit: { code: number | null; signal: string | null }
  reason: string
  expected: boolean
  startFailed: boolean
}

/** How the worker machine words the end of a worker killed by its slot for missed heartbeats. */
const HUNG_KILL_REASON = 'kill requested: hung: '
/** How the slot words a replacement for the memory limit (`replace` event). */
const MEMORY_REPLACE_REASON = 'memory: '

/** Whether a `replace` event's reason is the memory limit: the exit of the worker it replaces is `memory-limit`. */
export function isMemoryReplacement(reason: string): boolean {
  return reason.startsWith(MEMORY_REPLACE_REASON)
}

/**
 * Why a worker ended, as the `cause` label of `xcluster_worker_exits_total`: `memory-limit` and
 * `hung` (ended by the health checks), `requested` (stop, reload), `start-failure` (it never
 * served), else `crash`. `isMemoryReplaced`: its slot replaced it for the memory limit (the exit
 * itself only says that it was asked to stop).
 */
export function classifyExit(exit: Pick<ExitFacts, 'reason' | 'expected' | 'startFailed'>, isMemoryReplaced = false): string {
  if (exit.reason.startsWith(HUNG_KILL_REASON)) return 'hung'
  if (exit.expected && isMemoryReplaced) return 'memory-limit'
  if (exit.expected) return 'requested'
  if (exit.startFailed) return 'start-failure'
  return 'crash'
}
