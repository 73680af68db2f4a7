/**
 * Issue 11, "A worker can crash the master": each finding replayed with real processes. This test
 * process is the master; test/fixtures/hostile-worker.ts sends what it is told to, raw. After each
 * hostile message the master must still be up, have reported it as a protocol error of that
 * worker (exact message), and still answer calls to both workers.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createActor, setup } from 'xstate'
import { workerMachine } from '../../machines/worker/worker.js'
import { WorkerTable } from '../../src/supervisor/worker-table.js'
import { COOPERATIVE, createFakeProcessPool } from '../machines/helpers/fake-process.js'
import { TEST_WORKER_INPUT } from '../machines/helpers/worker-harness.js'
import { createClusterPool } from '../helpers/cluster.js'
import { waitFor } from '../helpers/processes.js'
import { assertStillServing, HINT, label, sendHostile, startHostilePair, VERSION_HINT } from './hostile-cluster.js'

const pool = createClusterPool()
const hostile = suite('a hostile worker and the master')

hostile.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlives its cluster')
})

hostile('a 3 MiB method name is refused on receipt; the master neither crashes nor quotes it', async () => {
  const { cluster, protocolErrors, attacker, bystander } = await startHostilePair(pool)
  await sendHostile(cluster, attacker.workerId, { build: { kind: 'long-method', length: 3 * 1024 * 1024 } })
  assert.equal(
    protocolErrors.map(({ workerId, error }) => [workerId, error.name, error.message]),
    [
      [
        attacker.workerId,
        'ProtocolError',
        `Dropped a malformed xcluster message from ${label(attacker)}: the method name of a request is 3145728 characters long, ` +
          `over the 256-character limit${HINT}`,
      ],
    ],
  )
  await assertStillServing(cluster, attacker, bystander)
})

hostile('a protocol version nested 10,000 deep is reported, not stringified', async () => {
  const { cluster, protocolErrors, attacker, bystander } = await startHostilePair(pool)
  await sendHostile(cluster, attacker.workerId, { build: { kind: 'deep-version', depth: 10_000 } })
  assert.equal(
    protocolErrors.map(({ error }) => error.message),
    [
      `Dropped an xcluster message from ${label(attacker)}: it speaks protocol version an array (1 item) where 2 was expected${VERSION_HINT}`,
    ],
  )
  await assertStillServing(cluster, attacker, bystander)
})

hostile('a frame type nested 10,000 deep is reported, not turned into a string', async () => {
  const { cluster, protocolErrors, attacker, bystander } = await startHostilePair(pool)
  await sendHostile(cluster, attacker.workerId, { build: { kind: 'deep-frame-type', depth: 10_000 } })
  assert.equal(
    protocolErrors.map(({ error }) => error.message),
    [`Dropped a malformed xcluster message from ${label(attacker)}: unknown frame type an array (1 item)${HINT}`],
  )
  await assertStillServing(cluster, attacker, bystander)
})

hostile('arguments nested 10,000 deep are refused before anything walks them', async () => {
  const { cluster, protocolErrors, attacker, bystander } = await startHostilePair(pool)
  await sendHostile(cluster, attacker.workerId, { build: { kind: 'deep-arguments', depth: 10_000 } })
  assert.equal(
    protocolErrors.map(({ error }) => [error.name, error.message]),
    [['ProtocolError', `Refused the arguments of add() from ${label(attacker)}: it nests deeper than 2000 levels; send flatter data.`]],
  )
  await assertStillServing(cluster, attacker, bystander)
})

hostile('an 8 MiB protocol version is quoted in 60 characters', async () => {
  const { cluster, protocolErrors, attacker, bystander } = await startHostilePair(pool)
  await sendHostile(cluster, attacker.workerId, { build: { kind: 'huge-version', length: 8 * 1024 * 1024 } })
  assert.equal(
    protocolErrors.map(({ error }) => error.message),
    [
      `Dropped an xcluster message from ${label(attacker)}: it speaks protocol version "${'v'.repeat(60)}"… (8388608 characters) ` +
        `where 2 was expected${VERSION_HINT}`,
    ],
  )
  await assertStillServing(cluster, attacker, bystander)
})

hostile('an 8 MiB event is refused on receipt under the master’s maxPayload, never delivered', async () => {
  const { cluster, protocolErrors, attacker, bystander } = await startHostilePair(pool)
  const events: string[] = []
  cluster.on('event', (_workerId, name) => events.push(name))
  await sendHostile(cluster, attacker.workerId, { build: { kind: 'huge-event', length: 8 * 1024 * 1024 } })
  assert.equal(
    protocolErrors.map(({ error }) => error.message),
    [
      `Refused the payload of event "big" from ${label(attacker)}: it encodes to at least 8388610 bytes, over this side's ` +
        '4194304-byte limit (`maxPayload`); send less per message, or raise `maxPayload` on both sides.',
    ],
  )
  assert.equal(events, [])
  await assertStillServing(cluster, attacker, bystander)
})

hostile('with health.maxRss, a heartbeat answered with null is a protocol error, and no ghost row survives', async () => {
  const { cluster, log, protocolErrors, attacker } = await startHostilePair(pool, {
    env: { HEARTBEAT_REPLY: 'null' },
    health: { heartbeatInterval: 100, maxMissedHeartbeats: 1_000, maxRss: 1024 ** 4 },
  })
  await waitFor(() => protocolErrors.some(({ workerId }) => workerId === attacker.workerId), 'a heartbeat reply of the attacker')
  assert.is(
    protocolErrors.find(({ workerId }) => workerId === attacker.workerId)!.error.message,
    `Dropped a malformed xcluster message from ${label(attacker)}: the heartbeat reply is null, not a memory sample ` +
      `({ rss, heapUsed } in bytes)${HINT}`,
  )
  assert.equal(log.exits, [], 'no worker machine failed')
  assert.equal(
    cluster.workers().map((w) => w.state),
    ['listening', 'listening'],
  )
  await cluster.stop()
  assert.equal(cluster.workers(), [])
  assert.equal(
    log.exits.map((exit) => [exit.workerId !== null, exit.pid !== null, exit.expected]),
    [
      [true, true, true],
      [true, true, true],
    ],
  )
})

hostile.run()

// ---

const table = suite('worker table')

table('a worker machine that throws leaves no row behind: its row ends as exited, with the error', () => {
  // No real process can make a machine throw once samples are checked at the boundary; a guard
  // that throws stands in for whatever else might, and a fake process for the fork.
  const pool = createFakeProcessPool(COOPERATIVE)
  const failing = workerMachine.provide({
    actors: { process: pool.logic },
    guards: {
      isOverMemoryLimit: () => {
        throw new Error('guard broke')
      },
    },
  })
  const parent = setup({ actors: { worker: failing } }).createMachine({
    invoke: {
      id: 'worker-1',
      src: 'worker',
      input: { ...TEST_WORKER_INPUT, health: { ...TEST_WORKER_INPUT.health, maxRss: 1 } },
      // The slot handles its worker's failure; so does this stand-in parent.
      onError: { actions: () => {} },
    },
  })
  const rows = new WorkerTable()
  const transitions: string[] = []
  const actor = createActor(parent, {
    inspect: (event) => {
      const transition = rows.observe(event)
      if (transition) transitions.push(`${transition.from} → ${transition.to}: ${transition.reason}`)
    },
  }).start()
  assert.equal(
    rows.list().map((row) => row.state),
    ['listening'],
  )
  pool.processes[0]!.send({ type: 'process.heartbeat', sample: { rss: 10, heapUsed: 1 } })
  assert.equal(rows.list(), [])
  assert.is(transitions.at(-1)?.startsWith('listening → exited: worker machine failed: '), true)
  assert.equal(
    rows.takeFailed().map((row) => [row.workerId !== null, row.pid !== null, row.state]),
    [[true, true, 'exited']],
  )
  actor.stop()
})

table.run()
