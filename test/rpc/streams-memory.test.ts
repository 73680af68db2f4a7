/**
 * A 1 GiB stream (16,384 items of 64 KiB) through a consumer that reads slowly (issue 15): the
 * credit window keeps the producing worker from buffering, so its resident set stays bounded. The
 * bound is a size, not a timing: growth under 200 MiB (a producer that buffered would grow by
 * up to 1 GiB). The figures are printed for the record.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupervisedCluster } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'
import { streamApi } from '../fixtures/stream-contract.js'

const ITEMS = 16_384
const ITEM_BYTES = 64 * 1024
const MiB = 1024 * 1024

const pool = createClusterPool()
const memory = suite('rpc streams: memory')

memory.after.each(async () => {
  assert.equal(await pool.cleanup(), [])
})

memory('a 1 GiB stream read slowly keeps the producer’s memory bounded', async () => {
  const cluster: SupervisedCluster<typeof streamApi> = pool.start({
    worker: fixture('stream-worker.ts'),
    count: 1,
    contract: streamApi,
  }).cluster
  await cluster.onReady()
  // Warm the worker's code paths first, so the baseline is not its cold start.
  for await (const _ of cluster.any.blobs(64, ITEM_BYTES)) void _
  const baseline = await cluster.any.rss()
  const masterBaseline = process.memoryUsage().rss
  let peak = baseline
  let masterPeak = masterBaseline
  let bytes = 0
  let next = 0
  const startedAt = performance.now()
  for await (const item of cluster.any.$with({ timeout: Infinity }).blobs(ITEMS, ITEM_BYTES)) {
    assert.is(item.index, next++)
    bytes += item.data.length
    // The slow consumer: a timer every 8 items.
    if (next % 8 === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    if (next % 512 === 0) {
      peak = Math.max(peak, await cluster.any.rss())
      masterPeak = Math.max(masterPeak, process.memoryUsage().rss)
    }
  }
  const seconds = (performance.now() - startedAt) / 1000
  assert.is(next, ITEMS)
  assert.is(bytes, ITEMS * ITEM_BYTES)
  const growth = peak - baseline
  console.log(
    `  1 GiB in ${seconds.toFixed(1)} s (${(bytes / MiB / seconds).toFixed(0)} MiB/s); worker rss ${(baseline / MiB).toFixed(0)} → ` +
      `peak ${(peak / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(0)}); master rss ${(masterBaseline / MiB).toFixed(0)} → ` +
      `peak ${(masterPeak / MiB).toFixed(0)} MiB`,
  )
  assert.ok(growth < 200 * MiB, `the worker grew by ${(growth / MiB).toFixed(0)} MiB`)
})

memory.run()
