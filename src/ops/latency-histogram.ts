/**
 * The call latency histogram, kept by hand and handed to prom-client's registry as a metric of
 * its own. prom-client's `Histogram.observe()` checks and hashes the labels on every call
 * (~550 ns here, a third of a pipelined call's CPU); a series here is an object found once per
 * method, and an observation is a scan of the bounds and three additions. The registry reads it
 * through `get()`, the same shape its own histograms give, so the text, JSON and `Registry.merge`
 * are as for any other metric.
 */
import type { Metric } from 'prom-client'

/** One line of the exposition, as the registry formats it. */
interface SampleValue {
  metricName: string
  labels: Record<string, string | number>
  value: number
}

/** One labelled series: cumulative counts are built when scraped, not per observation. */
export interface LatencySeries {
  readonly labels: Readonly<Record<string, string>>
  /** Observations per bucket (not cumulative); the last one is above every bound (`+Inf`). */
  readonly counts: Float64Array
  sum: number
  count: number
}

export class LatencyHistogram {
  readonly name: string
  readonly help: string
  readonly type = 'histogram' as const
  readonly aggregator = 'sum' as const
  readonly #bounds: readonly number[]
  #series = new Map<string, LatencySeries>()

  constructor(options: { name: string; help: string; buckets: readonly number[] }) {
    this.name = options.name
    this.help = options.help
    this.#bounds = options.buckets
  }

  /** The series of these label values, created at 0 the first time; keep it and `observe()` into it. */
  series(labels: Record<string, string>): LatencySeries {
    const key = JSON.stringify(labels)
    let series = this.#series.get(key)
    if (series === undefined) {
      series = { labels, counts: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 }
      this.#series.set(key, series)
    }
    return series
  }

  observe(series: LatencySeries, seconds: number): void {
    const bounds = this.#bounds
    let bucket = 0
    while (bucket < bounds.length && seconds > bounds[bucket]!) bucket++
    series.counts[bucket]!++
    series.sum += seconds
    series.count++
  }

  /** The registry's view: `_bucket` (cumulative, with `le`), `_sum` and `_count` of every series. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: SampleValue[] }> {
    const values: SampleValue[] = []
    for (const series of this.#series.values()) {
      let cumulative = 0
      for (const [index, bound] of this.#bounds.entries()) {
        cumulative += series.counts[index]!
        values.push({ metricName: `${this.name}_bucket`, labels: { le: bound, ...series.labels }, value: cumulative })
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...series.labels }, value: series.count })
      values.push({ metricName: `${this.name}_sum`, labels: { ...series.labels }, value: series.sum })
      values.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: series.count })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }

  /** `registry.resetMetrics()`: every series back to 0 (the series objects held by callers stay valid). */
  reset(): void {
    for (const series of this.#series.values()) {
      series.counts.fill(0)
      series.sum = 0
      series.count = 0
    }
  }

  /** As the registry takes it: its type accepts prom-client's own classes only, and this has their shape. */
  asMetric(): Metric {
    return this as unknown as Metric
  }
}
