import type { HealthLimits, WorkerTimeouts } from '../../machines/types.js'
import type { ForkSettings } from './fork.js'
import { checkDuration, checkInteger, describeValue, mergeSection } from '../options/check-options.js'
import { defaultWorkerCount, resolveWorkerFile } from './options.js'

/**
 * How the supervisor restarts a worker that exited. Each restart is one of two kinds:
 * - a **start failure**: the worker never listened (nor called `ready()`), or it exited within
 *   `minUptime` ms of its fork. It is restarted after a backoff, and counts toward the crash-loop
 *   budget (`maxRestarts` in `period`), so a worker that fails at boot every time fails the
 *   cluster within a few backoffs (with the defaults, 5 restarts and 3.1 s of backoff).
 * - a **crash**: the worker had listened and stayed up `minUptime` ms, then was killed or
 *   crashed. It is restarted at once, without backoff, and counts toward `maxCrashes` in
 *   `crashPeriod` (no limit by default).
 *
 * @example
 * ```ts
 * supervise({ worker, restart: { minUptime: 2_000, maxRestarts: 3, maxCrashes: 100, crashPeriod: 60_000 } })
 * ```
 */
export interface RestartOptions {
  /**
   * `permanent` restarts after any exit, `transient` only after an abnormal one (code ≠ 0 or a
   * signal), `temporary` never.
   * @default 'permanent'
   */
  type: 'permanent' | 'transient' | 'temporary'
  /**
   * A worker that exits within this many ms of its fork is a start failure even if it listened;
   * one that listened and stayed up this long is a crash, restarted at once. Measured from the
   * fork (as PM2's `min_uptime`), so it works the same for workers that boot slowly; `0` leaves
   * only "never listened" as a start failure.
   * @default 1_000 (1 second)
   */
  minUptime: number
  /**
   * The crash-loop budget: at most this many start failures within `period`, across the cluster
   * (a hung worker replaced counts too); one more and the cluster fails with `SupervisorFailedError`.
   * @default 5
   */
  maxRestarts: number
  /** The sliding window of `maxRestarts`, in ms. @default 60_000 (1 minute) */
  period: number
  /**
   * At most this many crashes of serving workers within `crashPeriod`, across the cluster; one more
   * and the cluster fails. `Infinity` (the default) never fails on them: a crash of a worker that
   * had been serving is most often caused from outside (the OOM killer, a deploy tool, a chaos
   * test), and each one already lived `minUptime`, so they cannot spin faster than
   * `count` restarts per `minUptime`. Set a figure to escalate when serving workers keep dying.
   * @default Infinity
   */
  maxCrashes: number
  /** The sliding window of `maxCrashes`, in ms. @default 60_000 (1 minute) */
  crashPeriod: number
  /** Delays between start failures of one slot; a crash is restarted at once. */
  backoff: {
    /** Delay before the first restart after a start failure, in ms. @default 100 */
    initial: number
    /** The ceiling of the delay, in ms. @default 10_000 */
    max: number
    /** Each further start failure multiplies the delay by this. @default 2 */
    factor: number
    /** After this long listening without an exit, the delay starts over from `initial`, in ms. @default 30_000 */
    resetAfter: number
  }
}

/** Health checks of listening workers. */
export interface HealthOptions extends HealthLimits {
  /** A heartbeat over the RPC channel every this many ms. @default 2_000 */
  heartbeatInterval: number
}

export const DEFAULT_RESTART: RestartOptions = {
  type: 'permanent',
  minUptime: 1_000, // 1 s from fork, as PM2's min_uptime
  maxRestarts: 5, // start failures: 100 + 200 + 400 + 800 + 1600 ms of backoff, then the cluster fails
  period: 60_000, // 1 minute
  maxCrashes: Infinity, // crashes of serving workers never fail the cluster
  crashPeriod: 60_000, // 1 minute
  backoff: { initial: 100, max: 10_000, factor: 2, resetAfter: 30_000 },
}

export const DEFAULT_TIMEOUTS: WorkerTimeouts = {
  start: 30_000, // 30 s from fork to listening
  drain: 10_000, // in-flight calls may finish for 10 s
  disconnect: 5_000, // then 5 s for the process to exit after disconnect
  terminate: 5_000, // then 5 s after SIGTERM before SIGKILL
  kill: 2_000, // then 2 s after SIGKILL before the process is given up for lost
}

