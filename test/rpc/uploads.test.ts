/**
 * Upload streams between real processes (issue 15): an async iterable argument read by the
 * handler with `for await`, master → worker and worker → master; the credit window pausing the
 * caller's generator; the handler's `break` or early return stopping it (its `finally` runs); the
 * caller's error arriving as the handler's iteration's, rebuilt; abort and deadline ending both
 * sides. A worker's exit mid-upload is in uploads-exit.test.ts, the 256 MiB upload in
 * uploads-memory.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { RpcAbortError, RpcTimeoutError, type SupervisedCluster } from '../../src/index.js'
import { DEFAULT_STREAM_WINDOW } from '../../src/rpc/stream-frames.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'
import { QuotaError, type UploadOutcome, uploadApi } from '../fixtures/upload-contract.js'

const pool = createClusterPool()
let cluster: SupervisedCluster<typeof uploadApi>
let label = ''
const uploads = suite('rpc upload streams')

uploads.before(async () => {
  cluster = pool.start({
    worker: fixture('upload-worker.ts'),
    count: 1,
    contract: uploadApi,
    handlers: {
      async collect(values: AsyncIterable<number>) {
        let sum = 0
        for await (const value of values) sum += value
        return sum
      },
    },
  }).cluster
  await cluster.onReady()
  const [worker] = cluster.workers()
  label = `worker ${worker!.workerId} (pid ${worker!.pid})`
})

uploads.after(async () => {
  assert.equal(await pool.cleanup(), [])
})

/** A generator that records how far it was pulled and whether its `finally` ran. */
function tracked<T>(item: (n: number) => T, count = Infinity) {
  const record = { pulled: 0, finallies: 0 }
  async function* generate() {
    try {
      for (let n = 0; n < count; n++) {
        record.pulled++
        yield item(n)
      }
    } finally {
      record.finallies++
    }
  }
  return { record, values: generate() }
}

