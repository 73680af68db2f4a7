/**
 * Issue 13 part 4, on real processes: `/metrics` is valid Prometheus text whose numbers are what
 * happened — workers by state, restarts and exits after a SIGKILL, one latency sample per call,
 * per-worker memory and event-loop delay from the heartbeat (gone once the worker exits) — and a
 * hostile worker cannot grow its label values.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { isHealthSample } from '../../src/supervisor/heartbeat.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, waitFor } from '../helpers/processes.js'
import { findSamples, parsePrometheusText, type PromSample, sampleValue } from '../helpers/prometheus-text.js'
import { request, startMetricsCluster } from './ops-helpers.js'

const pool = createClusterPool()
const metrics = suite('Prometheus metrics (real processes)')

metrics.after.each(async () => {
  const leaked = await pool.cleanup()
  assert.equal(leaked, [], 'no worker outlives its cluster')
})

const LATENCY = 'xcluster_call_duration_seconds'

async function scrape(url: string): Promise<PromSample[]> {
  const response = await request(`${url}/metrics`)
  assert.is(response.status, 200)
  assert.is(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8')
  return parsePrometheusText(response.body)
}

/** Scrapes until `condition` holds of the samples (the heartbeat feeds them on its own clock); gives up after 15 s. */
async function scrapeUntil(url: string, condition: (samples: PromSample[]) => boolean, what: string): Promise<PromSample[]> {
  const start = Date.now()
  for (;;) {
    const samples = await scrape(url)
    if (condition(samples)) return samples
    if (Date.now() - start > 15_000) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

metrics('the numbers of /metrics are what happened: calls, states, a SIGKILL restart and exit, per-worker series', async () => {
  const { cluster, log, workers } = startMetricsCluster(pool, {
    count: 2,
    metrics: true,
    handlers: { double: (n: number) => n * 2 },
    health: { heartbeatInterval: 50 },
    // A SIGKILL within minUptime of the fork is a start failure; this one must be a crash, however fast the test runs.
    restart: { minUptime: 0 },
  })
  const { url } = await cluster.metrics()
  await workers.letListen(2)
  await cluster.onReady()
  for (let i = 0; i < 5; i++) assert.is(await cluster.any.add(i, 1), i + 1)
  for (let i = 0; i < 3; i++) assert.is(await cluster.any.askMaster(i), i * 2)

  const [first, second] = cluster.workers()
  const ids = (w: typeof first) => ({ slot: w!.slotId, worker: String(w!.workerId) })
  // Two heartbeats per worker: the first starts its event-loop monitor, the second reads it.
  const before = await scrapeUntil(
    url,
    (samples) => findSamples(samples, 'xcluster_worker_event_loop_delay_seconds', { stat: 'max' }).length === 2,
    'event-loop delay of both workers',
  )
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(before, name, labels)
  assert.is(value(`${LATENCY}_count`, { method: 'add', direction: 'master_to_worker' }), 5)
  assert.is(value(`${LATENCY}_count`, { method: 'askMaster', direction: 'master_to_worker' }), 3)
  assert.is(value(`${LATENCY}_count`, { method: 'double', direction: 'worker_to_master' }), 3)
  assert.is(value(`${LATENCY}_bucket`, { method: 'add', direction: 'master_to_worker', le: '+Inf' }), 5)
  assert.ok(value(`${LATENCY}_sum`, { method: 'add', direction: 'master_to_worker' })! > 0)
  assert.equal(
    findSamples(before, `${LATENCY}_count`)
      .map((s) => s.labels.method)
      .sort(),
    ['add', 'askMaster', 'double'],
    'heartbeats are not counted as calls',
  )
  assert.is(value('xcluster_workers', { state: 'listening' }), 2)
  assert.is(value('xcluster_workers', { state: 'forking' }), 0)
  assert.is(value('xcluster_calls_in_flight', { direction: 'master_to_worker' }), 0)
  assert.is(value('xcluster_worker_restarts_total', { kind: 'crash' }), 0)
  assert.is(value('xcluster_worker_restarts_total', { kind: 'start-failure' }), 0)
  for (const worker of [first, second]) {
    assert.ok(value('xcluster_worker_resident_memory_bytes', ids(worker))! > 1_000_000)
    assert.ok(value('xcluster_worker_heap_used_bytes', ids(worker))! > 0)
    assert.ok(value('xcluster_worker_event_loop_delay_seconds', { ...ids(worker), stat: 'p99' })! >= 0)
  }

  process.kill(first!.pid!, 'SIGKILL')
  await waitFor(() => log.restarts.length === 1, 'the restart after the SIGKILL')
  assert.is(log.restarts[0]!.kind, 'crash')
  const after = await scrape(url)
  assert.is(sampleValue(after, 'xcluster_worker_restarts_total', { kind: 'crash' }), 1)
  assert.is(sampleValue(after, 'xcluster_worker_restarts_total', { kind: 'start-failure' }), 0)
  assert.equal(
    findSamples(after, 'xcluster_worker_exits_total').map((s) => [s.labels, s.value]),
    [[{ cause: 'crash', code: '', signal: 'SIGKILL' }, 1]],
  )
  assert.is(sampleValue(after, 'xcluster_worker_resident_memory_bytes', ids(first)), undefined, "the dead worker's series is gone")
  assert.is(findSamples(after, 'xcluster_worker_event_loop_delay_seconds', ids(first)).length, 0)
  assert.ok(sampleValue(after, 'xcluster_worker_resident_memory_bytes', ids(second))! > 0, "the live worker's series stays")
  assert.is(sampleValue(after, 'xcluster_workers', { state: 'listening' }), 1)
})

metrics('a hostile worker calling 1,000 unknown method names adds one `other` series, no more', async () => {
  const { cluster, workers } = startMetricsCluster(pool, { count: 1, metrics: true, handlers: { double: (n: number) => n * 2 } })
  const { url } = await cluster.metrics()
  await workers.letListen(1)
  await cluster.onReady()
  assert.is(await cluster.any.askMaster(1), 2)
  assert.is(await cluster.any.callUnknown(1_000), 1_000)
  const samples = await scrape(url)
  assert.equal(
    findSamples(samples, `${LATENCY}_count`)
      .map((s) => [s.labels.method, s.labels.direction, s.value])
      .sort(),
    [
      ['askMaster', 'master_to_worker', 1],
      ['callUnknown', 'master_to_worker', 1],
      ['double', 'worker_to_master', 1],
      ['other', 'worker_to_master', 1_000],
    ],
  )
  const methods = new Set(samples.filter((s) => s.name.startsWith(LATENCY)).map((s) => s.labels.method))
  assert.equal([...methods].sort(), ['askMaster', 'callUnknown', 'double', 'other'])
})

metrics('master → worker calls of a method the worker does not serve are counted as `other`', async () => {
  const { cluster, workers } = startMetricsCluster(pool, { count: 1, metrics: true })
  const { url, text } = await cluster.metrics()
  await workers.letListen(1)
  await cluster.onReady()
  const call = cluster.any as unknown as Record<string, () => Promise<unknown>>
  for (let i = 0; i < 20; i++) await call[`missing${i}`]!().catch(() => {})
  const samples = parsePrometheusText(await text())
  assert.equal(
    findSamples(samples, `${LATENCY}_count`).map((s) => [s.labels.method, s.labels.direction, s.value]),
    [['other', 'master_to_worker', 20]],
  )
  assert.equal(await scrape(url).then((s) => findSamples(s, `${LATENCY}_count`).length), 1)
})

metrics('two clusters in one process keep their metrics apart, each in its own registry', async () => {
  const a = startMetricsCluster(pool, { count: 1, metrics: true })
  const b = startMetricsCluster(pool, { count: 1, metrics: true })
  const [ma, mb] = await Promise.all([a.cluster.metrics(), b.cluster.metrics()])
  assert.is.not(ma.registry, mb.registry)
  assert.is.not(ma.url, mb.url)
  await Promise.all([a.workers.letListen(1), b.workers.letListen(1)])
  await Promise.all([a.cluster.onReady(), b.cluster.onReady()])
  for (let i = 0; i < 4; i++) await a.cluster.any.add(1, 1)
  await b.cluster.any.add(1, 1)
  const count = async (url: string) => sampleValue(await scrape(url), `${LATENCY}_count`, { method: 'add' })
  assert.equal([await count(ma.url), await count(mb.url)], [4, 1])
})

metrics('exits ended by the health checks are counted as memory-limit and hung', async () => {
  const hog = pool.start({
    worker: fixture('memory-hog.ts'),
    count: 1,
    silent: true,
    env: { GROW_TO: '160' },
    metrics: true,
    health: { heartbeatInterval: 100, maxHeapUsed: 96 * 1024 * 1024 },
  })
  const hung = pool.start({
    worker: fixture('busy-loop.ts'),
    count: 1,
    silent: true,
    env: { HANG_AFTER: '300' },
    metrics: true,
    health: { heartbeatInterval: 100, maxMissedHeartbeats: 3 },
    restart: { backoff: { initial: 10 } },
  })
  await waitFor(() => hog.log.exits.length >= 1 && hung.log.exits.length >= 1, 'both first workers ended', 20_000)
  // Each replacement misbehaves in turn, so more exits may follow: the count is between the exits
  // seen before the scrape and those seen after it, and every one has the cause.
  const exits = async ({ cluster, log }: typeof hog) => {
    const before = log.exits.length
    const samples = findSamples(parsePrometheusText(await (await cluster.metrics()).text()), 'xcluster_worker_exits_total')
    return { samples: samples.map((s) => s.labels), total: samples.reduce((sum, s) => sum + s.value, 0), before, after: log.exits.length }
  }
  const hogExits = await exits(hog)
  assert.equal(hogExits.samples, [{ cause: 'memory-limit', code: '0', signal: '' }])
  assert.ok(hogExits.total >= hogExits.before && hogExits.total <= hogExits.after, JSON.stringify(hogExits))
  const hungExits = await exits(hung)
  assert.equal(hungExits.samples, [{ cause: 'hung', code: '', signal: 'SIGKILL' }])
  assert.ok(hungExits.total >= hungExits.before && hungExits.total <= hungExits.after, JSON.stringify(hungExits))
})

metrics('a heartbeat answer is checked field by field, the event-loop delay too', () => {
  assert.ok(isHealthSample({ rss: 1, heapUsed: 2 }))
  assert.ok(isHealthSample({ rss: 1, heapUsed: 2, eventLoopDelay: { mean: 10.2, p99: 11, max: 30 } }))
  for (const eventLoopDelay of [
    null,
    5,
    { mean: 1, p99: 1 },
    { mean: -1, p99: 1, max: 1 },
    { mean: 1, p99: Number.NaN, max: 1 },
    { mean: 1, p99: 1, max: '9' },
  ]) {
    assert.not.ok(isHealthSample({ rss: 1, heapUsed: 2, eventLoopDelay }), JSON.stringify(eventLoopDelay))
  }
})

metrics.run()
