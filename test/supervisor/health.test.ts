import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SupervisorFailedError } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, isAlive, rejectionOf, waitFor } from '../helpers/processes.js'

const pool = createClusterPool()
const health = suite('health checks')

health.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlives its cluster')
})

health('a worker stuck in a busy loop misses its heartbeats, is killed and replaced', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('busy-loop.ts'),
    count: 1,
    env: { HANG_AFTER: '300' },
    health: { heartbeatInterval: 100, maxMissedHeartbeats: 3 },
    restart: { backoff: { initial: 10 } },
  })
  await cluster.onReady()
  const [hung] = cluster.workers()
  await waitFor(() => log.exits.some((exit) => exit.pid === hung!.pid), 'the hung worker is ended', 20_000)
  const exit = log.exits.find((e) => e.pid === hung!.pid)!
  assert.match(exit.reason, /hung/)
  assert.is(exit.exit.signal, 'SIGKILL')
  assert.not.ok(isAlive(hung!.pid!))
  await waitFor(
    () => log.transitions.some((t) => t.slotId === hung!.slotId && t.incarnation > hung!.incarnation && t.to === 'listening'),
    'a replacement listens in the same slot',
  )
})

health('a worker that hangs every time spends the restart budget: the cluster fails with the reason', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('busy-loop.ts'),
    count: 1,
    env: { HANG_AFTER: '100' },
    health: { heartbeatInterval: 100, maxMissedHeartbeats: 2 },
    restart: { maxRestarts: 2, period: 60_000 },
  })
  const failure = await rejectionOf(cluster.onStopped(), 'the cluster must fail')
  assert.instance(failure, SupervisorFailedError)
  assert.match(
    (failure as Error).message,
    /restart budget spent: slot-0 replaced a hung worker \(hung: 2 heartbeats missed in a row \(limit 2\)\) after 2 restarts within 60000ms/,
  )
  // R+1 workers killed as hung; the replacement of the last one is forked in the same step in
  // which the budget runs out, and stopped with the cluster.
  assert.is(log.exits.filter((exit) => /^kill requested: hung/.test(exit.reason)).length, 3)
  assert.ok(log.forks() <= 4, `at most R+2 forks, saw ${log.forks()}`)
  assert.ok(log.exits.filter((exit) => /^kill requested: hung/.test(exit.reason)).every((exit) => exit.exit.signal === 'SIGKILL'))
})

health('a worker over its memory limit is replaced gracefully, new one first', async () => {
  const limit = 96 * 1024 * 1024
  const replacements: string[] = []
  const { cluster, log } = pool.start({
    worker: fixture('memory-hog.ts'),
    count: 1,
    env: { GROW_TO: '160' },
    health: { heartbeatInterval: 100, maxHeapUsed: limit },
  })
  cluster.on('replace', (event) => replacements.push(event.reason))
  await cluster.onReady()
  const [hog] = cluster.workers()
  await waitFor(() => log.exits.some((exit) => exit.pid === hog!.pid), 'the hog is replaced', 20_000)
  const exit = log.exits.find((e) => e.pid === hog!.pid)!
  assert.match(replacements[0]!, /^memory: heapUsed \d+ bytes over the limit of 100663296 bytes$/)
  assert.match(exit.reason, /replaced by/, exit.reason)
  assert.ok(exit.expected, 'the supervisor asked it to stop')
  assert.equal(exit.exit, { code: 0, signal: null }, 'it was disconnected, not killed')
  // Inspection orders events per actor only: the slot stops the hog inside the very step in
  // which the replacement reports listening, so the hog's drain may be observed first. What holds
  // here is the cause: the replacement was forked before the hog drained, the drain names it, and
  // it listens. (That the drain waits for its listening is checked on the machines.)
  const forked = log.transitions.findIndex((t) => t.slotId === hog!.slotId && t.incarnation === hog!.incarnation + 1 && t.to === 'forking')
  const drainingAt = log.transitions.findIndex((t) => t.pid === hog!.pid && t.to === 'disconnecting.draining')
  const draining = log.transitions[drainingAt]
  assert.ok(forked >= 0 && drainingAt > forked, 'the replacement was forked before the hog began to drain')
  await waitFor(
    () => log.transitions.some((t) => t.slotId === hog!.slotId && t.incarnation === hog!.incarnation + 1 && t.to === 'listening'),
    'the replacement listens',
  )
  assert.match(draining!.reason, new RegExp(`replaced by worker-${hog!.incarnation + 1}`))
})

health('a worker that does not load the xcluster worker side is never taken for hung', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('http-hello.ts'),
    count: 1,
    health: { heartbeatInterval: 50, maxMissedHeartbeats: 2 },
  })
  const replaced: string[] = []
  cluster.on('replace', (event) => replaced.push(event.reason))
  await cluster.onReady()
  // Twelve heartbeat intervals: a worker pinged and counted as silent would be replaced by now.
  await new Promise((resolve) => setTimeout(resolve, 600))
  assert.equal(replaced, [])
  assert.equal(log.exits, [])
  assert.equal(
    cluster.workers().map((w) => w.state),
    ['listening'],
  )
})

health.run()
