/**
 * The worker's event-loop delay, for the master's metrics. The monitor is enabled on the first
 * heartbeat that asks for it (the master has metrics on), so a worker of a cluster without
 * metrics runs no sampling timer at all.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks'

/** Sampling period of the monitor, in ms: Node's default, and what prom-client's own gauge uses. */
const RESOLUTION = 10 // ms
const NS_PER_MS = 1e6

/** The event-loop delay since the last reading, in ms. */
export interface EventLoopDelaySample {
  mean: number
  p99: number
  max: number
}

let histogram: IntervalHistogram | undefined

/**
 * The delay since the previous call, then starts a new window; `undefined` on the first call (the
 * monitor only starts then) and when no sample was taken since (a loop blocked the whole window
 * still yields one sample, the long one, once it unblocks).
 */
export function readEventLoopDelay(): EventLoopDelaySample | undefined {
  if (histogram === undefined) {
    histogram = monitorEventLoopDelay({ resolution: RESOLUTION })
    histogram.enable()
    return undefined
  }
  if (histogram.count === 0) return undefined
  const sample = { mean: histogram.mean / NS_PER_MS, p99: histogram.percentile(99) / NS_PER_MS, max: histogram.max / NS_PER_MS }
  histogram.reset()
  return sample
}
