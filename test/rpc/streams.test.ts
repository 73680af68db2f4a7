/**
 * Streams between real processes (issue 15): a handler's async iterable read with `for await`
 * through `cluster.any`, `cluster.worker(id)` and from a worker to the master; the credit window
 * pausing the producer; `break`, an AbortSignal and the deadline stopping it (its `finally` runs);
 * a producer's error arriving as the iteration's. One worker serves every test: each reads its
 * counters as deltas. A worker's exit mid-stream is in streams-exit.test.ts, the 1 GB stream in
 * streams-memory.test.ts, hostile frames in stream-frames.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { RpcAbortError, RpcTimeoutError, type SupervisedCluster } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'
import { QuotaError, streamApi } from '../fixtures/stream-contract.js'
import { DEFAULT_STREAM_WINDOW } from '../../src/rpc/stream-frames.js'

const pool = createClusterPool()
let cluster: SupervisedCluster<typeof streamApi>
let label = ''
let masterFinallies = 0

const streams = suite('rpc streams')

streams.before(async () => {
  cluster = pool.start({
    worker: fixture('stream-worker.ts'),
    count: 1,
    contract: streamApi,
    handlers: {
      async *ticks(n: number) {
        try {
          for (let tick = 1; tick <= n; tick++) yield tick
        } finally {
          masterFinallies++
        }
      },
    },
  }).cluster
  await cluster.onReady()
  const [worker] = cluster.workers()
  label = `worker ${worker!.workerId} (pid ${worker!.pid})`
})

streams.after(async () => {
  assert.equal(await pool.cleanup(), [])
})

/** Reads `progress()` until `condition` holds of it (each read is a round trip to the worker). */
async function progressUntil(condition: (progress: { pulled: number; finallies: number }) => boolean, what: string) {
  let last = await cluster.any.progress()
  for (let reads = 0; !condition(last) && reads < 500; reads++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    last = await cluster.any.progress()
  }
  assert.ok(condition(last), `${what}: got ${JSON.stringify(last)}`)
  return last
}

streams('a handler that returns an async generator streams its items, in order, through any and worker(id)', async () => {
  const items: number[] = []
  for await (const item of cluster.any.count(1_000)) items.push(item)
  assert.equal(
    items,
    Array.from({ length: 1_000 }, (_, index) => index),
  )
  const [worker] = cluster.workers()
  const again: number[] = []
  for await (const item of cluster.worker(worker!.workerId!).call.count(3)) again.push(item)
  assert.equal(again, [0, 1, 2])
  const empty: number[] = []
  for await (const item of cluster.any.count(0)) empty.push(item)
  assert.equal(empty, [])
})

streams('items keep their types (Dates) and a stream can be awaited first, then read', async () => {
  const stream = await cluster.any.endless()
  const read: { n: number; at: Date }[] = []
  for await (const item of stream) {
    read.push(item)
    if (read.length === 3) break
  }
  assert.equal(
    read,
    [0, 1, 2].map((n) => ({ n, at: new Date(n) })),
  )
  assert.ok(read[2]!.at instanceof Date)
})

streams('a worker reads a stream the master serves, and the master generator runs its finally', async () => {
  const before = masterFinallies
  assert.is(await cluster.any.sumFromMaster(100), 5050)
  assert.is(masterFinallies, before + 1)
})

streams('iterating a call answered with a plain value throws a TypeError that says to await it', async () => {
  const thrown = await (async () => {
    try {
      for await (const _ of cluster.any.plain() as unknown as AsyncIterable<number>) void _
      return undefined
    } catch (error) {
      return error as Error
    }
  })()
  assert.instance(thrown, TypeError)
  assert.is(
    thrown!.message,
    'Call plain() was answered with a value, not a stream, so it cannot be iterated; await it instead, or make its ' +
      'handler return an async iterable (e.g. an `async function*`) and declare it as `AsyncIterable<T>` in the contract.',
  )
  assert.is(await cluster.any.plain(), 42)
})

