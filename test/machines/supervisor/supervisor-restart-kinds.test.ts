/**
 * Issue 11: start failures against crashes of serving workers, on the machines with a simulated
 * clock. A worker that never listens, or exits within `minUptime` of its fork, backs off and
 * spends the crash-loop budget; one that had been serving is restarted at once under its own limit.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { COOPERATIVE, CRASHING_ON_START } from '../helpers/fake-process.js'
import { createHarnessPool, UPTIME_POLICY } from '../helpers/supervisor-harness.js'
import type { SupervisorHarness } from '../helpers/supervisor-harness.js'

const { start, cleanup } = createHarnessPool()
const SIGKILL = { type: 'process.exit', code: null, signal: 'SIGKILL' } as const

/** SIGKILLs the serving worker of slot-0, as the OOM killer would. */
function killServing(h: SupervisorHarness): void {
  const incarnation = h.slot('slot-0').context.incarnation
  h.pool.get('slot-0', incarnation).send(SIGKILL)
}

// ---

const kinds = suite('restart kinds')
kinds.after.each(cleanup)

kinds('a worker that served past minUptime and is SIGKILLed is restarted at once, outside the crash-loop budget', () => {
  const h = start(COOPERATIVE, { count: 1, policy: { ...UPTIME_POLICY, maxRestarts: 1 } })
  // 100 kills, each 1 s after the fork: far more than maxRestarts, and no clock time for a backoff.
  for (let i = 0; i < 100; i++) {
    h.clock.increment(1000)
    killServing(h)
  }
  assert.is(h.actor.getSnapshot().value, 'running')
  assert.is(h.pool.processes.length, 101, 'each kill forked a replacement in the same step')
  assert.equal(
    h.workers().map((w) => [w.childId, w.value]),
    [['worker-101', 'listening']],
  )
  const restarts = h.emittedOf('worker.restart')
  assert.is(restarts.length, 100)
  assert.ok(restarts.every((r) => r.kind === 'crash' && r.delay === 0 && r.attempt === 0))
  assert.equal(restarts[0], {
    type: 'worker.restart',
    slotId: 'slot-0',
    kind: 'crash',
    attempt: 0,
    delay: 0,
    reason: 'restart at once after a crash of a serving worker: exited with signal SIGKILL',
  })
  assert.is(h.actor.getSnapshot().context.restarts, 0, 'the crash-loop budget is untouched')
})

kinds('the uptime of a worker is a transition with a reason', () => {
  const h = start(COOPERATIVE, { count: 1, policy: UPTIME_POLICY })
  assert.equal(h.slot('slot-0').context.up, [])
  h.clock.increment(1000)
  assert.equal(h.slot('slot-0').context.up, ['worker-1'])
  assert.is(
    h.slot('slot-0').context.reason,
    'worker-1 up for restart.minUptime (1000ms) since its fork: once it has listened, its exit is a crash, restarted at once',
  )
})

kinds('a worker that listens, then dies within minUptime of its fork, is a start failure: backoff, budget, then failed', () => {
  const h = start(COOPERATIVE, { count: 1, policy: { ...UPTIME_POLICY, maxRestarts: 2 } })
  h.clock.increment(999)
  killServing(h)
  const [first] = h.emittedOf('worker.restart')
  assert.equal(first, {
    type: 'worker.restart',
    slotId: 'slot-0',
    kind: 'start-failure',
    attempt: 1,
    delay: 100,
    reason: 'restart 1 in 100ms after: exited with signal SIGKILL',
  })
  assert.is(h.slot('slot-0').value, 'backoff')
  assert.is(h.pool.processes.length, 1, 'no fork before the backoff')
  h.clock.increment(100)
  assert.is(h.pool.processes.length, 2)
  h.clock.increment(500)
  killServing(h)
  h.clock.increment(200)
  killServing(h)
  assert.is(h.actor.getSnapshot().value, 'failed')
  assert.equal(h.emittedOf('failed'), [
    {
      type: 'failed',
      slotId: 'slot-0',
      kind: 'start-failure',
      exit: { code: null, signal: 'SIGKILL' },
      restarts: 2,
      period: 10_000,
      reason:
        'restart budget spent: slot-0 failed to start (exited with signal SIGKILL) after 2 restarts within 10000ms (restart.maxRestarts 2)',
    },
  ])
})

