/**
 * The seam between the pure machines in `machines/` and the runtime in `src/supervisor/`.
 *
 * The machines never touch a process. Everything that happens to a real process arrives as a
 * `ProcessEvent` sent back by the invoked `process` actor, and everything the machine wants done
 * to a process leaves as a `ProcessCommand` sent to that actor. The runtime provides the real
 * actor with `machine.provide({ actors: { process } })`; tests provide a fake one.
 */

/** How a process ended, as node:cluster reports it. */
export interface ExitInfo {
  code: number | null
  signal: string | null
}

/** What a heartbeat reply carries: the worker's own `process.memoryUsage()` figures, in bytes. */
export interface HealthSample {
  rss: number
  heapUsed: number
}

/** Sent back by the `process` actor to the worker machine that invoked it. */
export type ProcessEvent =
  /** The process was forked; `workerId` is node:cluster's `worker.id`. */
  | { type: 'process.fork'; pid: number; workerId: number }
  | { type: 'process.online' }
  /** A server in the worker is listening (cluster's `listening` event). */
  | { type: 'process.listening'; address: string | null }
  /** The worker called `ready()` from `xcluster/worker`. */
  | { type: 'process.ready' }
  /** The IPC channel closed (cluster's `disconnect` event). */
  | { type: 'process.disconnect' }
  | { type: 'process.exit'; code: number | null; signal: string | null }
  /** After a `drain` command: no call to this worker is in flight any more. */
  | { type: 'process.drained' }
  /** A heartbeat was answered. */
  | { type: 'process.heartbeat'; sample: HealthSample }
  /** A heartbeat went unanswered within its deadline. */
  | { type: 'process.heartbeatMissed' }
  /** The process could not be forked or its channel failed. */
  | { type: 'process.error'; message: string }

/** Sent by the worker machine to its `process` actor. */
export type ProcessCommand =
  /** The worker is listening: route calls to it and start heartbeats. */
  | { type: 'accept' }
  /** Stop routing new calls to it; answer `process.drained` once none is in flight. */
  | { type: 'drain' }
  /** `worker.disconnect()`: close servers and the IPC channel, let the process exit. */
  | { type: 'disconnect' }
  | { type: 'signal'; signal: 'SIGTERM' | 'SIGKILL' }

/** The input of the `process` actor: which position and which incarnation it runs. */
export interface ProcessInput {
  slotId: string
  incarnation: number
}
