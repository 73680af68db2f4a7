import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { waitFor as waitForSnapshot } from 'xstate'
import { ActorKindError, ActorTimeoutError, type ActorErrorEvent, type SupervisedCluster, supervise } from '../../src/index.js'
import { actorApi } from '../fixtures/actor-machines.js'
import { clusterApi } from '../fixtures/cluster-contract.js'
import { fixture, isAlive, rejectionOf, waitFor } from '../helpers/processes.js'

const clusters: SupervisedCluster<typeof actorApi>[] = []

function start(options: { count: number; env?: Record<string, string>; holdTimeout?: number }): SupervisedCluster<typeof actorApi> {
  const cluster = supervise({
    worker: fixture('actor-worker.ts'),
    contract: actorApi,
    handleSignals: false,
    count: options.count,
    env: options.env,
    timeouts: { drain: 5_000, disconnect: 500, terminate: 500 },
    restart: { backoff: { initial: 10 } },
    actors: { holdTimeout: options.holdTimeout ?? 30_000 },
  })
  clusters.push(cluster)
  return cluster
}

const actors = suite('worker actors')

actors.after.each(async () => {
  const pids = clusters.flatMap((c) => c.workers().map((w) => w.pid))
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL')
})

actors('applies events to one actor in the order sent, and sendAndWait resolves once the last is stored', async () => {
  const cluster = start({ count: 2 })
  const counter = cluster.actor('counter', 'c-1', { input: { label: 'first' } })
  for (let n = 1; n < 500; n++) counter.send({ type: 'INC', n })
  await counter.sendAndWait({ type: 'INC', n: 500 })
  const snapshot = counter.getSnapshot()
  assert.ok(snapshot.matches('counting'))
  assert.is(snapshot.context.count, 500)
  assert.equal(
    snapshot.context.seen,
    Array.from({ length: 500 }, (_, i) => i + 1),
  )
  assert.is(snapshot.context.label, 'first')
  const [info] = cluster.actors()
  assert.equal(
    { ...info, workerId: typeof info!.workerId },
    { kind: 'counter', id: 'c-1', workerId: 'number', status: 'active', value: 'counting', seq: 500 },
  )
})

actors('places each id on one worker, deterministically, and only on workers that host the kind', async () => {
  const cluster = start({ count: 3, env: { NO_ACTORS_SLOTS: 'slot-0' } })
  await cluster.onReady()
  const ids = Array.from({ length: 30 }, (_, i) => `p-${i}`)
  await Promise.all(ids.map((id) => cluster.actor('counter', id).sendAndWait({ type: 'INC', n: 1 })))
  const slotOf = new Map(cluster.workers().map((w) => [w.workerId, w.slotId]))
  const placed = cluster.actors().map((a) => slotOf.get(a.workerId))
  assert.equal([...new Set(placed)].sort(), ['slot-1', 'slot-2'], 'slot-0 hosts no actors; both hosting slots take some of 30 ids')
  // The same ids land on the same slots again after the actors are gone and the cluster is new.
  const first = new Map(cluster.actors().map((a) => [a.id, slotOf.get(a.workerId)]))
  await cluster.stop()
  const again = start({ count: 3, env: { NO_ACTORS_SLOTS: 'slot-0' } })
  await again.onReady()
  await Promise.all(ids.map((id) => again.actor('counter', id).sendAndWait({ type: 'FINISH' })))
  await Promise.all(ids.map((id) => again.actor('counter', id).sendAndWait({ type: 'INC', n: 1 })))
  const slotAgain = new Map(again.workers().map((w) => [w.workerId, w.slotId]))
  assert.equal(new Map(again.actors().map((a) => [a.id, slotAgain.get(a.workerId)])), first)
})

actors('snapshots are mirrored to the master: subscribe() sees each report and xstate waitFor() works on a ref', async () => {
  const cluster = start({ count: 1 })
  const counter = cluster.actor('counter', 'w-1')
  const values: string[] = []
  const subscription = counter.subscribe((snapshot) => values.push(String(snapshot.value)))
  counter.send({ type: 'PAUSE' })
  const paused = await waitForSnapshot(counter, (snapshot) => snapshot.matches('paused'), { timeout: 10_000 })
  assert.is(paused.value, 'paused')
  await counter.sendAndWait({ type: 'RESUME' })
  subscription.unsubscribe()
  // The spawn's own first report ('counting') may come alone or coalesced with PAUSE's.
  assert.equal(values[0] === 'counting' ? values.slice(1) : values, ['paused', 'counting'])
})

