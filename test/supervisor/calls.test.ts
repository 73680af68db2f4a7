import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  ClusterStoppedError,
  NoWorkerError,
  type SupervisedCluster,
  supervise,
  WorkerDrainingError,
  WorkerExitedError,
  WorkerNotFoundError,
} from '../../src/index.js'
import { clusterApi } from '../fixtures/cluster-contract.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'

const clusters: SupervisedCluster<typeof clusterApi>[] = []

function start(options: { count: number; env?: Record<string, string> }): SupervisedCluster<typeof clusterApi> {
  const cluster = supervise({
    worker: fixture('cluster-calc.ts'),
    contract: clusterApi,
    handlers: { double: (n) => n * 2 },
    handleSignals: false,
    timeouts: { drain: 5_000, disconnect: 500, terminate: 500 },
    restart: { backoff: { initial: 10 } },
    ...options,
  })
  clusters.push(cluster)
  return cluster
}

const calls = suite('cluster calls')

calls.after.each(async () => {
  const pids = clusters.flatMap((c) => c.workers().map((w) => w.pid))
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL')
})

calls('holds calls made while workers start and sends them once a worker is ready', async () => {
  const cluster = start({ count: 1, env: { START_DELAY: '300' } })
  const result = cluster.any.add(2, 3)
  assert.is(cluster.workers().length, 0, 'nothing forked yet: supervise() starts in a microtask')
  assert.is(await result, 5)
  assert.equal(
    cluster.workers().map((w) => w.state),
    ['listening'],
  )
})

calls('spreads any() over the workers, least busy first', async () => {
  const cluster = start({ count: 2 })
  await cluster.onReady()
  const pids = new Set((await Promise.all(Array.from({ length: 20 }, () => cluster.any.whoami()))).map((w) => w.pid))
  assert.equal(
    [...pids].sort(),
    cluster
      .workers()
      .map((w) => w.pid)
      .sort(),
  )
})

calls('all() settles with every worker result, and worker(id) calls one worker', async () => {
  const cluster = start({ count: 2 })
  await cluster.onReady()
  const settled = await cluster.all.whoami()
  assert.equal(
    settled.map((s) => s.status),
    ['fulfilled', 'fulfilled'],
  )
  const [first] = cluster.workers()
  const me = await cluster.worker(first!.workerId!).call.whoami()
  assert.equal(me, { pid: first!.pid, slot: first!.slotId })
  assert.throws(
    () => cluster.worker(9999),
    (error: Error) =>
      error instanceof WorkerNotFoundError &&
      error.code === 'ERR_WORKER_NOT_FOUND' &&
      /cluster\.worker\(9999\): no live worker/.test(error.message),
  )
})

calls('a worker calls the master, emits typed events and still sends its own messages', async () => {
  const cluster = start({ count: 1 })
  await cluster.onReady()
  assert.is(await cluster.any.askMaster(21), 42)
  const events: unknown[] = []
  const messages: unknown[] = []
  cluster.on('event', (_workerId, name, payload) => events.push([name, payload]))
  cluster.on('message', (_workerId, message) => messages.push(message))
  await cluster.any.chatter()
  const [worker] = cluster.workers()
  await waitFor(() => events.length === 1 && messages.length === 1, 'the event and the message arrive')
  assert.equal(events, [['progress', { pid: worker!.pid, step: 1 }]])
  assert.equal(messages, [{ kind: 'user-message', from: worker!.pid }])
})

calls('refuses new calls to a draining worker while its in-flight calls finish', async () => {
  const cluster = start({ count: 1 })
  await cluster.onReady()
  const [worker] = cluster.workers()
  const target = cluster.worker(worker!.workerId!)
  const inFlight = target.call.sleep(300)
  const stopped = cluster.stop()
  await waitFor(() => cluster.workers()[0]?.state === 'disconnecting.draining', 'the worker drains')
  const refused = await target.call.add(1, 1).catch((error: unknown) => error)
  assert.instance(refused, WorkerDrainingError)
  assert.is((refused as WorkerDrainingError).code, 'ERR_WORKER_DRAINING')
  assert.is(await inFlight, 'done', 'the call in flight finished before the worker was disconnected')
  await stopped
})

calls('rejects all 100 calls in flight with WorkerExitedError when the worker is SIGKILLed', async () => {
  const cluster = start({ count: 1 })
  await cluster.onReady()
  const [worker] = cluster.workers()
  const pending = Array.from({ length: 100 }, () =>
    cluster
      .worker(worker!.workerId!)
      .call.sleep(60_000)
      .catch((error: unknown) => error),
  )
  const exits: Array<{ signal: string | null; callsInFlight: number }> = []
  cluster.on('exit', (event) => exits.push({ signal: event.exit.signal, callsInFlight: event.crash?.callsInFlight.length ?? -1 }))
  await waitFor(() => cluster.workers()[0]!.inFlight === 100, '100 calls in flight')
  process.kill(worker!.pid!, 'SIGKILL')
  const errors = await Promise.all(pending)
  assert.ok(errors.every((error) => error instanceof WorkerExitedError))
  const [first] = errors as WorkerExitedError[]
  assert.equal(
    [first!.code, first!.workerId, first!.pid, first!.exitCode, first!.signal],
    ['ERR_WORKER_EXITED', worker!.workerId, worker!.pid, null, 'SIGKILL'],
  )
  await waitFor(() => exits.length === 1, 'the exit event')
  assert.equal(exits, [{ signal: 'SIGKILL', callsInFlight: 100 }])
})

calls('after stop(), cluster.any rejects with NoWorkerError that says the cluster ended and why', async () => {
  const cluster = start({ count: 1 })
  await cluster.onReady()
  await cluster.stop()
  const error = await cluster.any.add(1, 2).then(
    () => assert.unreachable('a call after stop() must reject'),
    (reason: unknown) => reason,
  )
  assert.instance(error, NoWorkerError)
  assert.is((error as NoWorkerError).code, 'ERR_NO_WORKER')
  assert.is(
    (error as Error).message,
    'cluster.any.add() found no worker able to take it: the cluster has ended. ' +
      'The cluster is stopped (stop requested: stop() called); supervise() again to start a new one.',
  )
  assert.instance((error as Error).cause, ClusterStoppedError)
})

calls.run()
