import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SupervisorFailedError } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, isAlive, rejectionOf, waitFor } from '../helpers/processes.js'

const pool = createClusterPool()
const restart = suite('restart policy')

restart.after.each(async () => {
  const leaked = await pool.cleanup()
  assert.equal(leaked, [], 'no worker outlives its cluster')
})

restart('a crash loop forks at most R+1 times, then fails with a clear error and no orphans', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('exit-at-boot.ts'),
    count: 1,
    restart: { maxRestarts: 3, period: 60_000, backoff: { initial: 10, max: 100 } },
  })
  const failure = await rejectionOf(cluster.onStopped(), 'the cluster must fail')
  assert.instance(failure, SupervisorFailedError)
  const error = failure as SupervisorFailedError
  assert.is(error.code, 'ERR_SUPERVISOR_FAILED')
  assert.is(error.slotId, 'slot-0')
  assert.equal(error.exit, { code: 1, signal: null })
  assert.match(error.message, /^The cluster failed: worker slot-0 failed to start \(code 1\) after 3 restarts within 60000 ms/)
  assert.is(log.forks(), 4, 'R+1 forks')
  assert.is(log.exits.length, 4)
  assert.ok(log.exits.every((exit) => exit.startFailed && !exit.expected))
  for (const pid of log.pids) assert.not.ok(isAlive(pid), `pid ${pid} is gone`)
})

restart('backoff delays grow between restarts, and each fork waits at least its delay', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('exit-at-boot.ts'),
    count: 1,
    restart: { maxRestarts: 4, period: 60_000, backoff: { initial: 50, factor: 2, max: 10_000 } },
  })
  await cluster.onStopped().catch(() => {})
  assert.equal(
    log.restarts.map((r) => r.delay),
    [50, 100, 200, 400],
  )
  const exitedAt = log.transitions.filter((t) => t.to === 'exited').map((t) => t.at)
  const forkedAt = log.transitions.filter((t) => t.to === 'forking').map((t) => t.at)
  for (let i = 0; i < log.restarts.length; i++) {
    const waited = forkedAt[i + 1]! - exitedAt[i]!
    assert.ok(waited >= log.restarts[i]!.delay, `restart ${i + 1} waited ${waited} ms, at least ${log.restarts[i]!.delay}`)
  }
})

restart('a transient worker that exits 0 is not restarted', async () => {
  const { log } = pool.start({ worker: fixture('exit-with-code.ts'), count: 1, env: { EXIT_CODE: '0' }, restart: { type: 'transient' } })
  await waitFor(() => log.exits.length === 1, 'the worker exits')
  // A restart would be scheduled in the same turn as the exit; give it a few turns to show up.
  await new Promise((resolve) => setTimeout(resolve, 200))
  assert.equal(log.restarts, [])
  assert.is(log.forks(), 1)
})

restart('a transient worker that exits 1 is restarted', async () => {
  const { log } = pool.start({
    worker: fixture('exit-with-code.ts'),
    count: 1,
    env: { EXIT_CODE: '1', EXIT_AFTER: '100' },
    restart: { type: 'transient', backoff: { initial: 10 } },
  })
  await waitFor(() => log.restarts.length >= 1 && log.forks() >= 2, 'a restart')
  assert.is(log.exits[0]!.exit.code, 1)
  assert.match(log.restarts[0]!.reason, /code 1/)
})

restart('a temporary worker is never restarted, even after a crash', async () => {
  const { log } = pool.start({ worker: fixture('exit-with-code.ts'), count: 1, env: { EXIT_CODE: '3' }, restart: { type: 'temporary' } })
  await waitFor(() => log.exits.length === 1, 'the worker exits')
  await new Promise((resolve) => setTimeout(resolve, 200))
  assert.equal(log.restarts, [])
})

restart.run()
