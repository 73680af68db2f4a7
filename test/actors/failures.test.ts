import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  ActorEncodeError,
  ActorFailedError,
  ActorSnapshotTooLargeError,
  ActorStoppedError,
  type ActorErrorEvent,
  createMemoryActorStore,
  type SupervisedCluster,
  supervise,
  type XclusterActorStore,
} from '../../src/index.js'
import { actorApi } from '../fixtures/actor-machines.js'
import { fixture, isAlive, rejectionOf } from '../helpers/processes.js'

const clusters: SupervisedCluster<typeof actorApi>[] = []

function start(options: { env?: Record<string, string>; maxRestarts?: number; store?: XclusterActorStore } = {}) {
  const cluster = supervise({
    worker: fixture('actor-worker.ts'),
    contract: actorApi,
    handleSignals: false,
    count: 1,
    env: options.env,
    timeouts: { drain: 5_000, disconnect: 500, terminate: 500 },
    actors: { restart: { maxRestarts: options.maxRestarts ?? 3, period: 60_000 }, ...(options.store ? { store: options.store } : {}) },
  })
  clusters.push(cluster)
  const errors: ActorErrorEvent[] = []
  cluster.on('actor-error', (event) => errors.push(event))
  return { cluster, errors }
}

const failures = suite('actor failures')

failures.after.each(async () => {
  const pids = clusters.flatMap((c) => c.workers().map((w) => w.pid))
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL')
})

failures(
  'a machine that throws is reported with its stack, the event skipped, and the actor restarted from its last good snapshot',
  async () => {
    const { cluster, errors } = start()
    await cluster.onReady()
    const workerId = cluster.workers()[0]!.workerId
    const counter = cluster.actor('counter', 'f-1')
    counter.send({ type: 'INC', n: 1 })
    const error = await rejectionOf(counter.sendAndWait({ type: 'FAIL', message: 'boom' }))
    assert.instance(error, ActorFailedError)
    assert.is(error.code, 'ERR_ACTOR_FAILED')
    assert.is(
      error.message,
      `actor counter/"f-1" failed in worker ${workerId} applying event #2: Error: boom. That event is skipped; the actor restarts from its last good snapshot while its restart budget (actors.restart) lasts.`,
    )
    assert.is(error.cause.message, 'boom')
    assert.match(error.cause.stack, /actor-machines\.ts/)
    await counter.sendAndWait({ type: 'INC', n: 3 })
    assert.equal(counter.getSnapshot().context.seen, [1, 3])
    assert.equal(
      errors.map((e) => [e.kind, e.id, e.workerId, e.error.name, e.isRestarting]),
      [['counter', 'f-1', workerId, 'ActorFailedError', true]],
    )
    assert.is(errors[0]!.error, error)
  },
)

failures('past its own restart budget the actor is stopped and refuses later events', async () => {
  const { cluster, errors } = start({ maxRestarts: 1 })
  const counter = cluster.actor('counter', 'f-2')
  await rejectionOf(counter.sendAndWait({ type: 'FAIL', message: 'one' }))
  const second = await rejectionOf(counter.sendAndWait({ type: 'FAIL', message: 'two' }))
  assert.instance(second, ActorFailedError)
  const later = await rejectionOf(counter.sendAndWait({ type: 'INC', n: 1 }))
  assert.instance(later, ActorStoppedError)
  assert.is(later.code, 'ERR_ACTOR_STOPPED')
  assert.is(
    later.message,
    'actor counter/"f-2" is stopped: it failed 2 times within 60000 ms, which spends its restart budget (actors.restart.maxRestarts in actors.restart.period). Fix the machine (see the actor-error events) and restart the cluster.',
  )
  assert.equal(
    errors.map((e) => [e.error.name, e.isRestarting]),
    [
      ['ActorFailedError', true],
      ['ActorFailedError', false],
      ['ActorStoppedError', false],
    ],
  )
  assert.equal(
    cluster.actors().map((a) => [a.id, a.status]),
    [['f-2', 'stopped']],
  )
})

failures('an oversize snapshot is a clear error naming the actor; the event is skipped', async () => {
  const { cluster, errors } = start({ env: { MAX_PAYLOAD: '10000' } })
  await cluster.onReady()
  const counter = cluster.actor('counter', 'big')
  await counter.sendAndWait({ type: 'INC', n: 1 })
  const error = await rejectionOf(counter.sendAndWait({ type: 'GROW', size: 20_000 }))
  assert.instance(error, ActorFailedError)
  assert.instance(error.cause, ActorSnapshotTooLargeError)
  assert.match(
    error.cause.message,
    /^actor counter\/"big": its persisted snapshot is \d+ bytes encoded, over the limit of 10000 bytes \(maxPayload of serve\(\)\); it cannot be stored, so the event is skipped\. Keep large data out of the context \(store a key to it\) or raise maxPayload\.$/,
  )
  await counter.sendAndWait({ type: 'INC', n: 3 })
  assert.equal(counter.getSnapshot().context, { count: 2, seen: [1, 3], blob: '', label: '' })
  assert.equal(
    errors.map((e) => e.error.name),
    ['ActorFailedError'],
  )
})

