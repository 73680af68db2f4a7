/**
 * Pure helpers of the worker machine: health limits and the words used in reasons.
 */
import type { ExitInfo, HealthLimits, HealthSample } from '../types.js'

/**
 * Describes how a heartbeat sample exceeds the memory limits, or returns null when it does not.
 *
 * @example
 * describeOverMemory({ rss: 600, heapUsed: 10 }, { maxMissedHeartbeats: 3, maxRss: 500 })
 * // → 'rss 600 bytes over the limit of 500 bytes'
 */
export function describeOverMemory(sample: HealthSample, limits: HealthLimits): string | null {
  // The runtime checks samples at the boundary; a guard must still never throw on one (a throw
  // in a guard fails the whole worker machine), so anything else is "not over".
  if (typeof sample !== 'object' || sample === null) return null
  if (limits.maxRss !== undefined && sample.rss > limits.maxRss) {
    return `rss ${sample.rss} bytes over the limit of ${limits.maxRss} bytes`
  }
  if (limits.maxHeapUsed !== undefined && sample.heapUsed > limits.maxHeapUsed) {
    return `heapUsed ${sample.heapUsed} bytes over the limit of ${limits.maxHeapUsed} bytes`
  }
  return null
}

/** True once `missed` consecutive heartbeats reach the limit (a limit below 1 counts as 1). */
export function isHeartbeatLimitReached(missed: number, limits: HealthLimits): boolean {
  return missed >= Math.max(1, limits.maxMissedHeartbeats)
}

/**
 * Says how a process ended, for reasons and logs.
 *
 * @example
 * describeExit({ code: null, signal: 'SIGKILL' }) // → 'exited with signal SIGKILL'
 */
export function describeExit(exit: ExitInfo): string {
  if (exit.signal !== null) return `exited with signal ${exit.signal}`
  if (exit.code !== null) return `exited with code ${exit.code}`
  return 'exit not seen'
}
