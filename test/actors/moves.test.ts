/**
 * Moves without loss: a rolling reload hands every actor from each old worker to a new one, and a
 * graceful stop persists every actor, while events keep arriving.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  createMemoryActorStore,
  type SupervisedCluster,
  supervise,
  type WorkerExitEvent,
  type XclusterActorStore,
} from '../../src/index.js'
import { actorApi } from '../fixtures/actor-machines.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'

const clusters: SupervisedCluster<typeof actorApi>[] = []

function start(count: number, store?: XclusterActorStore) {
  const cluster = supervise({
    worker: fixture('actor-worker.ts'),
    contract: actorApi,
    handleSignals: false,
    count,
    timeouts: { drain: 10_000, disconnect: 2_000, terminate: 1_000 },
    actors: store ? { store } : {},
  })
  clusters.push(cluster)
  return cluster
}

const moves = suite('actor moves')

moves.after.each(async () => {
  const pids = clusters.flatMap((c) => c.workers().map((w) => w.pid))
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL')
})

const ACTORS = 200
const EVENTS = 100
const expected = Array.from({ length: EVENTS }, (_, i) => i + 1)

moves('a rolling reload of 4 workers under load moves every actor to the new generation: exact counts, in order', async () => {
  const cluster = start(4)
  await cluster.onReady()
  const refs = Array.from({ length: ACTORS }, (_, i) => cluster.actor('counter', `r-${i}`))
  const acks: Promise<void>[] = []
  let reload: Promise<void> | undefined
  for (let n = 1; n <= EVENTS; n++) {
    for (const ref of refs) {
      if (n === EVENTS) acks.push(ref.sendAndWait({ type: 'INC', n }, { timeout: 60_000 }))
      else ref.send({ type: 'INC', n })
    }
    if (n === 10) reload = cluster.reload()
    // A producer that yields between waves, so that the reload runs while events keep coming.
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await Promise.all([...acks, reload])
  const wrong = refs.filter((ref) => {
    const { seen } = ref.getSnapshot().context
    return seen.length !== EVENTS || seen.some((n, i) => n !== expected[i])
  })
  assert.equal(
    wrong.map((ref) => ref.id),
    [],
  )
  const newWorkers = new Set(
    cluster
      .workers()
      .filter((w) => w.generation === 1)
      .map((w) => w.workerId),
  )
  assert.is(newWorkers.size, 4)
  assert.ok(
    cluster.actors().every((a) => newWorkers.has(a.workerId!)),
    'every actor lives on a worker of the new generation',
  )
})

moves('a graceful stop persists every actor with the last event sent to it; a new cluster on the same store resumes them', async () => {
  const store = createMemoryActorStore()
  const first = start(2, store)
  await first.onReady()
  const ids = Array.from({ length: ACTORS }, (_, i) => `s-${i}`)
  // Fire-and-forget only: nothing waits for these events before the stop.
  for (let n = 1; n <= 20; n++) for (const id of ids) first.actor('counter', id).send({ type: 'INC', n })
  await first.stop()
  const records = await Promise.all(ids.map((id) => store.load('counter', id)))
  assert.equal(
    records.map((r) => r?.seq),
    ids.map(() => 20),
  )
  assert.ok(records.every((r) => (r!.snapshot as { context: { count: number } }).context.count === 20))

  const second = start(2, store)
  await Promise.all(ids.map((id) => second.actor('counter', id).sendAndWait({ type: 'INC', n: 21 })))
  const wrong = ids.filter((id) => {
    const { seen } = second.actor('counter', id).getSnapshot().context
    return seen.length !== 21 || seen.some((n, i) => n !== i + 1)
  })
  assert.equal(wrong, [])
  assert.equal((await store.load('counter', ids[0]!))?.seq, 21)
})

moves('a worker over its memory limit is replaced gracefully: its actors move to the others without loss', async () => {
  const cluster = supervise({
    worker: fixture('actor-worker.ts'),
    contract: actorApi,
    handleSignals: false,
    count: 2,
    timeouts: { drain: 10_000, disconnect: 2_000, terminate: 1_000 },
    // Generous heartbeats: a loaded machine pausing for GC must not pass for hung here.
    health: { heartbeatInterval: 200, maxMissedHeartbeats: 10, maxHeapUsed: 96 * 1024 * 1024 },
  })
  clusters.push(cluster)
  const exits: WorkerExitEvent[] = []
  cluster.on('exit', (event) => exits.push(event))
  await cluster.onReady()
  const refs = Array.from({ length: ACTORS }, (_, i) => cluster.actor('counter', `h-${i}`))
  const acks: Promise<void>[] = []
  let hogPid: number | undefined
  for (let n = 1; n <= EVENTS; n++) {
    for (const ref of refs) {
      if (n === EVENTS) acks.push(ref.sendAndWait({ type: 'INC', n }, { timeout: 60_000 }))
      else ref.send({ type: 'INC', n })
    }
    if (n === 10) {
      await refs[0]!.sendAndWait({ type: 'PAUSE' })
      await refs[0]!.sendAndWait({ type: 'RESUME' })
      const host = cluster.actors().find((a) => a.id === 'h-0')!.workerId!
      hogPid = await cluster.worker(host).call.hog(160)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await Promise.all(acks)
  const wrong = refs.filter((ref) => {
    const { seen } = ref.getSnapshot().context
    return seen.length !== EVENTS || seen.some((n, i) => n !== expected[i])
  })
  assert.equal(
    wrong.map((ref) => ref.id),
    [],
  )
  await waitFor(() => exits.some((e) => e.pid === hogPid), 'the hog has exited', 20_000)
  const exit = exits.find((e) => e.pid === hogPid)!
  assert.match(exit.reason, /replaced by/, JSON.stringify(exit))
  assert.equal(exit.exit, { code: 0, signal: null }, 'drained and disconnected, not killed')
})

moves.run()