actors('refuses an unknown kind and a bad id at the call site', async () => {
  const cluster = start({ count: 1 })
  let error: ActorKindError | undefined
  try {
    // @ts-expect-error: not a kind of the contract
    cluster.actor('invoice', 'i-1')
  } catch (thrown) {
    error = thrown as ActorKindError
  }
  assert.instance(error, ActorKindError)
  assert.is(error!.code, 'ERR_ACTOR_KIND')
  assert.is(
    error!.message,
    'cluster.actor(): the contract has no actor kind "invoice"; it declares "counter". Add it to defineContract({ actors: { invoice: machine } }) and to serve(api, handlers, { actors }).',
  )
  assert.throws(() => cluster.actor('counter', ''), /cluster\.actor\(\): expected the actor id to be a non-empty string, got ""/)
})

actors('a cluster whose contract declares no actors says so at the call site', async () => {
  const cluster = supervise({ worker: fixture('cluster-calc.ts'), contract: clusterApi, count: 1, handleSignals: false })
  clusters.push(cluster as unknown as SupervisedCluster<typeof actorApi>)
  assert.throws(
    // @ts-expect-error: this contract has no actor kinds at all
    () => cluster.actor('order', 'o-1'),
    (error: Error) =>
      error instanceof ActorKindError &&
      error.message ===
        'cluster.actor(): this cluster has no actors; pass a contract made with defineContract({ actors: { kind: machine } }) as supervise({ contract })',
  )
})

actors(
  'holds events while no worker hosts the kind: sendAndWait rejects at its deadline, and the hold deadline drops them with actor-error',
  async () => {
    const cluster = start({ count: 1, env: { NO_ACTORS_SLOTS: 'slot-0' }, holdTimeout: 300 })
    const errors: ActorErrorEvent[] = []
    cluster.on('actor-error', (event) => errors.push(event))
    await cluster.onReady()
    const counter = cluster.actor('counter', 'held-1')
    const timeout = await rejectionOf(counter.sendAndWait({ type: 'INC', n: 1 }, { timeout: 100 }))
    assert.instance(timeout, ActorTimeoutError)
    assert.is(
      timeout.message,
      'actor counter/"held-1".sendAndWait("INC") timed out after 100 ms: no listening worker hosts kind "counter" yet. The event stays queued and is still applied in order; pass a longer { timeout } to wait for it.',
    )
    counter.send({ type: 'INC', n: 2 })
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(
      errors.map((e) => [e.kind, e.id, e.error.name, e.isRestarting]),
      [['counter', 'held-1', 'ActorUnavailableError', false]],
    )
    assert.is(
      errors[0]!.error.message,
      'actor counter/"held-1": no listening worker hosted kind "counter" for 300 ms, so its held events were dropped. Start workers with serve(api, handlers, { actors: { counter } }) or raise actors.holdTimeout.',
    )
  },
)

actors('an actor sends to another actor, on another worker, through the master', async () => {
  const cluster = start({ count: 2 })
  await cluster.onReady()
  // Find two ids placed on different workers.
  const ids = Array.from({ length: 20 }, (_, i) => `fw-${i}`)
  await Promise.all(ids.map((id) => cluster.actor('counter', id).sendAndWait({ type: 'INC', n: 0 })))
  const hostOf = (id: string) => cluster.actors().find((a) => a.id === id)!.workerId
  const from = ids[0]!
  const to = ids.find((id) => hostOf(id) !== hostOf(from))!
  for (let n = 1; n <= 50; n++) cluster.actor('counter', from).send({ type: 'FORWARD', to, n })
  await cluster.actor('counter', from).sendAndWait({ type: 'INC', n: 1 })
  const target = cluster.actor('counter', to)
  const forwarded = await waitForSnapshot(target, (s) => s.context.count === 51, { timeout: 10_000 })
  assert.equal(forwarded.context.seen, [0, ...Array.from({ length: 50 }, (_, i) => i + 1)])
})

actors('ref.start() spawns the actor with its input before any event', async () => {
  const cluster = start({ count: 1 })
  const counter = cluster.actor('counter', 'early', { input: { label: 'spawned' } })
  counter.start()
  // Until the worker reports it, getSnapshot() is the initial state for the ref's input; the
  // persisted snapshot is the worker's report.
  await waitFor(() => counter.getPersistedSnapshot() !== undefined, 'the spawned actor reports its first snapshot')
  assert.equal((counter.getPersistedSnapshot() as unknown as { context: unknown }).context, {
    count: 0,
    seen: [],
    blob: '',
    label: 'spawned',
  })
  assert.equal(
    cluster.actors().map((a) => [a.id, a.status, a.seq]),
    [['early', 'active', 0]],
  )
})

actors('a worker addresses an actor through the master, in order', async () => {
  const cluster = start({ count: 2 })
  await cluster.onReady()
  await cluster.any.relay('from-worker', 200)
  const snapshot = cluster.actor('counter', 'from-worker').getSnapshot()
  assert.equal(
    snapshot.context.seen,
    Array.from({ length: 200 }, (_, i) => i + 1),
  )
})

actors.run()
