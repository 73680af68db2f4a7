/**
 * Wires a cluster to its health and metrics endpoint (src/ops/): imports prom-client (only now,
 * so that a cluster without `metrics` never loads it), builds the cluster's own registry, feeds it
 * the cluster's exits and restarts, and serves it with the probes.
 */
import type { EventEmitter } from 'node:events'
import type { Registry } from 'prom-client'
import type { HealthSample } from '../../machines/types.js'
import { ClusterMetrics } from '../ops/cluster-metrics.js'
import type { ResolvedMetricsOptions } from '../ops/metrics-options.js'
import { startOpsServer } from '../ops/ops-server.js'
import type { ClusterPhase } from '../ops/readiness.js'
import type { ClusterEvents } from './events.js'
import type { CallRouter } from './router.js'
import type { WorkerTable } from './worker-table.js'

/** The cluster's metrics, as `cluster.metrics()` gives them. */
export interface XclusterMetrics {
  /**
   * The cluster's own prom-client registry (not prom-client's global one). Add your own metrics
   * to it, or merge it with yours: `Registry.merge([registry, register])`.
   */
  readonly registry: Registry
  /** The endpoint's base URL: `${url}/metrics`, `${url}/healthz`, `${url}/readyz`. */
  readonly url: string
  /** The metrics in Prometheus text format, as `GET /metrics` answers. */
  text(): Promise<string>
}

/** What the wiring needs of the cluster core. @internal */
export interface ClusterOpsInput {
  options: ResolvedMetricsOptions
  events: EventEmitter<ClusterEvents>
  table: WorkerTable
  router: CallRouter
  /** The master's handlers: their own function names label worker → master calls. */
  handlers: object
  knownStates: readonly string[]
  phase(): ClusterPhase
}

/** A cluster's running ops endpoint and the metrics behind it. @internal */
export interface ClusterOps {
  metrics: ClusterMetrics
  handle: XclusterMetrics
  noteHeartbeat(workerId: number, sample: HealthSample): void
  close(): Promise<void>
}

/** Resolves once the endpoint listens; rejects with the listen error. @internal */
export async function startClusterOps(input: ClusterOpsInput): Promise<ClusterOps> {
  const prom = await import('prom-client')
  const { table, router, handlers } = input
  const metrics = new ClusterMetrics(prom, {
    workerStates: () => table.list().map((row) => row.state),
    knownStates: input.knownStates,
    callsInFlight: () => {
      let toWorkers = 0
      let fromWorkers = 0
      for (const channel of router.channels()) {
        toWorkers += channel.inFlight
        fromWorkers += channel.peer.handling
      }
      return { toWorkers, fromWorkers }
    },
    isMasterMethod: (method) => Object.hasOwn(handlers, method) && typeof (handlers as Record<string, unknown>)[method] === 'function',
  })
  input.events.on('exit', (exit) => metrics.noteExit(exit))
  input.events.on('restart', (restart) => metrics.noteRestart(restart.kind))
  input.events.on('replace', (replace) => metrics.noteReplace(replace.slotId, replace.reason))
  const server = await startOpsServer(input.options, { phase: input.phase, listening: () => table.countIn('listening') }, metrics.registry)
  return {
    metrics,
    handle: { registry: metrics.registry, url: server.url, text: () => metrics.registry.metrics() },
    noteHeartbeat: (workerId, sample) => {
      const channel = router.get(workerId)
      if (channel !== undefined) metrics.noteHeartbeat(channel.slotId, workerId, sample)
    },
    close: () => server.close(),
  }
}
