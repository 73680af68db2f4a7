import { createInspector } from '@statelyai/inspect'
import type { StatelyInspectionEvent } from '@statelyai/inspect'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { supervise } from '../../src/index.js'
import type { SupervisedCluster } from '../../src/index.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'

/** The .ts fixture needs tsx in the worker; under `uvu -r tsx` the master's own execArgv is empty. */
const TSX = ['--import', 'tsx']
const FAST_TIMEOUTS = { start: 10_000, drain: 1_000, disconnect: 500, terminate: 500, kill: 2_000 }
const clusters: SupervisedCluster[] = []
const pids = new Set<number>()

function start(options: Partial<Parameters<typeof supervise>[0]>): SupervisedCluster {
  const cluster = supervise({ worker: fixture('http-hello.ts'), count: 3, handleSignals: false, timeouts: FAST_TIMEOUTS, execArgv: TSX, ...options })
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
    e.type === '@xstate.snapshot' && (e.snapshot as { value?: unknown; context?: { incarnation?: unknown } }).value === 'listening' &&
    (e.snapshot as { context?: { incarnation?: unknown } }).context?.incarnation !== undefined
  await waitFor(() => new Set(received.filter(isWorkerListening).map((e) => e.sessionId)).size === 3, '3 workers listening in the inspector')
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

stately.run()