kinds('a worker that never listens is a start failure however long it lived', () => {
  const h = start({ onStart: (p) => p.send({ type: 'process.online' }) }, { count: 1, policy: { ...UPTIME_POLICY, maxRestarts: 1 } })
  h.clock.increment(5000)
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 1, signal: null })
  const [restart] = h.emittedOf('worker.restart')
  assert.is(restart?.kind, 'start-failure')
  assert.is(restart?.delay, 100)
  const [exit] = h.emittedOf('worker.exit')
  assert.is(exit?.startFailed, true)
})

kinds('a crash loop at boot fails the supervisor after maxRestarts backoffs', () => {
  const h = start(CRASHING_ON_START, { count: 1, policy: { ...UPTIME_POLICY, maxRestarts: 5 } })
  for (let i = 0; i < 40; i++) h.clock.increment(100)
  assert.is(h.actor.getSnapshot().value, 'failed')
  // The test policy caps the backoff at 1 s.
  assert.equal(
    h.emittedOf('worker.restart').map((r) => [r.kind, r.delay]),
    [
      ['start-failure', 100],
      ['start-failure', 200],
      ['start-failure', 400],
      ['start-failure', 800],
      ['start-failure', 1000],
    ],
  )
})

kinds('a serving worker replaced at once whose replacement then dies young backs off', () => {
  const h = start(COOPERATIVE, { count: 1, policy: UPTIME_POLICY })
  h.clock.increment(1000)
  killServing(h)
  killServing(h)
  assert.equal(
    h.emittedOf('worker.restart').map((r) => [r.kind, r.delay]),
    [
      ['crash', 0],
      ['start-failure', 100],
    ],
  )
  assert.is(h.slot('slot-0').value, 'backoff')
})

kinds('maxCrashes in crashPeriod: one more crash fails the supervisor, naming the crash limit', () => {
  const h = start(COOPERATIVE, { count: 1, policy: { ...UPTIME_POLICY, maxCrashes: 2, crashPeriod: 10_000 } })
  for (let i = 0; i < 3; i++) {
    h.clock.increment(1000)
    killServing(h)
  }
  assert.is(h.actor.getSnapshot().value, 'failed')
  assert.equal(h.emittedOf('failed'), [
    {
      type: 'failed',
      slotId: 'slot-0',
      kind: 'crash',
      exit: { code: null, signal: 'SIGKILL' },
      restarts: 2,
      period: 10_000,
      reason:
        'crash limit reached: slot-0 crashed while serving (exited with signal SIGKILL) after 2 crashes within 10000ms (restart.maxCrashes 2)',
    },
  ])
})

kinds('crashes leave the crash window after crashPeriod', () => {
  const h = start(COOPERATIVE, { count: 1, policy: { ...UPTIME_POLICY, maxCrashes: 2, crashPeriod: 10_000 } })
  // One crash every 6 s: never more than 2 within 10 s.
  for (let i = 0; i < 10; i++) {
    h.clock.increment(6000)
    killServing(h)
  }
  assert.is(h.actor.getSnapshot().value, 'running')
  assert.is(h.emittedOf('worker.restart').length, 10)
})

kinds('the exit comes before its restart, and the last exit before failed', () => {
  const h = start(CRASHING_ON_START, { count: 1, policy: { ...UPTIME_POLICY, maxRestarts: 1 } })
  h.clock.increment(100)
  assert.equal(
    h.emitted.map((e) => e.type),
    ['worker.exit', 'worker.restart', 'worker.exit', 'failed'],
  )
})

kinds.run()
