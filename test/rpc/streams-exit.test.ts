/**
 * A worker SIGKILLed mid-stream (issue 15): the master's iteration rejects with WorkerExitedError
 * at once, whether it was waiting for an item or still had some buffered, and nothing is left pending.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type SupervisedCluster, WorkerExitedError } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'
import { streamApi } from '../fixtures/stream-contract.js'
import { DEFAULT_STREAM_WINDOW } from '../../src/rpc/stream-frames.js'

const pool = createClusterPool()
const exit = suite('rpc streams: worker exit')

/** One stream-worker.ts worker, restarted quickly after the test's SIGKILL. */
function startStreamWorker(): SupervisedCluster<typeof streamApi> {
  return pool.start({
    worker: fixture('stream-worker.ts'),
    count: 1,
    contract: streamApi,
    restart: { backoff: { initial: 10 } },
  }).cluster
}

exit.after.each(async () => {
  assert.equal(await pool.cleanup(), [])
})

exit('a SIGKILL mid-stream rejects the iteration with WorkerExitedError at once, with no deadline to wait for', async () => {
  const cluster = startStreamWorker()
  await cluster.onReady()
  const [worker] = cluster.workers()
  let read = 0
  const thrown = await (async () => {
    try {
      // No deadline: only the exit can end this stream.
      for await (const _ of cluster.any.$with({ timeout: Infinity }).endless()) {
        if (++read === 3) process.kill(worker!.pid!, 'SIGKILL')
        // Keep reading slowly, so the exit finds items buffered or the consumer waiting.
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      return undefined
    } catch (error) {
      return error as WorkerExitedError
    }
  })()
  assert.instance(thrown, WorkerExitedError)
  assert.is(thrown!.code, 'ERR_WORKER_EXITED')
  assert.is(thrown!.signal, 'SIGKILL')
  assert.is(thrown!.pid, worker!.pid)
  assert.is(thrown!.workerId, worker!.workerId)
  assert.ok(read >= 3 && read <= 3 + DEFAULT_STREAM_WINDOW, `read ${read}: at most the window past the kill`)
})

exit(
  'with a window of 1, the kill finds the consumer waiting or one item ahead; then the stream is done and nothing is pending',
  async () => {
    const cluster = startStreamWorker()
    await cluster.onReady()
    const [worker] = cluster.workers()
    const iterator = cluster.any.$with({ timeout: Infinity, window: 1 }).endless()[Symbol.asyncIterator]()
    await iterator.next()
    await iterator.next()
    process.kill(worker!.pid!, 'SIGKILL')
    let afterKill = 0
    const thrown = await (async () => {
      try {
        while (!(await iterator.next()).done) afterKill++
        return undefined
      } catch (error) {
        return error as WorkerExitedError
      }
    })()
    assert.instance(thrown, WorkerExitedError)
    assert.is(thrown!.signal, 'SIGKILL')
    assert.ok(afterKill <= 1, `read ${afterKill} items after the kill: the window is 1`)
    assert.equal(await iterator.next(), { done: true, value: undefined })
    assert.equal(
      cluster
        .workers()
        .map((w) => w.inFlight)
        .filter((n) => n > 0),
      [],
    )
  },
)

exit.run()
