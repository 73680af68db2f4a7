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
  /** The worker's event-loop delay since its last heartbeat, in ms; only when the master has metrics on. */
  eventLoopDelay?: { mean: number; p99: number; max: number }
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
  /** Reload generation: the runtime forks with the settings of this generation. */
  generation: number
}

/** Deadlines of one worker incarnation, in milliseconds. */
export interface WorkerTimeouts {
  /** From fork until the worker listens (or calls `ready()`); past it the start failed. */
  start: number
  /** How long in-flight calls may take to finish after `drain` before the channel is closed. */
  drain: number
  /** How long after `disconnect` the process may take to exit before it gets SIGTERM. */
  disconnect: number
  /** How long after SIGTERM the process may take to exit before it gets SIGKILL. */
  terminate: number
  /** How long after SIGKILL to wait for the exit before giving the process up for lost. */
  kill: number
}

/** When a listening worker counts as unhealthy. */
export interface HealthLimits {
  /** Consecutive unanswered heartbeats after which the worker is reported `hung`. */
  maxMissedHeartbeats: number
  /** Resident set size, in bytes, above which the worker is reported for `memory`. */
  maxRss?: number
  /** V8 heap used, in bytes, above which the worker is reported for `memory`. */
  maxHeapUsed?: number
}

/** The input of `workerMachine`: one process incarnation of one slot. */
export interface WorkerInput {
  slotId: string
  /** Counts the processes this slot has started, from 1. */
  incarnation: number
  /** Reload generation whose settings the process runs. */
  generation: number
  timeouts: WorkerTimeouts
  health: HealthLimits
}

/** Commands the owner of a worker machine may send it. */
export type WorkerCommand =
  /** Graceful: drain, disconnect, then SIGTERM, then SIGKILL as deadlines pass. */
  | { type: 'stop'; reason: string }
  /** Immediate SIGKILL. */
  | { type: 'kill'; reason: string }

/** Why a worker was reported unhealthy. */
export type UnhealthyKind = 'memory' | 'hung'

/** Events a worker machine sends to its parent (the slot). */
export type WorkerParentEvent =
  | { type: 'worker.listening'; slotId: string; incarnation: number; pid: number | null; workerId: number | null }
  | {
      type: 'worker.unhealthy'
      slotId: string
      incarnation: number
      reason: UnhealthyKind
      /** Human-readable: the figure and the limit, or the number of missed heartbeats. */
      detail: string
    }

/** What a finished worker machine outputs (its `done` event). */
export interface WorkerOutput {
  slotId: string
  incarnation: number
  generation: number
  pid: number | null
  workerId: number | null
  /** `{ code: null, signal: null }` when no exit was seen before the kill deadline. */
  exit: ExitInfo
  /** Why the worker ended, e.g. `start timeout after 5000ms; exited with signal SIGTERM`. */
  reason: string
  /** A `stop` or `kill` was requested by the owner. */
  expected: boolean
  /** The worker never listened and its end was not requested. */
  startFailed: boolean
}

/** OTP restart types: `permanent` always, `transient` after an abnormal unrequested exit, `temporary` never. */
export type RestartType = 'permanent' | 'transient' | 'temporary'

/** Exponential backoff between restarts of one slot: `initial * factor^n`, capped at `max`. */
export interface BackoffOptions {
  /** Delay before the first restart, in ms. */
  initial: number
  /** Upper bound of any delay, in ms. */
  max: number
  factor: number
  /** After this many ms of stable listening, `n` goes back to 0. */
  resetAfter: number
}

/**
 * How a worker's end is classified when its policy restarts it:
 * - `start-failure`: it never listened, or it exited within `minUptime` ms of its fork. It is
 *   restarted after a backoff and charged to the crash-loop budget (`maxRestarts` in `period`),
 *   so a worker that fails at boot every time fails the supervisor fast.
 * - `crash`: it had listened and stayed up at least `minUptime` ms (killed from outside, or it
 *   crashed while serving). It is restarted at once and charged to the crash limit
 *   (`maxCrashes` in `crashPeriod`).
 */
export type RestartKind = 'start-failure' | 'crash'

/** When and how fast crashed workers are restarted. */
export interface RestartPolicy {
  type: RestartType
  /**
   * A worker that exits within this many ms of its fork (listening or not) is a start failure;
   * one that listened and stayed up this long is a crash.
   */
  minUptime: number
  /** At most this many start failures (and hung workers replaced) within `period` across the whole supervisor (OTP intensity)... */
  maxRestarts: number
  /** ...within this sliding window, in ms. One more spends the budget and the supervisor fails. */
  period: number
  /** At most this many crashes of serving workers within `crashPeriod`; `Infinity`: no limit. */
  maxCrashes: number
  /** The sliding window of `maxCrashes`, in ms. */
  crashPeriod: number
  /** Delays between start failures of one slot; a crash is restarted at once. */
  backoff: BackoffOptions
}

/** The input of `supervisorMachine`. */
export interface SupervisorInput {
  /** How many workers (slots) to run. */
  count: number
  policy: RestartPolicy
  timeouts: WorkerTimeouts
  health: HealthLimits
  reload: {
    /** How many slots are replaced at once during a rolling reload (new worker first). */
    maxUnavailable: number
  }
}

/** Events the supervisor accepts from its owner. */
export type SupervisorCommand =
  | { type: 'stop'; reason: string }
  /**
   * Rolling reload to `generation` (default: the current one + 1). Passing it lets the owner key
   * the settings of each generation itself; it must be newer than the current one.
   */
  | { type: 'reload'; generation?: number }

/**
 * Events the root supervisor actor emits; subscribe with `actor.on(type, handler)`.
 * `worker.exit` carries every field of {@link WorkerOutput}.
 */
export type SupervisorEmitted =
  | ({ type: 'worker.exit' } & WorkerOutput)
  /** A restart was granted: at once after a `crash`, after `delay` ms of backoff after a `start-failure`. */
  | { type: 'worker.restart'; slotId: string; kind: RestartKind; attempt: number; delay: number; reason: string }
  | { type: 'worker.replace'; slotId: string; reason: string }
  | { type: 'reload.done'; generation: number }
  /**
   * `generation` is the one that failed, or null when the reload was refused and no generation
   * was started. A failed reload is emitted once, after its rollback: the slots it reached are
   * back on the previous generation, and the others never left it. A reload (or rollback) that a
   * stop or a failure of the supervisor cuts short is emitted at once, without `generations`:
   * every slot is stopping.
   */
  | {
      type: 'reload.failed'
      reason: string
      generation: number | null
      /**
       * After a failed reload (not a refused or interrupted one): the generation each slot runs, or
       * starts next when it has no worker, by slot id. All equal the previous generation unless a worker of that
       * generation failed to start during the rollback too; `reason` then names those slots.
       */
      generations?: Record<string, number>
    }
  /**
   * A budget was spent: `kind` says which (`start-failure`: `maxRestarts` in `period`; `crash`:
   * `maxCrashes` in `crashPeriod`), `restarts` and `period` are that budget's count and window.
   */
  | { type: 'failed'; slotId: string; kind: RestartKind; exit: ExitInfo; restarts: number; period: number; reason: string }
  | { type: 'stopped'; reason: string }

/** What the supervisor outputs when it reaches `stopped` or `failed`. */
export interface SupervisorOutput {
  status: 'stopped' | 'failed'
  reason: string
}
