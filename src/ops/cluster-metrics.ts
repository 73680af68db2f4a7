/**
 * The cluster's Prometheus metrics, in a registry of its own (never prom-client's global one, so
 * two clusters in one process do not clash). Gauges of the current state are read when scraped;
 * counters and the latency histogram are fed as things happen. Every label value is bounded:
 * states and kinds are the machine's own words, workers are the master's ids, and a method name
 * that the other side chose is only kept when this side knows it.
 */
import type * as PromClient from 'prom-client'
import { classifyExit, type ExitFacts, isMemoryReplacement } from './exit-cause.js'
import { LatencyHistogram } from './latency-histogram.js'

/** prom-client's module, imported by the caller only once metrics are on. */
export type PromClientModule = typeof PromClient

/** Upper bounds of the call latency histogram, in seconds: an IPC call takes from ~50 µs up. */
export const CALL_LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
/** Distinct master → worker method names kept as labels; later ones are counted as `other`. */
export const MAX_METHOD_LABELS = 64
/** The label value of every method name that is not kept. */
export const OTHER_METHOD = 'other'
const MASTER_TO_WORKER = 'master_to_worker'
const WORKER_TO_MASTER = 'worker_to_master'
const DELAY_STATS = ['mean', 'p99', 'max'] as const

/** What the metrics read from the cluster when scraped. */
export interface MetricsSource {
  /** The lifecycle state of every live worker (`listening`, `disconnecting.draining`, …). */
  workerStates(): Iterable<string>
  /** The worker machine's top-level states, each exported even at 0. */
  knownStates: readonly string[]
  callsInFlight(): { toWorkers: number; fromWorkers: number }
  /** True for a method the master serves (an own handler): only those label worker → master calls. */
  isMasterMethod(method: string): boolean
}

/** A worker's heartbeat answer, already checked. */
export interface HeartbeatFacts {
  rss: number
  heapUsed: number
  eventLoopDelay?: { mean: number; p99: number; max: number }
}

type Observe = (seconds: number) => void

/** The metrics of one cluster; also the RPC peers' call observer. */
export class ClusterMetrics {
  readonly registry: PromClient.Registry
  readonly #source: MetricsSource
  readonly #latency: LatencyHistogram
  readonly #restarts: PromClient.Counter<'kind'>
  readonly #exits: PromClient.Counter<'cause' | 'code' | 'signal'>
  readonly #rss: PromClient.Gauge<'slot' | 'worker'>
  readonly #heap: PromClient.Gauge<'slot' | 'worker'>
  readonly #loopDelay: PromClient.Gauge<'slot' | 'worker' | 'stat'>
  /** The histogram's children by method, per direction: a call costs a map lookup, not a label hash. */
  readonly #called = new Map<string, Observe>()
  readonly #served = new Map<string, Observe>()
  /** The `other` series of each direction, made on first use. */
  #otherCalledChild: Observe | undefined
  #otherServedChild: Observe | undefined
  /** Slots whose serving worker is being replaced for the memory limit: its exit comes next. */
  readonly #memoryReplaced = new Set<string>()

