/**
 * A 256 MiB upload (4,096 chunks of 64 KiB) to a handler that reads slowly (issue 15): the credit
 * window keeps the uploading master from buffering, so its resident set stays bounded, and the
 * worker's too. The bound is a size, not a timing: growth under 128 MiB each (a caller that
 * buffered would grow by up to 256 MiB). The figures are printed for the record.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupervisedCluster } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'
import { uploadApi } from '../fixtures/upload-contract.js'

const CHUNKS = 4_096
const CHUNK_BYTES = 64 * 1024
const MiB = 1024 * 1024

const pool = createClusterPool()
const memory = suite('rpc upload streams: memory')

memory.after.each(async () => {
  assert.equal(await pool.cleanup(), [])
})

memory('a 256 MiB upload to a slow handler keeps the caller’s memory bounded', async () => {
  const cluster: SupervisedCluster<typeof uploadApi> = pool.start({
    worker: fixture('upload-worker.ts'),
    count: 1,
    contract: uploadApi,
  }).cluster
  await cluster.onReady()
  async function* chunks(count: number, sample?: () => void) {
    for (let index = 0; index < count; index++) {
      // A fresh chunk each time, as a file read would give: a caller that buffered would hold them all.
      const chunk = new Uint8Array(CHUNK_BYTES).fill(index & 0xff)
      if (sample !== undefined && index % 64 === 0) sample()
      yield chunk
    }
  }
  // Warm the code paths first, so the baseline is not a cold start.
  await cluster.any.slowBytes(chunks(64), 8)
  global.gc?.()
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const startedAt = performance.now()
  const result = await cluster.any.$with({ timeout: Infinity }).slowBytes(
    chunks(CHUNKS, () => (peak = Math.max(peak, process.memoryUsage().rss))),
    8,
  )
  const seconds = (performance.now() - startedAt) / 1000
  assert.equal(result, { bytes: CHUNKS * CHUNK_BYTES, chunks: CHUNKS })
  const growth = peak - baseline
  console.log(
    `  256 MiB in ${seconds.toFixed(1)} s (${((CHUNKS * CHUNK_BYTES) / MiB / seconds).toFixed(0)} MiB/s); master rss ` +
      `${(baseline / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB (+${(growth / MiB).toFixed(0)})`,
  )
  assert.ok(growth < 128 * MiB, `the master grew by ${(growth / MiB).toFixed(0)} MiB`)
})

memory.run()