/** Waits a few event-loop turns at a time until `condition` holds (each turn lets frames through). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turns = 0; !condition() && turns < 500; turns++) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.ok(condition(), what)
}

uploads('a handler reads an async iterable argument in order, through any and worker(id)', async () => {
  const { record, values } = tracked((n) => n, 10_000)
  assert.is(await cluster.any.sum(values), (9_999 * 10_000) / 2)
  assert.is(record.finallies, 1)
  const [worker] = cluster.workers()
  const { values: few } = tracked((n) => n + 1, 3)
  assert.is(await cluster.worker(worker!.workerId!).call.sum(few), 6)
  const { values: none } = tracked((n) => n, 0)
  assert.is(await cluster.any.sum(none), 0)
  assert.is(cluster.workers()[0]!.inFlight, 0)
})

uploads('cluster.all refuses an async iterable argument, pulling none of it, and the cluster keeps working', async () => {
  const { record, values } = tracked((n) => n, 10)
  const error = await cluster.all.sum(values).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  assert.instance(error, TypeError)
  assert.is(
    (error as Error).message,
    'cluster.all.sum() was refused: argument 0 is an async iterable (an upload stream), and every worker would pull ' +
      'items from the one iterator. Call each worker with an iterable of its own: `cluster.worker(id).call`.',
  )
  assert.is(record.pulled, 0)
  assert.is(await cluster.any.sum(values), 45)
})

uploads('a worker uploads to the master', async () => {
  assert.is(await cluster.any.uploadToMaster(100), 5050)
})

uploads('two uploads in one call, and an upload answered with a download stream', async () => {
  async function* letters(...items: string[]) {
    yield* items
  }
  assert.equal(await cluster.any.concat(letters('a', 'b'), letters('c')), ['a', 'b', 'c'])
  const { values } = tracked((n) => n, 5)
  const doubled: number[] = []
  for await (const value of cluster.any.doubled(values)) doubled.push(value)
  assert.equal(doubled, [0, 2, 4, 6, 8])
})

uploads('a handler that breaks stops the caller’s generator (its finally runs); items keep their Dates', async () => {
  const { record, values } = tracked((n) => ({ n, at: new Date(n) }))
  assert.equal(await cluster.any.take(values, 5), [0, 1, 2, 3, 4])
  await until(() => record.finallies === 1, 'the generator’s finally to run')
  assert.ok(record.pulled <= 5 + DEFAULT_STREAM_WINDOW, `pulled ${record.pulled}: at most what was read plus the window`)
})

uploads('a handler that returns without reading stops the caller’s generator, which was never pulled', async () => {
  let finallies = 0
  let pulled = 0
  async function* values() {
    try {
      for (;;) {
        pulled++
        yield 1
      }
    } finally {
      finallies++
    }
  }
  const generator = values()
  assert.is(await cluster.any.ignore(generator), 'ignored')
  assert.is(pulled, 0)
  // Never started, so its body (and finally) cannot run; it is returned, so it is done.
  assert.equal(await generator.next(), { done: true, value: undefined })
  assert.is(finallies, 0)
})

uploads('a slow handler pauses the caller’s generator: it is never pulled more than the window ahead of the reading', async () => {
  const { record, values } = tracked((n) => n)
  const controller = new AbortController()
  const holding = cluster.any.$with({ signal: controller.signal }).hold(values)
  await until(() => record.pulled >= DEFAULT_STREAM_WINDOW, 'the generator to be pulled for its first window')
  // The handler reads one item per 5 ms; what it has not read yet is at most the window.
  for (let check = 0; check < 20; check++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(record.pulled <= DEFAULT_STREAM_WINDOW * 2, `pulled ${record.pulled}`)
  }
  controller.abort()
  await holding.catch(() => {})
  assert.is(record.finallies, 1)
  await lastOutcomeOnceEnded()
})

uploads('the caller’s generator throwing rejects the handler’s iteration with the error rebuilt', async () => {
  async function* failing() {
    yield 1
    yield 2
    throw Object.assign(new QuotaError('over the quota of 2'), { limit: 2 })
  }
  const outcome: UploadOutcome = await cluster.any.observe(failing())
  assert.equal(outcome, {
    read: [1, 2],
    // QuotaError sets no `name` of its own, so it is Error's; the class is rebuilt (instanceof, own fields).
    error: { name: 'Error', code: undefined, message: 'over the quota of 2', limit: 2, isQuotaError: true },
  })
})

uploads(
  'an AbortSignal ends both sides: the call rejects with RpcAbortError, the handler’s reading too, the generator’s finally runs',
  async () => {
    const { record, values } = tracked((n) => n)
    const controller = new AbortController()
    const reason = new Error('enough')
    const holding = cluster.any.$with({ signal: controller.signal }).hold(values)
    await until(() => record.pulled > 0, 'the generator to be pulled')
    controller.abort(reason)
    const thrown = await holding.then(
      () => undefined,
      (error: RpcAbortError) => error,
    )
    assert.instance(thrown, RpcAbortError)
    assert.is(thrown!.message, `Call hold() to ${label} was aborted by its AbortSignal before a reply arrived.`)
    assert.is(thrown!.cause, reason)
    assert.is(record.finallies, 1)
    const outcome = await lastOutcomeOnceEnded()
    assert.equal(outcome.error, {
      name: 'RpcAbortError',
      code: 'ERR_RPC_ABORTED',
      message: expectedCancelledMessage('hold'),
      limit: undefined,
      isQuotaError: false,
    })
  },
)

uploads('the deadline ends both sides: RpcTimeoutError for the call, the handler’s reading rejects as cancelled', async () => {
  const { record, values } = tracked((n) => n)
  const thrown = await cluster.any
    .$with({ timeout: 200 })
    .hold(values)
    .then(
      () => undefined,
      (error: RpcTimeoutError) => error,
    )
  assert.instance(thrown, RpcTimeoutError)
  assert.is(thrown!.code, 'ERR_RPC_TIMEOUT')
  assert.is(thrown!.timeout, 200)
  assert.is(record.finallies, 1)
  const outcome = await lastOutcomeOnceEnded()
  assert.is(outcome.error?.name, 'RpcAbortError')
  assert.is(outcome.error?.message, expectedCancelledMessage('hold'))
})

/** The reason a handler's signal (and its upload's reading) carries when the master gave up. */
function expectedCancelledMessage(method: string): string {
  return new RpcAbortError(method, 'the master', undefined, 'callee').message
}

async function lastOutcomeOnceEnded(): Promise<UploadOutcome> {
  let outcome = await cluster.any.lastOutcome()
  for (let reads = 0; outcome === null && reads < 500; reads++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    outcome = await cluster.any.lastOutcome()
  }
  assert.ok(outcome !== null, 'the handler’s reading to end')
  return outcome!
}

uploads.run()