  constructor(prom: PromClientModule, source: MetricsSource) {
    this.#source = source
    const registry = new prom.Registry()
    this.registry = registry
    const registers = [registry]
    const workers: PromClient.Gauge<'state'> = new prom.Gauge({
      name: 'xcluster_workers',
      help: 'Live workers by lifecycle state (top level: forking, online, listening, disconnecting).',
      labelNames: ['state'],
      registers,
      collect: () => {
        const counts = new Map(source.knownStates.map((state) => [state, 0]))
        for (const state of source.workerStates()) {
          const top = state.split('.')[0]!
          counts.set(top, (counts.get(top) ?? 0) + 1)
        }
        workers.reset()
        for (const [state, count] of counts) workers.set({ state }, count)
      },
    })
    const inFlight: PromClient.Gauge<'direction'> = new prom.Gauge({
      name: 'xcluster_calls_in_flight',
      help: 'RPC calls sent and not settled (master_to_worker, with those held for a starting worker) or being handled by the master (worker_to_master).',
      labelNames: ['direction'],
      registers,
      collect: () => {
        const { toWorkers, fromWorkers } = source.callsInFlight()
        inFlight.set({ direction: MASTER_TO_WORKER }, toWorkers)
        inFlight.set({ direction: WORKER_TO_MASTER }, fromWorkers)
      },
    })
    this.#latency = new LatencyHistogram({
      name: 'xcluster_call_duration_seconds',
      help: `Answered RPC calls by method and direction, from sending the call to its reply (master_to_worker; time held for a starting worker not included) or from the request to the answer (worker_to_master). Built-in calls ($heartbeat, actors) are not counted; a method the called side does not serve, and master_to_worker names past the first ${MAX_METHOD_LABELS}, are "${OTHER_METHOD}".`,
      buckets: CALL_LATENCY_BUCKETS,
    })
    registry.registerMetric(this.#latency.asMetric())
    this.#restarts = new prom.Counter({
      name: 'xcluster_worker_restarts_total',
      help: 'Restarts scheduled by the supervisor, by kind: start-failure (backoff) or crash (at once).',
      labelNames: ['kind'],
      registers,
    })
    for (const kind of ['start-failure', 'crash']) this.#restarts.inc({ kind }, 0)
    this.#exits = new prom.Counter({
      name: 'xcluster_worker_exits_total',
      help: 'Worker exits by cause (crash, start-failure, memory-limit, hung, requested), exit code and signal ("" when none).',
      labelNames: ['cause', 'code', 'signal'],
      registers,
    })
    const perWorker = ['slot', 'worker'] as const
    this.#rss = new prom.Gauge({
      name: 'xcluster_worker_resident_memory_bytes',
      help: 'Resident set size of each worker, from its last heartbeat; removed when it exits.',
      labelNames: perWorker,
      registers,
    })
    this.#heap = new prom.Gauge({
      name: 'xcluster_worker_heap_used_bytes',
      help: 'V8 heap used by each worker, from its last heartbeat; removed when it exits.',
      labelNames: perWorker,
      registers,
    })
    this.#loopDelay = new prom.Gauge({
      name: 'xcluster_worker_event_loop_delay_seconds',
      help: "Each worker's event-loop delay between its last two heartbeats (stat: mean, p99, max); removed when it exits.",
      labelNames: [...perWorker, 'stat'],
      registers,
    })
  }

  /** A master → worker call was answered (the RPC observer's `called`). */
  called(method: string, ms: number, error: unknown): void {
    if (method.charCodeAt(0) === 36 /* $ */) return
    let observe = this.#called.get(method)
    if (observe === undefined) {
      // A name the worker does not serve, or one past the cap, must not become a series of its own.
      const isKept = this.#called.size < MAX_METHOD_LABELS && (error as { code?: unknown } | undefined)?.code !== 'ERR_UNKNOWN_METHOD'
      observe = isKept ? this.#child(method, MASTER_TO_WORKER) : this.#otherCalled()
      if (isKept) this.#called.set(method, observe)
    }
    observe(ms / 1000)
  }

  /** A worker → master request was answered (the RPC observer's `served`). */
  served(method: string, ms: number, isServed: boolean): void {
    if (method.charCodeAt(0) === 36 /* $ */) return
    let observe = this.#served.get(method)
    if (observe === undefined) {
      if (!isServed || !this.#source.isMasterMethod(method)) return this.#otherServed()(ms / 1000)
      observe = this.#child(method, WORKER_TO_MASTER)
      this.#served.set(method, observe)
    }
    observe(ms / 1000)
  }

  noteRestart(kind: string): void {
    this.#restarts.inc({ kind })
  }

  /** A slot replaces its worker (the cluster's `replace` event, before that worker's exit). */
  noteReplace(slotId: string, reason: string): void {
    if (isMemoryReplacement(reason)) this.#memoryReplaced.add(slotId)
  }

  /** Counts the exit and removes the worker's own series. */
  noteExit(exit: ExitFacts): void {
    const { code, signal } = exit.exit
    // The replaced worker is the first of its slot to exit as asked; a candidate cancelled meanwhile would be counted instead (rare).
    const isMemoryReplaced = exit.expected && this.#memoryReplaced.delete(exit.slotId)
    this.#exits.inc({ cause: classifyExit(exit, isMemoryReplaced), code: code === null ? '' : String(code), signal: signal ?? '' })
    if (exit.workerId === null) return
    const labels = { slot: exit.slotId, worker: String(exit.workerId) }
    this.#rss.remove(labels)
    this.#heap.remove(labels)
    for (const stat of DELAY_STATS) this.#loopDelay.remove({ ...labels, stat })
  }

  noteHeartbeat(slotId: string, workerId: number, sample: HeartbeatFacts): void {
    const labels = { slot: slotId, worker: String(workerId) }
    this.#rss.set(labels, sample.rss)
    this.#heap.set(labels, sample.heapUsed)
    const delay = sample.eventLoopDelay
    if (delay === undefined) return
    for (const stat of DELAY_STATS) this.#loopDelay.set({ ...labels, stat }, delay[stat] / 1000)
  }

  #child(method: string, direction: string): Observe {
    const latency = this.#latency
    const series = latency.series({ method, direction })
    return (seconds) => latency.observe(series, seconds)
  }

  #otherCalled(): Observe {
    this.#otherCalledChild ??= this.#child(OTHER_METHOD, MASTER_TO_WORKER)
    return this.#otherCalledChild
  }

  #otherServed(): Observe {
    this.#otherServedChild ??= this.#child(OTHER_METHOD, WORKER_TO_MASTER)
    return this.#otherServedChild
  }
}
