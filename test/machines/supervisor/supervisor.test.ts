import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createActor, SimulatedClock } from 'xstate'
import { slotMachine } from '../../../machines/slot/slot.js'
import { supervisorMachine } from '../../../machines/supervisor/supervisor.js'
import { workerMachine } from '../../../machines/worker/worker.js'
import { COOPERATIVE, CRASHING_ON_START, createFakeProcessPool, NEVER_LISTENING } from '../helpers/fake-process.js'
import { createHarnessPool, TEST_POLICY, TEST_SUPERVISOR_INPUT } from '../helpers/supervisor-harness.js'

const { start, cleanup } = createHarnessPool()
const crash = { type: 'process.exit', code: 1, signal: null } as const

// ---

const lifecycle = suite('supervisor lifecycle')
lifecycle.after.each(cleanup)

lifecycle('starts count workers, each listening in its own slot', () => {
  const h = start(COOPERATIVE, { count: 3 })
  assert.is(h.actor.getSnapshot().value, 'running')
  const workers = h.workers()
  assert.equal(
    workers.map((w) => [w.slotId, w.childId, w.role, w.value]),
    [
      ['slot-0', 'worker-1', 'serving', 'listening'],
      ['slot-1', 'worker-1', 'serving', 'listening'],
      ['slot-2', 'worker-1', 'serving', 'listening'],
    ],
  )
  assert.ok(workers.every((w) => typeof w.context.pid === 'number' && typeof w.context.workerId === 'number'))
})

lifecycle('stop drains every worker, restarts none, ends in stopped and says why', () => {
  const h = start(COOPERATIVE)
  h.actor.send({ type: 'stop', reason: 'SIGINT' })
  assert.is(h.actor.getSnapshot().value, 'stopped')
  assert.equal(h.actor.getSnapshot().output, { status: 'stopped', reason: 'stop requested: SIGINT' })
  assert.equal(
    h.emitted.map((e) => e.type),
    ['worker.exit', 'worker.exit', 'stopped'],
  )
  assert.equal(h.emittedOf('stopped'), [{ type: 'stopped', reason: 'stop requested: SIGINT' }])
  for (const exit of h.emittedOf('worker.exit')) {
    assert.is(exit.reason, 'stop requested: SIGINT; exited with code 0')
    assert.is(exit.expected, true)
  }
  for (const p of h.pool.processes) assert.equal(p.commands, [{ type: 'accept' }, { type: 'drain' }, { type: 'disconnect' }])
  assert.is(h.pool.processes.length, 2)
})

lifecycle('stop waits for a worker that ignores disconnect through SIGTERM and SIGKILL', () => {
  const h = start({ onStart: COOPERATIVE.onStart }, { count: 1 })
  h.actor.send({ type: 'stop', reason: 'deploy' })
  // A SimulatedClock arms a timer set during increment() from the end of that increment: step by step.
  for (const step of [100, 200, 300]) h.clock.increment(step)
  assert.is(h.actor.getSnapshot().value, 'stopping')
  assert.equal(h.workers()[0]?.value, { disconnecting: 'killing' })
  h.pool.processes[0]!.send({ type: 'process.exit', code: null, signal: 'SIGKILL' })
  assert.is(h.actor.getSnapshot().value, 'stopped')
})

lifecycle('a second stop while stopping changes nothing', () => {
  const h = start({ onStart: COOPERATIVE.onStart }, { count: 1 })
  h.actor.send({ type: 'stop', reason: 'first' })
  h.actor.send({ type: 'stop', reason: 'second' })
  h.pool.processes[0]!.send({ type: 'process.exit', code: 0, signal: null })
  assert.equal(h.emittedOf('stopped'), [{ type: 'stopped', reason: 'stop requested: first' }])
})

