/**
 * Issue 11, on real processes: a worker that fails at boot every time fails the cluster fast with
 * what it printed; one that listens and dies within `restart.minUptime` is a start failure too; a
 * worker that had been serving and is SIGKILLed is restarted at once and never spends the
 * crash-loop budget.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SupervisorFailedError, supervise } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, isAlive, rejectionOf, waitFor } from '../helpers/processes.js'

const pool = createClusterPool()
const kinds = suite('restart kinds (real processes)')

kinds.after.each(async () => {
  const leaked = await pool.cleanup()
  assert.equal(leaked, [], 'no worker outlives its cluster')
})

const BOOT_ERROR = 'Error: the config file is missing (fail-at-boot fixture)'
// A dying worker's IPC channel may close a moment before cluster reports its exit: the worker
// machine then says so first. Either order is right.
const EXITED_1 = '(IPC channel closed by the worker; )?exited with code 1'

kinds(
  'with the default restart options, a worker that fails at boot every time fails the cluster after 5 backoffs, with its stderr',
  async () => {
    const { cluster, log } = pool.start({ worker: fixture('fail-at-boot.ts'), count: 1, silent: true })
    const failure = await rejectionOf(cluster.onStopped(), 'the cluster must fail')
    assert.instance(failure, SupervisorFailedError)
    const error = failure as SupervisorFailedError
    assert.is(error.code, 'ERR_SUPERVISOR_FAILED')
    assert.is(error.kind, 'start-failure')
    assert.equal(error.exit, { code: 1, signal: null })
    assert.is(error.restarts, 5)
    assert.ok(error.stderr.includes(BOOT_ERROR), error.stderr.join('\n'))
    assert.is(error.stderr[0], 'loading config from /etc/app/config.json')
    const [head, ...rest] = error.message.split('\n')
    const expected =
      String.raw`^The cluster failed: worker slot-0 failed to start \(code 1\) after 5 restarts within 60000 ms, which spends the crash-loop budget ` +
      String.raw`\(restart\.maxRestarts in restart\.period\)\. Fix the worker's start \(see its stderr below and the 'exit' events' crash records\) or widen the budget\. ` +
      String.raw`restart budget spent: slot-0 failed to start \(${EXITED_1}\) after 5 restarts within 60000ms \(restart\.maxRestarts 5\)$`
    assert.match(head!, new RegExp(expected))
    assert.is(rest[0], "The worker's last stderr lines:")
    assert.equal(
      rest.slice(1),
      error.stderr.map((line) => `  ${line}`),
    )
    // 1 + 5 forks, each exit a start failure that says so and carries what the worker printed.
    assert.is(log.forks(), 6)
    assert.is(log.exits.length, 6)
    for (const exit of log.exits) {
      assert.is(exit.startFailed, true)
      assert.is(exit.expected, false)
      assert.equal(exit.exit, { code: 1, signal: null })
      assert.ok(exit.crash?.stderr.includes(BOOT_ERROR), `exit of incarnation ${exit.incarnation}: ${exit.reason}`)
    }
    assert.equal(
      log.restarts.map((r) => [r.kind, r.delay]),
      [
        ['start-failure', 100],
        ['start-failure', 200],
        ['start-failure', 400],
        ['start-failure', 800],
        ['start-failure', 1600],
      ],
    )
    for (const pid of log.pids) assert.not.ok(isAlive(pid), `pid ${pid} is gone`)
  },
)

kinds('each exit is emitted before its restart, and the last exit before failed', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('fail-at-boot.ts'),
    count: 1,
    silent: true,
    restart: { maxRestarts: 2, backoff: { initial: 10 } },
  })
  const order: string[] = []
  cluster.on('exit', (e) => order.push(`exit ${e.incarnation}`))
  cluster.on('restart', () => order.push('restart'))
  cluster.on('failed', () => order.push('failed'))
  await cluster.onStopped().catch(() => {})
  assert.equal(order, ['exit 1', 'restart', 'exit 2', 'restart', 'exit 3', 'failed'])
  assert.match(log.exits.at(-1)!.reason, new RegExp(`^${EXITED_1}$`))
})

kinds('a worker that listens and exits within restart.minUptime of its fork is a start failure', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('exit-with-code.ts'),
    count: 1,
    env: { EXIT_CODE: '1', EXIT_AFTER: '20' },
    restart: { minUptime: 60_000, maxRestarts: 2, backoff: { initial: 10 } },
  })
  const error = (await rejectionOf(cluster.onStopped(), 'the cluster must fail')) as SupervisorFailedError
  assert.is(error.kind, 'start-failure')
  assert.match(
    error.reason,
    new RegExp(String.raw`^restart budget spent: slot-0 failed to start \(${EXITED_1}\) after 2 restarts within 60000ms`),
  )
  assert.ok(
    log.exits.every((exit) => !exit.startFailed),
    'each worker listened',
  )
  assert.equal(
    log.restarts.map((r) => r.kind),
    ['start-failure', 'start-failure'],
  )
  assert.match(log.restarts[0]!.reason, new RegExp(`^restart 1 in 10ms after: ${EXITED_1}$`))
})

kinds('a serving worker SIGKILLed again and again is restarted at once, and the crash-loop budget is untouched', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('http-hello.ts'),
    count: 1,
    // No start failure allowed at all: the cluster survives only if every kill counts as a crash.
    restart: { minUptime: 100, maxRestarts: 0 },
  })
  await cluster.onReady()
  for (let kill = 1; kill <= 5; kill++) {
    const [worker] = cluster.workers()
    // Up for minUptime since its fork (a wait, not a measurement).
    await sleep(150)
    process.kill(worker!.pid!, 'SIGKILL')
    await waitFor(() => log.restarts.length === kill, `restart ${kill}`)
    await cluster.onReady()
  }
  assert.equal(
    log.restarts.map((r) => [r.kind, r.delay, r.attempt]),
    Array(5).fill(['crash', 0, 0]),
  )
  assert.equal(
    log.exits.map((e) => [e.exit.signal, e.startFailed]),
    Array(5).fill(['SIGKILL', false]),
  )
  assert.is(log.forks(), 6)
  assert.is(cluster.workers().length, 1)
})

kinds('a serving worker that crashes under restart.maxCrashes fails the cluster naming the crash limit, with its stderr', async () => {
  const { cluster, log } = pool.start({
    worker: fixture('exit-with-code.ts'),
    count: 1,
    silent: true,
    env: { EXIT_CODE: '3', EXIT_AFTER: '150' },
    restart: { minUptime: 50, maxCrashes: 2, crashPeriod: 60_000 },
  })
  const error = (await rejectionOf(cluster.onStopped(), 'the cluster must fail')) as SupervisorFailedError
  assert.is(error.kind, 'crash')
  assert.equal(error.exit, { code: 3, signal: null })
  assert.match(
    error.message,
    /^The cluster failed: worker slot-0 crashed while serving \(code 3\) after 2 crashes within 60000 ms, which reaches the crash limit/,
  )
  assert.match(error.message, /\nThe worker wrote nothing to stderr\.$/)
  assert.equal(
    log.restarts.map((r) => [r.kind, r.delay]),
    [
      ['crash', 0],
      ['crash', 0],
    ],
  )
})

kinds('restart.minUptime, maxCrashes and crashPeriod are checked at the boundary', () => {
  const worker = fixture('http-hello.ts')
  assert.throws(
    () => supervise({ worker, restart: { minUptime: -1 } }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === 'Expected `restart.minUptime` to be a number of milliseconds from 0 and up, got `-1` (number)',
  )
  assert.throws(
    () => supervise({ worker, restart: { maxCrashes: 1.5 } }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === 'Expected `restart.maxCrashes` to be an integer from 0 and up, or Infinity, got `1.5` (number)',
  )
  assert.throws(
    () => supervise({ worker, restart: { crashPeriod: 0 } }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === 'Expected `restart.crashPeriod` to be a number of milliseconds above 0, got `0` (number)',
  )
})

kinds.run()