export const DEFAULT_HEALTH: HealthOptions = {
  heartbeatInterval: 2_000,
  maxMissedHeartbeats: 3,
  maxRss: undefined,
  maxHeapUsed: undefined,
}

export const DEFAULT_CALL_TIMEOUT = 30_000 // 30 s
export const DEFAULT_MAX_PAYLOAD = 4 * 1024 * 1024 // 4 MiB

const RESTART_TYPES = ['permanent', 'transient', 'temporary'] as const

/** `restart` with its `backoff` merged one level deeper, every figure checked. */
export function resolveRestart(value: unknown): RestartOptions {
  const { backoff, ...rest } = (value ?? {}) as Partial<RestartOptions>
  const restart = mergeSection('restart', DEFAULT_RESTART, value === undefined ? undefined : { ...rest, backoff: DEFAULT_RESTART.backoff })
  restart.backoff = mergeSection('restart.backoff', DEFAULT_RESTART.backoff, backoff)
  if (!RESTART_TYPES.includes(restart.type)) {
    throw new TypeError(
      `Expected \`restart.type\` to be one of ${RESTART_TYPES.map((t) => `'${t}'`).join(', ')}, got ${describeValue(restart.type)}`,
    )
  }
  checkInteger('restart.maxRestarts', restart.maxRestarts, 0)
  checkDuration('restart.period', restart.period)
  if (typeof restart.minUptime !== 'number' || !Number.isFinite(restart.minUptime) || restart.minUptime < 0) {
    throw new TypeError(
      `Expected \`restart.minUptime\` to be a number of milliseconds from 0 and up, got ${describeValue(restart.minUptime)}`,
    )
  }
  if (restart.maxCrashes !== Infinity && !(Number.isInteger(restart.maxCrashes) && restart.maxCrashes >= 0)) {
    throw new TypeError(
      `Expected \`restart.maxCrashes\` to be an integer from 0 and up, or Infinity, got ${describeValue(restart.maxCrashes)}`,
    )
  }
  checkDuration('restart.crashPeriod', restart.crashPeriod)
  checkDuration('restart.backoff.initial', restart.backoff.initial)
  checkDuration('restart.backoff.max', restart.backoff.max)
  checkDuration('restart.backoff.resetAfter', restart.backoff.resetAfter)
  if (typeof restart.backoff.factor !== 'number' || !(restart.backoff.factor >= 1)) {
    throw new TypeError(`Expected \`restart.backoff.factor\` to be a number from 1 and up, got ${describeValue(restart.backoff.factor)}`)
  }
  return restart
}

export function resolveTimeouts(value: unknown): WorkerTimeouts {
  const timeouts = mergeSection('timeouts', DEFAULT_TIMEOUTS, value)
  for (const [key, ms] of Object.entries(timeouts)) checkDuration(`timeouts.${key}`, ms)
  return timeouts
}

export function resolveHealth(value: unknown): HealthOptions {
  const health = mergeSection('health', DEFAULT_HEALTH, value)
  checkDuration('health.heartbeatInterval', health.heartbeatInterval)
  checkInteger('health.maxMissedHeartbeats', health.maxMissedHeartbeats, 1)
  if (health.maxRss !== undefined) checkInteger('health.maxRss', health.maxRss, 1)
  if (health.maxHeapUsed !== undefined) checkInteger('health.maxHeapUsed', health.maxHeapUsed, 1)
  return health
}

/** The fork settings of generation 0, from the user's options. */
export function resolveForkSettings(options: {
  worker: unknown
  args?: unknown
  execArgv?: unknown
  env?: unknown
  silent?: unknown
}): ForkSettings {
  const exec = resolveWorkerFile(options.worker)
  const args = checkStringArray('args', options.args ?? [])
  const execArgv = checkStringArray('execArgv', options.execArgv ?? process.execArgv)
  if (options.env !== undefined && (options.env === null || typeof options.env !== 'object')) {
    throw new TypeError(`Expected \`env\` to be an object of strings, got ${describeValue(options.env)}`)
  }
  return { exec, args, execArgv, env: { ...process.env, ...(options.env as object | undefined) }, silent: options.silent === true }
}

export function resolveCount(value: unknown): number {
  return value === undefined ? defaultWorkerCount() : checkInteger('count', value, 1)
}

function checkStringArray(name: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new TypeError(`Expected \`${name}\` to be an array of strings, got ${describeValue(value)}`)
  }
  return [...value]
}