lifecycle('a slot machine that throws fails the supervisor and its workers are killed', () => {
  const pool = createFakeProcessPool(COOPERATIVE)
  const worker = workerMachine.provide({ actors: { process: pool.logic } })
  const slot = slotMachine.provide({
    actors: { worker },
    actions: {
      recordListening: () => {
        throw new Error('bug in a slot')
      },
    },
  })
  const actor = createActor(supervisorMachine.provide({ actors: { slot } }), {
    input: { ...TEST_SUPERVISOR_INPUT, count: 1 },
    clock: new SimulatedClock(),
  })
  const failed: unknown[] = []
  const errors: unknown[] = []
  actor.on('failed', (e) => void failed.push(e))
  actor.subscribe({ error: (e) => void errors.push(e) })
  actor.start()
  assert.equal(failed, [
    {
      type: 'failed',
      slotId: 'slot-0',
      kind: 'start-failure',
      exit: { code: null, signal: null },
      restarts: 0,
      period: 10_000,
      reason: 'slot-0 failed: bug in a slot',
    },
  ])
  assert.equal(pool.processes[0]?.commands, [{ type: 'accept' }, { type: 'signal', signal: 'SIGKILL' }])
  assert.equal(errors, [])
  actor.stop()
})

lifecycle.run()

// ---

const restarts = suite('supervisor restarts')
restarts.after.each(cleanup)

restarts('a worker that exits with code 1 is restarted after the initial backoff', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.get('slot-0', 1).send(crash)
  assert.equal(h.emittedOf('worker.restart'), [
    {
      type: 'worker.restart',
      slotId: 'slot-0',
      kind: 'start-failure',
      attempt: 1,
      delay: 100,
      reason: 'restart 1 in 100ms after: exited with code 1',
    },
  ])
  assert.is(h.slot('slot-0').value, 'backoff')
  h.clock.increment(99)
  assert.is(h.pool.processes.length, 1)
  h.clock.increment(1)
  assert.is(h.pool.processes.length, 2)
  assert.equal(
    h.workers().map((w) => [w.childId, w.value]),
    [['worker-2', 'listening']],
  )
})

restarts('a SIGKILL while listening counts as a crash and is restarted', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: null, signal: 'SIGKILL' })
  const [exit] = h.emittedOf('worker.exit')
  assert.equal(exit?.exit, { code: null, signal: 'SIGKILL' })
  assert.is(exit?.expected, false)
  assert.is(h.emittedOf('worker.restart').length, 1)
})

restarts('a crash loop spends the budget: R+1 starts, then failed with a reason', () => {
  const h = start(CRASHING_ON_START, { count: 1, policy: { ...TEST_POLICY, maxRestarts: 3 } })
  for (let i = 0; i < 10; i++) h.clock.increment(1000)
  assert.is(h.actor.getSnapshot().value, 'failed')
  assert.is(h.pool.processes.length, 1 + 3)
  assert.equal(h.emittedOf('failed'), [
    {
      type: 'failed',
      slotId: 'slot-0',
      kind: 'start-failure',
      exit: { code: 1, signal: null },
      restarts: 3,
      period: 10_000,
      reason: 'restart budget spent: slot-0 failed to start (exited with code 1) after 3 restarts within 10000ms (restart.maxRestarts 3)',
    },
  ])
  assert.equal(h.actor.getSnapshot().output, { status: 'failed', reason: h.emittedOf('failed')[0]?.reason })
  assert.equal(
    h.emitted.map((e) => e.type),
    ['worker.exit', 'worker.restart', 'worker.exit', 'worker.restart', 'worker.exit', 'worker.restart', 'worker.exit', 'failed'],
  )
})

restarts('the budget is shared: crashing slots together never start more than R+1 times past the first starts', () => {
  const h = start(CRASHING_ON_START, { count: 3, policy: { ...TEST_POLICY, maxRestarts: 4 } })
  for (let i = 0; i < 10; i++) h.clock.increment(1000)
  assert.is(h.actor.getSnapshot().value, 'failed')
  assert.ok(h.pool.processes.length <= 3 + 4, `${h.pool.processes.length} starts`)
  assert.is(h.emittedOf('worker.restart').length, 4)
})

restarts('when the budget is spent the other workers are stopped gracefully', () => {
  const h = start(COOPERATIVE, { count: 2, policy: { ...TEST_POLICY, maxRestarts: 0 } })
  h.pool.get('slot-1', 1).send(crash)
  assert.is(h.actor.getSnapshot().value, 'failed')
  assert.equal(h.pool.get('slot-0', 1).commands, [{ type: 'accept' }, { type: 'drain' }, { type: 'disconnect' }])
  const exits = h.emittedOf('worker.exit').map((e) => [e.slotId, e.expected, e.exit.code])
  assert.equal(exits, [
    ['slot-1', false, 1],
    ['slot-0', true, 0],
  ])
  assert.is(h.emittedOf('failed')[0]?.slotId, 'slot-1')
})

