/**
 * A worker SIGKILLed mid-upload (issue 15), both ways: when the master uploads, its call rejects
 * with WorkerExitedError at once and its generator's `finally` runs; when the worker uploads, the
 * master's handler's reading rejects with that WorkerExitedError at once. Nothing is left pending.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type SupervisedCluster, WorkerExitedError } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'
import { uploadApi } from '../fixtures/upload-contract.js'

const pool = createClusterPool()
const exit = suite('rpc upload streams: worker exit')

exit.after.each(async () => {
  assert.equal(await pool.cleanup(), [])
})

/** Waits a few event-loop turns at a time until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turns = 0; !condition() && turns < 500; turns++) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.ok(condition(), what)
}

function assertKilled(error: WorkerExitedError | undefined, worker: { pid: number | null; workerId: number | null }): void {
  assert.instance(error, WorkerExitedError)
  assert.is(error!.code, 'ERR_WORKER_EXITED')
  assert.is(error!.signal, 'SIGKILL')
  assert.is(error!.pid, worker.pid)
  assert.is(error!.workerId, worker.workerId)
}

exit('a SIGKILL of the reading worker rejects the master’s call with WorkerExitedError and runs its generator’s finally', async () => {
  const cluster: SupervisedCluster<typeof uploadApi> = pool.start({
    worker: fixture('upload-worker.ts'),
    count: 1,
    contract: uploadApi,
  }).cluster
  await cluster.onReady()
  const [worker] = cluster.workers()
  let pulled = 0
  let finallies = 0
  async function* values() {
    try {
      for (;;) {
        pulled++
        yield pulled
      }
    } finally {
      finallies++
    }
  }
  // No deadline: only the exit can end this call.
  const holding = cluster.any.$with({ timeout: Infinity }).hold(values())
  await until(() => pulled > 100, 'the generator to be pulled')
  process.kill(worker!.pid!, 'SIGKILL')
  const thrown = await holding.then(
    () => undefined,
    (error: WorkerExitedError) => error,
  )
  assertKilled(thrown, worker!)
  assert.is(finallies, 1)
})

exit('a SIGKILL of the uploading worker rejects the master handler’s reading with WorkerExitedError at once', async () => {
  let read = 0
  let seen: unknown
  let onEnded!: () => void
  const ended = new Promise<void>((resolve) => (onEnded = resolve))
  const cluster: SupervisedCluster<typeof uploadApi> = pool.start({
    worker: fixture('upload-worker.ts'),
    count: 1,
    contract: uploadApi,
    handlers: {
      async collect(values: AsyncIterable<number>) {
        try {
          for await (const _ of values) read++
          return read
        } catch (error) {
          seen = error
          throw error
        } finally {
          onEnded()
        }
      },
    },
  }).cluster
  await cluster.onReady()
  const [worker] = cluster.workers()
  void cluster.any
    .$with({ timeout: Infinity })
    .uploadForever()
    .catch(() => {})
  await until(() => read > 100, 'the master to read the upload')
  process.kill(worker!.pid!, 'SIGKILL')
  await ended
  assertKilled(seen as WorkerExitedError, worker!)
})

exit.run()
