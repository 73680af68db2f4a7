import type { WorkerOutput } from '../../machines/types.js'
import type { TransitionEvent } from './worker-table.js'
import type { ActorErrorEvent } from '../actors/contract-actors.js'
import type { XclusterLogLine } from '../ops/log-buffer.js'

/**
 * A worker process ended: how (`exit`), why (`reason`), whether the supervisor asked for it
 * (`expected`) or it never listened (`startFailed`); for an unexpected exit, what the master knew
 * of the worker when it died (`crash`).
 */
export type WorkerExitEvent = WorkerOutput & { crash?: CrashRecord }

/** What the master knew of a worker that died unexpectedly. */
export interface CrashRecord {
  /** Its last lifecycle transitions, oldest first. */
  transitions: TransitionEvent[]
  /** Calls that were in flight to it when it died. */
  callsInFlight: Array<{ method: string; ageMs: number }>
  /** The last heartbeat it answered, if any. */
  lastHeartbeat: { rss: number; heapUsed: number; at: number } | null
  /**
   * The last lines it wrote to stderr (at most 20, each cut at 400 characters, 8 KiB in all),
   * oldest first: most often the error it died of.
   */
  stderr: string[]
}

/**
 * The supervisor scheduled a restart, always after the `exit` event of the worker it replaces.
 * `kind`: `'start-failure'` (it never listened, or exited within `restart.minUptime` of its fork:
 * backoff, charged to `restart.maxRestarts`) or `'crash'` (it had been serving: restarted at once,
 * charged to `restart.maxCrashes`).
 */
export interface WorkerRestartEvent {
  slotId: string
  kind: 'start-failure' | 'crash'
  /** Start failures since the backoff was last reset (the `n` of `initial * factor^n`); a crash leaves it as it was. */
  attempt: number
  /** Backoff before the fork, in ms; 0 for a crash. */
  delay: number
  reason: string
}

/** The events a `SupervisedCluster` emits, by name. */
export interface ClusterEvents {
  transition: [event: TransitionEvent]
  exit: [event: WorkerExitEvent]
  restart: [event: WorkerRestartEvent]
  replace: [event: { slotId: string; reason: string }]
  /** The restart budget was spent; the cluster is stopping every worker. */
  failed: [error: Error]
  stopped: [event: { reason: string }]
  /** A typed event emitted by a worker (`link.emit(name, payload)`). */
  event: [workerId: number, name: string, payload: unknown]
  /** A worker's own `process.send()` message that is not an xcluster envelope, untouched. */
  message: [workerId: number, message: unknown]
  /** A malformed envelope from a worker: reported and dropped. */
  'protocol-error': [workerId: number, error: Error]
  /** An actor's machine threw (it restarts from its last good snapshot, or stops), or its store failed. */
  'actor-error': [event: ActorErrorEvent]
  /** A line a worker wrote to its stdout or stderr (cut at `logs.maxLineBytes`). */
  log: [line: XclusterLogLine]
}
