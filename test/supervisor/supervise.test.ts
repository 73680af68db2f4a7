import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { supervise, type SuperviseOptions } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'

const FAST_TIMEOUTS = { start: 10_000, drain: 1_000, disconnect: 300, terminate: 300, kill: 2_000 }

const pool = createClusterPool()

function start(options: SuperviseOptions) {
  return pool.start({ timeouts: FAST_TIMEOUTS, ...options })
}

const lifecycle = suite('supervise: worker lifecycle')

lifecycle.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlives its cluster')
})

lifecycle('starts every worker to listening and stops them with exit code 0', async () => {
  const { cluster, log: seen } = start({ worker: fixture('http-hello.ts'), count: 2 })
  await cluster.onReady()
  const workers = cluster.workers()
  assert.equal(
    workers.map((w) => w.state),
    ['listening', 'listening'],
  )
  assert.equal(workers.map((w) => w.slotId).sort(), ['slot-0', 'slot-1'])
  await cluster.stop()
  for (const slotId of ['slot-0', 'slot-1']) {
    const path = seen.path(slotId, 1)
    assert.equal(path.slice(0, 3), ['forking', 'online', 'listening'])
    assert.ok(path.includes('disconnecting.draining'), `drained before disconnect: ${path}`)
    assert.is(path.at(-1), 'exited')
  }
  assert.equal(
    seen.exits.map((e) => [e.exit.code, e.exit.signal, e.expected]),
    [
      [0, null, true],
      [0, null, true],
    ],
  )
  for (const worker of workers) assert.not.ok(isAlive(worker.pid!), `pid ${worker.pid} is gone`)
  assert.equal(cluster.workers(), [])
})

lifecycle('records a worker that exits with code 1 while online as a failed start', async () => {
  const { log: seen } = start({ worker: fixture('exit-at-boot.ts'), count: 1, restart: { type: 'temporary' } })
  await waitFor(() => seen.exits.length === 1, 'the worker exits')
  assert.equal(seen.crashPath('slot-0', 1), ['forking', 'online', 'exited'])
  const [exit] = seen.exits
  assert.equal([exit!.exit.code, exit!.exit.signal, exit!.expected, exit!.startFailed], [1, null, false, true])
})

lifecycle('restarts a worker SIGKILLed while listening, and records the crash', async () => {
  const { cluster, log: seen } = start({ worker: fixture('http-hello.ts'), count: 1, restart: { backoff: { initial: 10 } } })
  await cluster.onReady()
  const [victim] = cluster.workers()
  process.kill(victim!.pid!, 'SIGKILL')
  await waitFor(() => seen.path('slot-0', 2).includes('listening'), 'the replacement listens')
  assert.equal(seen.crashPath('slot-0', 1), ['forking', 'online', 'listening', 'exited'])
  const [exit] = seen.exits
  assert.equal([exit!.exit.code, exit!.exit.signal, exit!.expected], [null, 'SIGKILL', false])
  assert.equal(
    exit!.crash!.transitions.map((t) => t.to).filter((state) => state !== 'disconnecting.closing'),
    ['forking', 'online', 'listening', 'exited'],
  )
  const [replacement] = cluster.workers()
  assert.is.not(replacement!.pid, victim!.pid)
  assert.is(replacement!.restarts, 1)
})

lifecycle('escalates a worker that ignores disconnect and SIGTERM to SIGKILL', async () => {
  const { cluster, log: seen } = start({ worker: fixture('ignore-stop.ts'), count: 1 })
  await cluster.onReady()
  const [worker] = cluster.workers()
  await cluster.stop()
  assert.equal(seen.path('slot-0', 1), [
    'forking',
    'online',
    'listening',
    'disconnecting.draining',
    'disconnecting.closing',
    'disconnecting.terminating',
    'disconnecting.killing',
    'exited',
  ])
  const [exit] = seen.exits
  assert.equal([exit!.exit.code, exit!.exit.signal], [null, 'SIGKILL'])
  assert.not.ok(isAlive(worker!.pid!))
})

lifecycle('an inspect observer that throws is skipped; the cluster runs on', async () => {
  const warnings: string[] = []
  const onWarning = (warning: Error) => warnings.push(warning.message)
  process.on('warning', onWarning)
  try {
    const { cluster } = start({
      worker: fixture('http-hello.ts'),
      count: 1,
      inspect: () => {
        throw new Error('observer bug')
      },
    })
    await cluster.onReady()
    assert.equal(
      cluster.workers().map((w) => w.state),
      ['listening'],
    )
    await waitFor(() => warnings.length > 0, 'the warning')
    assert.match(warnings[0]!, 'observer bug')
  } finally {
    process.off('warning', onWarning)
  }
})

lifecycle.run()

// ---

const options = suite('supervise: options')

options('rejects count 0 at once with a RangeError naming the option', () => {
  assert.throws(
    () => supervise({ worker: fixture('http-hello.ts'), count: 0 }),
    (error: Error) => error instanceof RangeError && error.message === 'Expected `count` to be an integer from 1 and up, got `0` (number)',
  )
})

options('rejects a worker file that does not exist with a TypeError naming the path', () => {
  const missing = fixture('no-such-worker.ts')
  assert.throws(
    () => supervise({ worker: missing }),
    (error: Error) => error instanceof TypeError && error.message === `The \`worker\` file does not exist: ${missing}`,
  )
})

options('rejects unknown restart options and bad restart types', () => {
  assert.throws(
    () => supervise({ worker: fixture('http-hello.ts'), restart: { tries: 3 } as never }),
    (error: Error) => error instanceof TypeError && /Unknown option `restart.tries`/.test(error.message),
  )
  assert.throws(
    () => supervise({ worker: fixture('http-hello.ts'), restart: { type: 'always' as never } }),
    (error: Error) => error instanceof TypeError && error.message.startsWith("Expected `restart.type` to be one of 'permanent'"),
  )
})

options('rejects a bad maxConcurrentRequests with an error naming the option', () => {
  const worker = fixture('http-hello.ts')
  assert.throws(
    () => supervise({ worker, maxConcurrentRequests: -1 }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === 'Expected `maxConcurrentRequests` to be a positive integer (or Infinity), got `-1` (number)',
  )
  assert.throws(
    () => supervise({ worker, maxConcurrentRequests: Number.NaN }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === 'Expected `maxConcurrentRequests` to be a positive integer (or Infinity), got `NaN` (number)',
  )
})

options('rejects a bad uploadWindow with an error naming the option', () => {
  const worker = fixture('http-hello.ts')
  assert.throws(
    () => supervise({ worker, uploadWindow: { items: 0 } }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === 'Expected `uploadWindow.items` to be a whole number of items from 1 to 65536, got `0` (number)',
  )
  assert.throws(
    () => supervise({ worker, uploadWindow: { bytes: 2 ** 31 } }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === 'Expected `uploadWindow.bytes` to be a whole number of bytes from 1 to 1073741824, got `2147483648` (number)',
  )
  assert.throws(
    () => supervise({ worker, uploadWindow: { item: 4 } as never }),
    (error: Error) => error instanceof TypeError && error.message === 'Unknown option `uploadWindow.item`; expected one of: items, bytes',
  )
  assert.throws(
    () => supervise({ worker, uploadWindow: 4 as never }),
    (error: Error) =>
      error instanceof TypeError && error.message === 'Expected `uploadWindow` to be an object ({ items?, bytes? }), got `4`',
  )
})

options.run()
