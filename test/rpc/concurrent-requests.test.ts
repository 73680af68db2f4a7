/**
 * `maxConcurrentRequests` over real processes, both ways: a worker that makes more calls of a
 * master handler that waits than `supervise({ maxConcurrentRequests })` allows gets the rest
 * refused at once with `RpcOverloadedError`, and the master keeps serving; the master flooding a
 * worker past its `serve({ maxConcurrentRequests })` likewise, with the worker's heartbeats still
 * answered (it is not restarted). In-process cases and option errors: peer.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { RpcOverloadedError, type SupervisedCluster } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, rejectionOf, waitFor } from '../helpers/processes.js'
import { floodApi } from '../fixtures/flood-contract.js'

const MASTER_LIMIT = 5
const WORKER_LIMIT = 4

/** What the caller of `method` sees when the other side is at `limit`. */
const overloaded = (method: string, limit: number) =>
  `The other side refused ${method}(): it is already running ${limit} requests of this link (its maxConcurrentRequests), ` +
  'so the handler was not run. Retry once some have finished, or raise maxConcurrentRequests where the handlers run ' +
  '(serve() in a worker, supervise() in the master).'

const pool = createClusterPool()
let cluster: SupervisedCluster<typeof floodApi>
let log: ReturnType<typeof pool.start>['log']
let masterRan = 0
let releaseMaster!: () => void
const masterReleased = new Promise<void>((resolve) => (releaseMaster = resolve))
const flood = suite('rpc maxConcurrentRequests over real processes')

flood.before(async () => {
  ;({ cluster, log } = pool.start({
    worker: fixture('flood-worker.ts'),
    count: 1,
    contract: floodApi,
    env: { MAX_CONCURRENT_REQUESTS: String(WORKER_LIMIT) },
    maxConcurrentRequests: MASTER_LIMIT,
    // Heartbeats every 50 ms, and a worker that misses one restarted: a refused heartbeat would show.
    health: { heartbeatInterval: 50, maxMissedHeartbeats: 1 },
    handlers: {
      async wait(n: number) {
        masterRan++
        await masterReleased
        return n
      },
      ping: () => 'pong',
    },
  }))
  await cluster.onReady()
})

flood.after(async () => {
  assert.equal(await pool.cleanup(), [])
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

flood('a worker’s calls past supervise({ maxConcurrentRequests }) are refused at once; the master keeps serving', async () => {
  const flooding = cluster.any.floodMaster(MASTER_LIMIT + 3)
  await waitFor(() => masterRan === MASTER_LIMIT, 'the master running its limit of handlers')
  // At the limit, the worker's other calls are refused too; the master's calls to it still go.
  const refused = await rejectionOf(cluster.any.pingMaster())
  assert.instance(refused, RpcOverloadedError)
  assert.is(refused.message, overloaded('ping', MASTER_LIMIT))
  assert.is(await cluster.any.ran(), 0)
  releaseMaster()
  const outcome = await flooding
  assert.equal(outcome.answered.sort(), [0, 1, 2, 3, 4])
  assert.equal(outcome.refused, Array(3).fill(['RpcOverloadedError', 'ERR_RPC_OVERLOADED', overloaded('wait', MASTER_LIMIT)]))
  assert.is(masterRan, MASTER_LIMIT)
  assert.is(await cluster.any.pingMaster(), 'pong')
})

// Long enough for the test's checks while the worker is at its limit, on a slow machine too.
const WORKER_WAIT_MS = 2_000

flood('the master’s calls past a worker’s serve({ maxConcurrentRequests }) are refused; its heartbeats are not', async () => {
  const { pid } = cluster.workers()[0]!
  const running = Array.from({ length: WORKER_LIMIT }, (_, n) => cluster.any.wait(n, WORKER_WAIT_MS))
  // The link keeps order: these arrive after the four, which started as they arrived.
  const refused = await Promise.all([rejectionOf(cluster.any.wait(98, 0)), rejectionOf(cluster.any.ran())])
  for (const [error, method] of [
    [refused[0], 'wait'],
    [refused[1], 'ran'],
  ] as const) {
    assert.instance(error, RpcOverloadedError)
    assert.is(error.code, 'ERR_RPC_OVERLOADED')
    assert.is(error.message, overloaded(method, WORKER_LIMIT))
    assert.equal([error.method, error.limit], [method, WORKER_LIMIT])
  }
  // Six heartbeat intervals at the limit: a refused heartbeat would have restarted the worker.
  await sleep(300)
  assert.equal(log.restarts, [])
  assert.is(cluster.workers()[0]!.pid, pid)
  assert.equal(await Promise.all(running), [0, 1, 2, 3])
  // Below the limit again, the worker runs new requests: 98 never ran.
  assert.is(await cluster.any.ran(), WORKER_LIMIT)
  assert.is(await cluster.any.wait(7, 0), 7)
})

flood.run()