failures('a snapshot that cannot be encoded (a function in the context) fails the event, not the worker', async () => {
  const { cluster, errors } = start()
  await cluster.onReady()
  const [worker] = cluster.workers()
  const counter = cluster.actor('counter', 'broken')
  await counter.sendAndWait({ type: 'INC', n: 1 })
  const error = await rejectionOf(counter.sendAndWait({ type: 'BREAK' }))
  assert.instance(error, ActorFailedError)
  assert.is(error.cause.code, 'ERR_ENCODE')
  await counter.sendAndWait({ type: 'INC', n: 3 })
  assert.equal(counter.getSnapshot().context.seen, [1, 3])
  assert.equal(
    errors.map((e) => e.error.name),
    ['ActorFailedError'],
  )
  assert.equal(
    cluster.workers().map((w) => w.pid),
    [worker!.pid],
    'the same worker, still running',
  )
})

failures('a final state removes the actor; a later send starts a new one', async () => {
  const { cluster } = start()
  const order = cluster.actor('counter', 'fin', { input: { label: 'v1' } })
  await order.sendAndWait({ type: 'INC', n: 1 })
  await order.sendAndWait({ type: 'FINISH' })
  assert.equal(cluster.actors(), [])
  const again = cluster.actor('counter', 'fin', { input: { label: 'v2' } })
  await again.sendAndWait({ type: 'INC', n: 7 })
  assert.equal(again.getSnapshot().context, { count: 1, seen: [7], blob: '', label: 'v2' })
})

failures('a final state deletes the record after any save still in flight, so a slow save cannot bring it back', async () => {
  const memory = createMemoryActorStore()
  let saves = 0
  const slow: XclusterActorStore = {
    load: (kind, id) => memory.load(kind, id),
    // Every save lands 300 ms late; the delete is immediate.
    save: (record) => new Promise((resolve) => setTimeout(() => resolve(memory.save(record)), 300)).then(() => void saves++),
    delete: (kind, id) => memory.delete(kind, id),
  }
  const { cluster } = start({ store: slow })
  await cluster.onReady()
  const counter = cluster.actor('counter', 'slow')
  counter.send({ type: 'INC', n: 1 })
  // Let the INC's report (and its slow save) go out before the final event's.
  await new Promise((resolve) => setTimeout(resolve, 100))
  await counter.sendAndWait({ type: 'FINISH' })
  assert.is(await memory.load('counter', 'slow'), undefined)
  assert.ok(saves >= 1, 'the INC was saved (slowly) before the delete')
  // And it stays deleted: no save lands after the delete.
  await new Promise((resolve) => setTimeout(resolve, 400))
  assert.is(await memory.load('counter', 'slow'), undefined)
})

failures('a store that fails a save is reported with actor-error and retried; the acknowledged send waits for it', async () => {
  const memory = createMemoryActorStore()
  let failures = 1
  const flaky: XclusterActorStore = {
    load: (kind, id) => memory.load(kind, id),
    save: (record) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : memory.save(record)),
    delete: (kind, id) => memory.delete(kind, id),
  }
  const { cluster, errors } = start({ store: flaky })
  await cluster.onReady()
  await cluster.actor('counter', 'flaky').sendAndWait({ type: 'INC', n: 1 })
  assert.equal((await memory.load('counter', 'flaky'))?.seq, 1)
  assert.equal(
    errors.map((e) => [e.error.name, e.workerId, e.isRestarting]),
    [['ActorStoreFailedError', null, false]],
  )
  assert.is(
    errors[0]!.error.message,
    'actor counter/"flaky": the actor store\'s save() failed (disk full); retrying every 100 ms. Acknowledged sends wait until it is stored.',
  )
  assert.is((errors[0]!.error as Error & { code: string }).code, 'ERR_ACTOR_STORE_FAILED')
})

failures('an event the machine does not know (plain JS) is ignored, as XState ignores it', async () => {
  const { cluster, errors } = start()
  const counter = cluster.actor('counter', 'plain')
  await (counter as { sendAndWait(event: { type: string }): Promise<void> }).sendAndWait({ type: 'NOT_AN_EVENT' })
  await counter.sendAndWait({ type: 'INC', n: 1 })
  assert.equal(counter.getSnapshot().context.seen, [1])
  assert.equal(errors, [])
})

failures('an event that cannot be encoded fails alone, with an error naming the actor and the event', async () => {
  const { cluster, errors } = start()
  await cluster.onReady()
  const counter = cluster.actor('counter', 'enc')
  await counter.sendAndWait({ type: 'INC', n: 1 })
  const error = await rejectionOf(counter.sendAndWait({ type: 'INC', n: (() => 2) as unknown as number }))
  assert.instance(error, ActorEncodeError)
  assert.is(error.code, 'ERR_ACTOR_ENCODE')
  assert.match(
    error.message,
    /^actor counter\/"enc": event #2 \("INC"\) could not be sent to its worker and was dropped: Call \$actor\.batch\(\) to worker \d+ \(pid \d+\) was not sent: /,
  )
  assert.is(error.cause.code, 'ERR_ENCODE')
  await counter.sendAndWait({ type: 'INC', n: 3 })
  assert.equal(counter.getSnapshot().context.seen, [1, 3])
  assert.equal(errors, [])
})

failures.run()