streams('a consumer that stops reading pauses the producer at its window: the generator is not pulled further', async () => {
  const start = await cluster.any.progress()
  const iterator = cluster.any.$with({ window: 8 }).endless()[Symbol.asyncIterator]()
  assert.equal((await iterator.next()).value, { n: 0, at: new Date(0) })
  const paused = await progressUntil((p) => p.pulled === start.pulled + 8, 'the producer to pull its window of 8')
  // Many round trips later, with the consumer still holding its first item, nothing more was pulled.
  for (let round = 0; round < 50; round++) assert.is((await cluster.any.progress()).pulled, paused.pulled)
  // Reading half the window grants that much again, and the producer goes on.
  for (let read = 1; read < 4; read++) assert.is(((await iterator.next()).value as { n: number }).n, read)
  await progressUntil((p) => p.pulled === start.pulled + 12, 'the producer to pull 4 more')
  await iterator.return!()
  await progressUntil((p) => p.finallies === start.finallies + 1, 'the generator’s finally to run')
})

streams('break in the consumer stops the producer: its generator’s finally runs', async () => {
  const start = await cluster.any.progress()
  let read = 0
  for await (const _ of cluster.any.endless()) if (++read === 5) break
  const after = await progressUntil((p) => p.finallies === start.finallies + 1, 'the generator’s finally to run')
  assert.ok(
    after.pulled - start.pulled <= 5 + DEFAULT_STREAM_WINDOW,
    `pulled ${after.pulled - start.pulled}: at most what was read plus the window`,
  )
})

streams('an AbortSignal mid-stream rejects the iteration with RpcAbortError and stops the producer', async () => {
  const start = await cluster.any.progress()
  const controller = new AbortController()
  const reason = new Error('enough')
  let read = 0
  const thrown = await (async () => {
    try {
      for await (const _ of cluster.any.$with({ signal: controller.signal }).endless()) if (++read === 3) controller.abort(reason)
      return undefined
    } catch (error) {
      return error as RpcAbortError
    }
  })()
  assert.is(read, 3, 'the items buffered when it aborted are dropped')
  assert.instance(thrown, RpcAbortError)
  assert.is(thrown!.code, 'ERR_RPC_ABORTED')
  assert.is(thrown!.message, `Call endless() to ${label} was aborted by its AbortSignal before a reply arrived.`)
  assert.is(thrown!.cause, reason)
  await progressUntil((p) => p.finallies === start.finallies + 1, 'the generator’s finally to run')
})

streams('the deadline covers the whole stream: past it the iteration rejects with RpcTimeoutError and the producer stops', async () => {
  const start = await cluster.any.progress()
  const thrown = await (async () => {
    try {
      // A slow consumer: each item waits 50 ms, so 300 ms pass long before the stream could end.
      for await (const _ of cluster.any.$with({ timeout: 300, window: 2 }).endless())
        await new Promise((resolve) => setTimeout(resolve, 50))
      return undefined
    } catch (error) {
      return error as RpcTimeoutError
    }
  })()
  assert.instance(thrown, RpcTimeoutError)
  assert.is(thrown!.code, 'ERR_RPC_TIMEOUT')
  assert.is(thrown!.timeout, 300)
  assert.is(
    thrown!.message,
    `The stream of endless() from ${label} did not end within its deadline of 300 ms (a stream's deadline covers the ` +
      'whole stream); raise it with `.$with({ timeout })` (Infinity for none) or stop reading sooner.',
  )
  await progressUntil((p) => p.finallies === start.finallies + 1, 'the generator’s finally to run')
})

streams('an error the producer throws arrives after its items, rebuilt as itself', async () => {
  const items: number[] = []
  const thrown = await (async () => {
    try {
      for await (const item of cluster.any.failing(3)) items.push(item)
      return undefined
    } catch (error) {
      return error as QuotaError
    }
  })()
  assert.equal(items, [0, 1, 2])
  assert.instance(thrown, QuotaError)
  assert.is(thrown!.message, 'over the quota of 3')
  assert.is(thrown!.limit, 3)
  assert.match(thrown!.stack!, /stream-worker\.ts/)
})

streams('streams in flight count as calls in flight, and none is left once they end', async () => {
  const iterator = cluster.any.endless()[Symbol.asyncIterator]()
  await iterator.next()
  assert.is(cluster.workers()[0]!.inFlight, 1)
  await iterator.return!()
  assert.is(cluster.workers()[0]!.inFlight, 0)
})

streams.run()
