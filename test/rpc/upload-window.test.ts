/**
 * The window an upload stream is read under is the reading side's own: `serve({ uploadWindow })`
 * in the worker for the master's uploads, `supervise({ uploadWindow })` in the master for the
 * workers'. A handler that reads `n` items and then stops reading (the stream left open) lets the
 * caller's generator be pulled for at most `n + window` items: the window, plus the credit its
 * reading gave back. The bad-option errors are in peer.test.ts and supervise.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { SupervisedCluster } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'
import { uploadApi } from '../fixtures/upload-contract.js'

const WORKER_WINDOW = 4
const MASTER_WINDOW = 3
const READ = 2

const pool = createClusterPool()
let cluster: SupervisedCluster<typeof uploadApi>
let releaseMaster!: () => void
const masterReleased = new Promise<void>((resolve) => (releaseMaster = resolve))
const windows = suite('rpc upload windows')

windows.before(async () => {
  cluster = pool.start({
    worker: fixture('upload-worker.ts'),
    count: 1,
    contract: uploadApi,
    env: { UPLOAD_WINDOW_ITEMS: String(WORKER_WINDOW) },
    uploadWindow: { items: MASTER_WINDOW },
    handlers: {
      async collect(values: AsyncIterable<number>) {
        let sum = 0
        for await (const value of values) sum += value
        return sum
      },
      async readThenWait(values: AsyncIterable<number>, n: number) {
        const iterator = values[Symbol.asyncIterator]()
        for (let read = 0; read < n; read++) await iterator.next()
        await masterReleased
      },
    },
  }).cluster
  await cluster.onReady()
})

windows.after(async () => {
  assert.equal(await pool.cleanup(), [])
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Polls `read()` until it reaches `least`, then gives the stream time to overrun, and returns it. */
async function settledAt(read: () => Promise<number> | number, least: number): Promise<number> {
  for (let turns = 0; (await read()) < least && turns < 500; turns++) await sleep(10)
  await sleep(200)
  return read()
}

windows('a worker’s serve({ uploadWindow }) bounds how far the master’s generator is pulled', async () => {
  let pulled = 0
  async function* counted() {
    for (let value = 0; ; value++) {
      pulled++
      yield value
    }
  }
  const controller = new AbortController()
  const reading = cluster.any.$with({ signal: controller.signal }).readThenWait(counted(), READ)
  const seen = await settledAt(() => pulled, WORKER_WINDOW)
  assert.ok(seen >= WORKER_WINDOW && seen <= READ + WORKER_WINDOW, `pulled ${seen}, window ${WORKER_WINDOW}, read ${READ}`)
  controller.abort()
  await reading.catch(() => {})
  // The cluster keeps answering, and an upload without the pause still goes through whole.
  assert.is(await cluster.any.uploadToMaster(100), 5050)
})

windows('the master’s supervise({ uploadWindow }) bounds how far a worker’s generator is pulled', async () => {
  const uploading = cluster.any.$with({ timeout: Infinity }).uploadCounted(READ)
  const seen = await settledAt(() => cluster.any.uploadPulled(), MASTER_WINDOW)
  assert.ok(seen >= MASTER_WINDOW && seen <= READ + MASTER_WINDOW, `pulled ${seen}, window ${MASTER_WINDOW}, read ${READ}`)
  releaseMaster()
  await uploading
  assert.is(await cluster.any.uploadToMaster(10), 55)
})

windows.run()
