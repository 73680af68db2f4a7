/**
 * Defaults and pure decisions of supervision: whether an exit is restarted and after how long.
 */
import type { BackoffOptions, ExitInfo, HealthLimits, RestartKind, RestartPolicy, RestartType, WorkerTimeouts } from '../types.js'

/** Default backoff: 100 ms, doubling, capped at 30 s, reset after 60 s of stable listening. */
export const DEFAULT_BACKOFF: BackoffOptions = { initial: 100, max: 30_000, factor: 2, resetAfter: 60_000 }

/**
 * Default policy of the bare machines (the runtime's own defaults are in `src/supervisor/settings.ts`):
 * permanent workers, up after 1 s, at most 5 start failures in 60 s across the supervisor, crashes
 * of serving workers restarted at once without limit.
 */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  type: 'permanent',
  minUptime: 1_000,
  maxRestarts: 5,
  period: 60_000,
  maxCrashes: Infinity,
  crashPeriod: 60_000,
  backoff: DEFAULT_BACKOFF,
}

/** Default deadlines of a worker, in ms. */
export const DEFAULT_WORKER_TIMEOUTS: WorkerTimeouts = {
  start: 30_000,
  drain: 10_000,
  disconnect: 5_000,
  terminate: 5_000,
  kill: 5_000,
}

/** Default health limits: hung after 3 missed heartbeats; no memory limit. */
export const DEFAULT_HEALTH_LIMITS: HealthLimits = { maxMissedHeartbeats: 3 }

/**
 * The delay before restart number `attempt` (0-based since the last reset): `initial * factor^attempt`,
 * capped at `max`, never negative.
 *
 * @example
 * computeBackoff(3, { initial: 100, max: 30_000, factor: 2, resetAfter: 60_000 }) // → 800
 */
export function computeBackoff(attempt: number, backoff: BackoffOptions): number {
  const delay = backoff.initial * backoff.factor ** Math.max(0, attempt)
  return Math.max(0, Math.min(backoff.max, Number.isFinite(delay) ? delay : backoff.max))
}

/**
 * True when the process ended badly: a non-zero or unknown code, or a signal.
 *
 * @example
 * isAbnormalExit({ code: 0, signal: null }) // → false
 */
export function isAbnormalExit(exit: ExitInfo): boolean {
  return exit.signal !== null || exit.code !== 0
}

/**
 * Whether a worker that exited gets restarted: `permanent` always, `transient` only after an
 * abnormal exit that was not requested (`expected`), `temporary` never.
 *
 * @example
 * shouldRestart('transient', { code: 1, signal: null }, false) // → true
 * shouldRestart('transient', { code: 0, signal: null }, false) // → false
 */
export function shouldRestart(type: RestartType, exit: ExitInfo, expected: boolean): boolean {
  if (type === 'permanent') return true
  if (type === 'transient') return !expected && isAbnormalExit(exit)
  return false
}

/** Why {@link shouldRestart} decided as it did, for the slot's `reason`. */
export function describeRestartDecision(type: RestartType, exit: ExitInfo, expected: boolean): string {
  if (type === 'permanent') return 'permanent worker: restarted after any exit'
  if (type === 'temporary') return 'temporary worker: never restarted'
  if (expected) return 'transient worker: its exit was requested, not restarted'
  return isAbnormalExit(exit) ? 'transient worker: abnormal exit, restarted' : 'transient worker: clean exit, not restarted'
}

/**
 * What a worker's end counts as (see {@link RestartKind}): a `start-failure` unless it listened
 * and was up for `minUptime`.
 *
 * @example
 * classifyExit({ hasListened: true, isUp: false }) // → 'start-failure'
 * classifyExit({ hasListened: true, isUp: true }) // → 'crash'
 */
export function classifyExit(worker: { hasListened: boolean; isUp: boolean }): RestartKind {
  return worker.hasListened && worker.isUp ? 'crash' : 'start-failure'
}

/** Why {@link classifyExit} decided as it did, for the slot's `reason`. */
export function describeExitKind(worker: { hasListened: boolean; isUp: boolean }, minUptime: number): string {
  if (!worker.hasListened) return 'start failure (it never listened): restarted after a backoff, charged to the crash-loop budget'
  if (!worker.isUp) {
    return `start failure (it exited within restart.minUptime, ${minUptime}ms, of its fork): restarted after a backoff, charged to the crash-loop budget`
  }
  return 'crash of a serving worker: restarted at once, charged to the crash limit'
}
