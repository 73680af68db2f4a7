/**
 * Issue 13 part 6, on real processes: a worker reports where its start went (fork → process →
 * Node's bootstrap → loaders → preload → its own code → listening), the master checks what it
 * sent as untrusted input, and a worker that had been serving is replaced at once, its slot never
 * passing through `backoff`.
 */
import type { InspectionEvent } from 'xstate'
import { setTimeout as sleep } from 'node:timers/promises'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { checkStartMarks, computeStartTiming } from '../../src/supervisor/start-timing.js'
import { ProtocolError } from '../../src/rpc/errors.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, waitFor } from '../helpers/processes.js'

const pool = createClusterPool()
const timing = suite('start split')

timing.after.each(async () => {
  const leaked = await pool.cleanup()
  assert.equal(leaked, [], 'no worker outlives its cluster')
})

const PHASES = ['spawn', 'bootstrap', 'loaders', 'preload', 'user', 'listen', 'total']

timing(
  'a worker whose server listens reports its start split on the listening transition and in workers(), every phase in order',
  async () => {
    const { cluster, log } = pool.start({ worker: fixture('http-hello.ts'), count: 1 })
    await cluster.onReady()
    const listening = log.transitions.find((t) => t.to === 'listening')
    const start = listening?.start
    assert.ok(start, 'the move to listening carries the split')
    assert.equal(Object.keys(start), PHASES)
    // Each phase is a duration between two marks the master checked were in order: none is negative.
    for (const phase of PHASES)
      assert.ok(Number.isFinite(start[phase as keyof typeof start]) && start[phase as keyof typeof start] >= 0, phase)
    const sum = start.spawn + start.bootstrap + start.loaders + start.preload + start.user + start.listen
    // Each phase is rounded to 0.1 ms on its own: the sum may be off by that rounding, no more.
    assert.ok(Math.abs(sum - start.total) < 0.5, `phases add up to the total: ${sum} vs ${start.total}`)
    assert.equal(cluster.workers()[0]!.start, start)
  },
)

timing('start marks that are not ordered numbers are reported as a protocol error of that worker, which serves on', async () => {
  const { cluster } = pool.start({ worker: fixture('bad-start-marks.ts'), count: 1 })
  const errors: Array<[number, Error]> = []
  cluster.on('protocol-error', (workerId, error) => errors.push([workerId, error]))
  await cluster.onReady()
  await waitFor(() => cluster.workers()[0]?.start !== undefined, 'the true marks follow the bad ones')
  const [worker] = cluster.workers()
  assert.is(errors.length, 1)
  const [workerId, error] = errors[0]!
  assert.is(workerId, worker!.workerId)
  assert.instance(error, ProtocolError)
  assert.is((error as ProtocolError).code, 'ERR_PROTOCOL')
  assert.is(
    error.message,
    `worker ${worker!.workerId} (pid ${worker!.pid}) sent start marks that are not the expected keys; expected ` +
      '{ origin, bootstrap, preload, preloaded, listen, listening } as ordered numbers of ms. ' +
      'The start split of this worker is left out (is the worker running another xcluster version?).',
  )
})

timing('checkStartMarks() refuses what a hostile worker may send, naming what is wrong', () => {
  const good = { origin: 1_700_000_000_000, bootstrap: 30, preload: 40, preloaded: 41, listen: 50, listening: 52 }
  assert.equal(checkStartMarks(good, 'worker 1 (pid 2)'), good)
  const refusal = (value: unknown) => {
    try {
      checkStartMarks(value, 'worker 1 (pid 2)')
    } catch (error) {
      assert.instance(error, ProtocolError)
      return (error as Error).message.replace(/; expected .*$/, '')
    }
    throw new Error('accepted')
  }
  assert.is(refusal(null), 'worker 1 (pid 2) sent start marks that are not an object (object)')
  assert.is(refusal([1, 2]), 'worker 1 (pid 2) sent start marks that are not an object (object)')
  assert.is(
    refusal(JSON.parse(`{"__proto__":{"x":1},${JSON.stringify(good).slice(1)}`)),
    'worker 1 (pid 2) sent start marks that are not the expected keys',
  )
  assert.is(refusal({ ...good, listen: '50' }), 'worker 1 (pid 2) sent start marks that are not numbers (listen)')
  assert.is(refusal({ ...good, origin: Number.NaN }), 'worker 1 (pid 2) sent start marks that are not numbers (origin)')
  assert.is(refusal({ ...good, listen: 20 }), 'worker 1 (pid 2) sent start marks that are out of order or out of range (listen)')
  assert.is(refusal({ ...good, bootstrap: -1 }), 'worker 1 (pid 2) sent start marks that are out of order or out of range (bootstrap)')
  assert.is(refusal({ ...good, listening: 1e12 }), 'worker 1 (pid 2) sent start marks that are out of order or out of range (listening)')
  assert.is(refusal({ ...good, bootstrap: 51 }), 'worker 1 (pid 2) sent start marks that are out of order or out of range (bootstrap)')
  // The CommonJS preload (`--require`) runs inside Node's bootstrap: Node's part is before and after it, no loader.
  const required = { ...good, preload: 20, preloaded: 21, bootstrap: 30 }
  assert.equal(computeStartTiming(good.origin, required), {
    spawn: 0,
    bootstrap: 29,
    loaders: 0,
    preload: 1,
    user: 20,
    listen: 2,
    total: 52,
  })
  // A worker whose clock reads a little before the master's fork did: spawn is 0, not negative.
  assert.equal(computeStartTiming(good.origin + 1, good), {
    spawn: 0,
    bootstrap: 30,
    loaders: 10,
    preload: 1,
    user: 9,
    listen: 2,
    total: 52,
  })
})

timing(
  'a worker that had been serving is SIGKILLed and replaced at once: its slot goes listening → restartPending → starting, no backoff',
  async () => {
    const slotStates: string[] = []
    const onInspect = (event: InspectionEvent) => {
      if (event.type !== '@xstate.snapshot' || (event.actorRef as { logic?: { id?: string } }).logic?.id !== 'slot') return
      const value = (event.snapshot as { value?: unknown }).value
      const state = typeof value === 'string' ? value : Object.entries(value as Record<string, string>).map(([k, v]) => `${k}.${v}`)[0]!
      if (slotStates.at(-1) !== state) slotStates.push(state)
    }
    const { cluster, log } = pool.start({
      worker: fixture('http-hello.ts'),
      count: 1,
      inspect: onInspect,
      // Any start failure would fail the cluster: it survives only if the kill counts as a crash.
      restart: { minUptime: 100, maxRestarts: 0 },
    })
    await cluster.onReady()
    const [worker] = cluster.workers()
    // Up for minUptime since its fork (a wait, not a measurement).
    await sleep(150)
    process.kill(worker!.pid!, 'SIGKILL')
    await waitFor(() => log.restarts.length === 1, 'the restart')
    await cluster.onReady()
    assert.equal(slotStates, ['running.starting', 'running.listening', 'restartPending', 'running.starting', 'running.listening'])
    assert.equal(
      log.restarts.map((r) => [r.kind, r.delay]),
      [['crash', 0]],
    )
    // The replacement reports its own split too.
    assert.ok(cluster.workers()[0]!.start, 'the replacement reports its split')
  },
)

timing.run()
