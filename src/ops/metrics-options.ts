/**
 * The `metrics` option of `supervise()`: where the master serves `/healthz`, `/readyz` and
 * `/metrics`, and how many listening workers make it ready. Checked here, trusted afterwards.
 */
import { checkInteger, describeValue, mergeSection } from '../options/check-options.js'

/** Loopback unless told otherwise: a probe port open to every interface is the user's choice. */
export const DEFAULT_METRICS_HOST = '127.0.0.1'
const MAX_PORT = 65_535

/** Options of the master's health and metrics endpoint (`supervise({ metrics })`). */
export interface MetricsOptions {
  /** TCP port of `/healthz`, `/readyz` and `/metrics`; 0 picks a free one (read `(await cluster.metrics()).url`). @default 0 */
  port?: number
  /**
   * Interface to listen on. A Kubernetes probe or a Prometheus server outside the pod connects to
   * the pod's address: use `'0.0.0.0'` there. @default '127.0.0.1'
   */
  host?: string
  /** Workers that must listen for `/readyz` to answer 200, from 1 to `count`. @default count */
  readyWorkers?: number
}

/** @internal `metrics` after validation and defaults. */
export interface ResolvedMetricsOptions {
  port: number
  host: string
  readyWorkers: number
}

/**
 * `metrics: true` or `{ port, host, readyWorkers }`; `undefined` or `false` is off.
 * @throws TypeError/RangeError naming the bad key.
 * @internal
 */
export function resolveMetricsOptions(metrics: unknown, count: number): ResolvedMetricsOptions | undefined {
  if (metrics === undefined || metrics === false) return undefined
  if (metrics !== true && (metrics === null || typeof metrics !== 'object')) {
    throw new TypeError(`Expected \`metrics\` to be true or { port, host, readyWorkers }, got ${describeValue(metrics)}`)
  }
  const merged = mergeSection<MetricsOptions>(
    'metrics',
    { port: 0, host: DEFAULT_METRICS_HOST, readyWorkers: count },
    metrics === true ? undefined : metrics,
  )
  // A key given as undefined means its default, as if left out.
  const port = checkInteger('metrics.port', merged.port ?? 0, 0)
  if (port > MAX_PORT) throw new RangeError(`Expected \`metrics.port\` to be an integer from 0 to ${MAX_PORT}, got ${describeValue(port)}`)
  const host = merged.host ?? DEFAULT_METRICS_HOST
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(`Expected \`metrics.host\` to be a host name or address, got ${describeValue(host)}`)
  }
  const readyWorkers = checkInteger('metrics.readyWorkers', merged.readyWorkers ?? count, 1)
  if (readyWorkers > count) {
    throw new RangeError(
      `Expected \`metrics.readyWorkers\` to be at most \`count\` (${count}), got ${describeValue(readyWorkers)}: the cluster could never be ready`,
    )
  }
  return { port, host, readyWorkers }
}
