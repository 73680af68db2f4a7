import { createInspector } from '@statelyai/inspect'
import type { StatelyInspectionEvent } from '@statelyai/inspect'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { supervise } from '../../src/index.js'
import type { SupervisedCluster } from '../../src/index.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'
import { actorApi } from '../fixtures/actor-machines.js'

/** The .ts fixture needs tsx in the worker; under `uvu -r tsx` the master's own execArgv is empty. */
const TSX = ['--import', 'tsx']
const FAST_TIMEOUTS = { start: 10_000, drain: 1_000, disconnect: 500, terminate: 500, kill: 2_000 }
const clusters: SupervisedCluster[] = []
const pids = new Set<number>()

function start(options: Partial<Parameters<typeof supervise>[0]>): SupervisedCluster {
  const cluster = supervise({
    worker: fixture('http-hello.ts'),
    count: 3,
    handleSignals: false,
    timeouts: FAST_TIMEOUTS,
    execArgv: TSX,
    ...options,
  })
  cluster.on('transition', (event) => event.pid !== null && pids.add(event.pid))
  clusters.push(cluster)
  return cluster
}

const stately = suite('supervise({ inspect })')

stately.after.each(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  pids.clear()
})

stately('@statelyai/inspect receives the supervisor and each worker through inspector.inspect', async () => {
  // createInspector is what createWebSocketInspector/createSkyInspector build on; this adapter
  // records instead of sending over the network.
  const received: StatelyInspectionEvent[] = []
  const inspector = createInspector({ send: (event) => void received.push(event) })
  const cluster = start({ inspect: inspector.inspect })
  await cluster.onReady()
  // The inspector converts events when idle (a timer in Node), so they arrive a little later.
  const isWorkerListening = (e: StatelyInspectionEvent): boolean =>
    e.type === '@xstate.snapshot' &&
    (e.snapshot as { value?: unknown; context?: { incarnation?: unknown } }).value === 'listening' &&
    (e.snapshot as { context?: { incarnation?: unknown } }).context?.incarnation !== undefined
  await waitFor(
    () => new Set(received.filter(isWorkerListening).map((e) => e.sessionId)).size === 3,
    '3 workers listening in the inspector',
  )
  inspector.stop()
  const actors = received.filter((e) => e.type === '@xstate.actor')
  const definitionId = (e: StatelyInspectionEvent): unknown =>
    e.type === '@xstate.actor' && e.definition ? (JSON.parse(e.definition) as { id?: unknown }).id : undefined
  const supervisor = actors.filter((e) => definitionId(e) === 'supervisor')
  const workers = actors.filter((e) => definitionId(e) === 'worker')
  assert.is(supervisor.length, 1)
  assert.is(workers.length, 3)
  for (const worker of workers) {
    const snapshots = received.filter((e) => e.type === '@xstate.snapshot' && e.sessionId === worker.sessionId)
    assert.ok(snapshots.some(isWorkerListening), `worker ${worker.sessionId} seen listening`)
  }
  assert.ok(received.some((e) => e.type === '@xstate.snapshot' && e.sessionId === supervisor[0]!.sessionId))
})

stately('user actors inside workers reach the inspector as @xstate.actor/@xstate.snapshot, parented under their worker', async () => {
  const received: StatelyInspectionEvent[] = []
  const inspector = createInspector({ send: (event) => void received.push(event) })
  const cluster = supervise({
    worker: fixture('actor-worker.ts'),
    contract: actorApi,
    count: 2,
    handleSignals: false,
    timeouts: FAST_TIMEOUTS,
    execArgv: TSX,
    inspect: inspector.inspect,
  })
  cluster.on('transition', (event) => event.pid !== null && pids.add(event.pid))
  clusters.push(cluster)
  const counter = cluster.actor('counter', 'seen-by-stately')
  await counter.sendAndWait({ type: 'INC', n: 1 })
  await counter.sendAndWait({ type: 'INC', n: 2 })
  // The counter's context, not the supervisor's (whose context has a `count` of workers too).
  const isCounted = (e: StatelyInspectionEvent): boolean =>
    e.type === '@xstate.snapshot' && JSON.stringify((e.snapshot as { context?: { seen?: unknown } }).context?.seen) === '[1,2]'
  await waitFor(() => received.some(isCounted), 'the actor counted 2 in the inspector')
  inspector.stop()
  const created = received.filter((e) => e.type === '@xstate.actor')
  const actor = created.find(
    (e) => e.type === '@xstate.actor' && e.definition && (JSON.parse(e.definition) as { id?: unknown }).id === 'counter',
  )
  assert.ok(actor, 'an @xstate.actor for the counter, with its machine definition')
  const host = cluster.actors()[0]!.workerId
  const parent = created.find((e) => e.sessionId === actor!.parentId)
  assert.ok(
    parent && (JSON.parse((parent as { definition: string }).definition) as { id?: unknown }).id === 'worker',
    'its parent is a worker machine',
  )
  const parentSnapshots = received.filter((e) => e.type === '@xstate.snapshot' && e.sessionId === parent!.sessionId)
  assert.ok(
    parentSnapshots.some((e) => (e as { snapshot?: { context?: { workerId?: unknown } } }).snapshot?.context?.workerId === host),
    'the worker that hosts it',
  )
  const supervisor = created.find((e) => e.type === '@xstate.actor' && (JSON.parse(e.definition!) as { id?: unknown }).id === 'supervisor')
  assert.is(actor!.rootId, supervisor!.sessionId, 'one tree: the supervisor is its root')
  const events = received
    .filter((e) => e.type === '@xstate.snapshot' && e.sessionId === actor!.sessionId)
    .map((e) => (e as { event: { type: string } }).event.type)
  assert.ok(events.includes('INC'), `its snapshots carry the event applied: ${events}`)
})

stately.run()
