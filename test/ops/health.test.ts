/**
 * Issue 13 part 4, on real processes: the master's `/healthz` and `/readyz` follow the cluster —
 * 503 before the workers listen and after a SIGKILL drops it below the workers needed, 200 once
 * the replacement listens, 503 while it stops; other paths 404, other methods 405.
 */
import { request as httpRequest } from 'node:http'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { supervise } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, rejectionOf, waitFor } from '../helpers/processes.js'
import { request, startMetricsCluster } from './ops-helpers.js'

const pool = createClusterPool()
const health = suite('health and readiness endpoint (real processes)')

health.after.each(async () => {
  const leaked = await pool.cleanup()
  assert.equal(leaked, [], 'no worker outlives its cluster')
})

health('/readyz is 503 until the workers needed listen, again after a SIGKILL, and 200 once the replacement listens', async () => {
  const { cluster, log, workers } = startMetricsCluster(pool, { count: 2, metrics: true })
  const { url } = await cluster.metrics()
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(await request(`${url}/healthz`).then((r) => [r.status, r.body]), [200, 'ok\n'])
  assert.equal(await request(`${url}/readyz`).then((r) => [r.status, r.body]), [503, 'not ready: 0 workers listening, 2 needed\n'])

  await workers.letListen(2)
  await cluster.onReady()
  const ready = await request(`${url}/readyz`)
  assert.equal(
    [ready.status, ready.body, ready.headers.get('content-type')],
    [200, 'ready: 2 workers listening, 2 needed\n', 'text/plain; charset=utf-8'],
  )

  const victim = cluster.workers()[0]!
  process.kill(victim.pid!, 'SIGKILL')
  await waitFor(() => log.exits.length === 1, 'the exit of the SIGKILLed worker')
  assert.equal(await request(`${url}/readyz`).then((r) => [r.status, r.body]), [503, 'not ready: 1 worker listening, 2 needed\n'])
  assert.equal(await request(`${url}/healthz`).then((r) => [r.status, r.body]), [200, 'ok\n'], 'a crash is no reason to restart the master')

  await workers.letListen(1)
  await waitFor(() => cluster.workers().filter((w) => w.state === 'listening').length === 2, 'the replacement listens')
  assert.equal(await request(`${url}/readyz`).then((r) => [r.status, r.body]), [200, 'ready: 2 workers listening, 2 needed\n'])
})

health('metrics.readyWorkers sets how many listening workers make the master ready', async () => {
  const { cluster, workers } = startMetricsCluster(pool, { count: 2, metrics: { readyWorkers: 1 } })
  const { url } = await cluster.metrics()
  await workers.letListen(1)
  await waitFor(() => cluster.workers().some((w) => w.state === 'listening'), 'one worker listens')
  assert.equal(await request(`${url}/readyz`).then((r) => [r.status, r.body]), [200, 'ready: 1 worker listening, 1 needed\n'])
})

health('while the master stops, /healthz and /readyz answer 503; once stopped, the endpoint is closed', async () => {
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const { cluster, workers } = startMetricsCluster(pool, {
    count: 1,
    metrics: true,
    // A call in flight holds the drain, so the test sees the master while it stops.
    handlers: { double: async (n: number) => held.then(() => n * 2) },
  })
  const { url } = await cluster.metrics()
  await workers.letListen(1)
  await cluster.onReady()
  const call = cluster.any.askMaster(21)
  await waitFor(() => cluster.workers()[0]!.inFlight === 1, 'the call is in flight')
  const stopped = cluster.stop()
  assert.equal(await request(`${url}/healthz`).then((r) => [r.status, r.body]), [503, 'stopping\n'])
  assert.equal(await request(`${url}/readyz`).then((r) => [r.status, r.body]), [503, 'not ready: stopping\n'])
  release()
  assert.is(await call, 42)
  await stopped
  const refused = await rejectionOf(request(`${url}/healthz`))
  assert.is((refused as Error & { cause?: { code?: string } }).cause?.code, 'ECONNREFUSED')
})

health('other paths answer 404, other methods 405 with Allow; HEAD and a query string are fine', async () => {
  const { cluster } = startMetricsCluster(pool, { count: 1, metrics: true })
  const { url } = await cluster.metrics()
  const missing = await request(`${url}/nope?x=1`)
  assert.equal([missing.status, missing.body], [404, 'not found: /nope; try /healthz, /readyz or /metrics\n'])
  const long = await request(`${url}/${'a'.repeat(100)}`)
  assert.equal([long.status, long.body], [404, 'not found: this path; try /healthz, /readyz or /metrics\n'])
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const refused = await request(`${url}/metrics`, method)
    assert.equal(
      [refused.status, refused.body, refused.headers.get('allow')],
      [405, 'method not allowed: /metrics answers GET, HEAD\n', 'GET, HEAD'],
      method,
    )
  }
  // A body is never read: the answer closes the connection instead of parsing what follows.
  const withBody = await new Promise<{ status?: number; connection?: string }>((resolve, reject) => {
    const sent = httpRequest(`${url}/metrics`, { method: 'POST', headers: { 'content-length': '5' } }, (response) => {
      response.resume()
      response.on('end', () => resolve({ status: response.statusCode, connection: response.headers.connection }))
    })
    sent.on('error', reject)
    sent.end('hello')
  })
  assert.equal(withBody, { status: 405, connection: 'close' })
  const head = await request(`${url}/healthz`, 'HEAD')
  assert.equal([head.status, head.body, head.headers.get('content-length')], [200, '', '3'])
  assert.equal(await request(`${url}/healthz?verbose`).then((r) => [r.status, r.body]), [200, 'ok\n'])
})

health('supervise() checks the metrics option and names the bad key', () => {
  const worker = fixture('metrics-worker.ts')
  assert.throws(
    () => supervise({ worker, count: 2, metrics: { readyWorkers: 3 } }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === 'Expected `metrics.readyWorkers` to be at most `count` (2), got `3` (number): the cluster could never be ready',
  )
  assert.throws(
    () => supervise({ worker, count: 2, metrics: { prot: 9464 } as never }),
    (error: Error) =>
      error instanceof TypeError && error.message === 'Unknown option `metrics.prot`; expected one of: port, host, readyWorkers',
  )
  assert.throws(
    () => supervise({ worker, metrics: { port: 70_000 } }),
    (error: Error) =>
      error instanceof RangeError && error.message === 'Expected `metrics.port` to be an integer from 0 to 65535, got `70000` (number)',
  )
  assert.throws(
    () => supervise({ worker, metrics: 'yes' as never }),
    (error: Error) =>
      error instanceof TypeError && error.message === 'Expected `metrics` to be true or { port, host, readyWorkers }, got `"yes"` (string)',
  )
})

health('cluster.metrics() rejects with a TypeError that says how to turn metrics on', async () => {
  const { cluster } = startMetricsCluster(pool, { count: 1 })
  const error = await rejectionOf(cluster.metrics())
  assert.instance(error, TypeError)
  assert.is(error.message, 'cluster.metrics(): metrics are off; pass `metrics: true` (or { port, host, readyWorkers }) to supervise()')
})

health.run()