restarts('restarts leave the budget window after the period', () => {
  const backoff = { initial: 10, max: 10, factor: 1, resetAfter: 5000 }
  const h = start(COOPERATIVE, { count: 1, policy: { ...TEST_POLICY, maxRestarts: 2, period: 1000, backoff } })
  h.pool.get('slot-0', 1).send(crash) // t=0: restart 1, leaves the window at t=1000
  h.clock.increment(600)
  h.pool.get('slot-0', 2).send(crash) // t=600: restart 2, leaves at t=1600
  h.clock.increment(500)
  assert.is(h.actor.getSnapshot().context.restarts, 1, 'the first restart left the window')
  h.pool.get('slot-0', 3).send(crash) // t=1100: restart 2 of 2 in the window
  assert.is(h.actor.getSnapshot().value, 'running')
  h.clock.increment(100)
  h.pool.get('slot-0', 4).send(crash) // t=1200: a third one within 1000ms
  assert.is(h.actor.getSnapshot().value, 'failed')
})

restarts('backoff doubles up to its cap and resets after a stable period', () => {
  const h = start(COOPERATIVE, { count: 1, policy: { ...TEST_POLICY, maxRestarts: 100, period: 1 } })
  let incarnation = 1
  const crashAndWait = () => {
    h.pool.get('slot-0', incarnation).send(crash)
    h.clock.increment(h.emittedOf('worker.restart').at(-1)!.delay)
    incarnation += 1
  }
  for (let i = 0; i < 6; i++) crashAndWait()
  assert.equal(
    h.emittedOf('worker.restart').map((r) => r.delay),
    [100, 200, 400, 800, 1000, 1000],
  )
  h.clock.increment(4999)
  crashAndWait()
  assert.is(h.emittedOf('worker.restart').at(-1)?.delay, 1000, 'not yet stable')
  h.clock.increment(5000)
  assert.is(h.slot('slot-0').context.reason, 'stable for 5000ms: backoff reset')
  crashAndWait()
  assert.equal(h.emittedOf('worker.restart').at(-1), {
    type: 'worker.restart',
    slotId: 'slot-0',
    kind: 'start-failure',
    attempt: 1,
    delay: 100,
    reason: 'restart 1 in 100ms after: exited with code 1',
  })
})

restarts('a worker that never listens hits the start timeout and is restarted', () => {
  const h = start(NEVER_LISTENING, { count: 1 })
  h.clock.increment(1000)
  const [exit] = h.emittedOf('worker.exit')
  assert.is(exit?.reason, 'start timeout after 1000ms; exited with signal SIGTERM')
  assert.is(exit?.startFailed, true)
  assert.is(h.emittedOf('worker.restart').length, 1)
})

restarts('transient workers restart after a crash but not after a clean exit', () => {
  const h = start(COOPERATIVE, { count: 2, policy: { ...TEST_POLICY, type: 'transient' } })
  h.pool.get('slot-0', 1).send(crash)
  h.pool.get('slot-1', 1).send({ type: 'process.exit', code: 0, signal: null })
  assert.equal(
    h.emittedOf('worker.restart').map((r) => r.slotId),
    ['slot-0'],
  )
  assert.is(h.slot('slot-1').value, 'idle')
  assert.is(h.slot('slot-1').context.reason, 'exited with code 0: transient worker: clean exit, not restarted')
})

restarts('temporary workers are never restarted', () => {
  const h = start(COOPERATIVE, { count: 1, policy: { ...TEST_POLICY, type: 'temporary' } })
  h.pool.get('slot-0', 1).send(crash)
  assert.equal(h.emittedOf('worker.restart'), [])
  assert.is(h.slot('slot-0').value, 'idle')
  h.actor.send({ type: 'stop', reason: 'done' })
  assert.is(h.actor.getSnapshot().value, 'stopped')
})

restarts('permanent workers are restarted even after a clean exit', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 0, signal: null })
  assert.is(h.emittedOf('worker.restart').length, 1)
})

restarts('a stop during backoff starts nothing more and ends in stopped', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.get('slot-0', 1).send(crash)
  assert.is(h.slot('slot-0').value, 'backoff')
  h.actor.send({ type: 'stop', reason: 'SIGTERM' })
  assert.is(h.actor.getSnapshot().value, 'stopped')
  h.clock.increment(10_000)
  assert.is(h.pool.processes.length, 1)
})

restarts.run()
