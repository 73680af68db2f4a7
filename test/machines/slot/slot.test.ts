import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { COOPERATIVE, NEVER_LISTENING } from '../helpers/fake-process.js'
import { createActor, SimulatedClock } from 'xstate'
import { slotMachine } from '../../../machines/slot/slot.js'
import { supervisorMachine } from '../../../machines/supervisor/supervisor.js'
import { workerMachine } from '../../../machines/worker/worker.js'
import { createFakeProcessPool } from '../helpers/fake-process.js'
import { startSupervisorHarness, TEST_SUPERVISOR_INPUT } from '../helpers/supervisor-harness.js'
import type { SupervisorHarness } from '../helpers/supervisor-harness.js'

// A slot always runs under a supervisor (it asks it before each restart), so it is tested through one.
const running: SupervisorHarness[] = []
function start(...args: Parameters<typeof startSupervisorHarness>): SupervisorHarness {
  const h = startSupervisorHarness(...args)
  running.push(h)
  return h
}
const slot = suite('slot')
slot.after.each(() => {
  for (const h of running.splice(0)) {
    assert.equal(h.errors, [])
    h.actor.stop()
  }
})

slot('names its serving worker and the reason of its last decision', () => {
  const h = start(COOPERATIVE, { count: 1 })
  assert.equal(h.slot('slot-0').value, { running: 'listening' })
  assert.is(h.slot('slot-0').context.serving, 'worker-1')
  assert.is(h.slot('slot-0').context.reason, 'worker-1 listening')
})

slot('an old worker that dies while its replacement starts hands over without a restart', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  assert.equal(
    h.workers().map((w) => [w.childId, w.role]),
    [
      ['worker-1', 'serving'],
      ['worker-2', 'candidate'],
    ],
  )
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 1, signal: null })
  assert.equal(
    h.workers().map((w) => [w.childId, w.role]),
    [['worker-2', 'serving']],
  )
  assert.equal(h.emittedOf('worker.restart'), [])
  h.pool.get('slot-0', 2).send({ type: 'process.listening', address: null })
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 1 }])
})

slot('a hung worker during a replacement is killed and the replacement promoted', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.behaviour = NEVER_LISTENING
  h.pool.get('slot-0', 1).send({ type: 'process.heartbeat', sample: { rss: 2000, heapUsed: 0 } })
  for (let i = 0; i < 3; i++) h.pool.get('slot-0', 1).send({ type: 'process.heartbeatMissed' })
  assert.equal(
    h.workers().map((w) => [w.childId, w.role]),
    [['worker-2', 'serving']],
  )
  assert.equal(
    h.emittedOf('worker.replace').map((e) => e.reason),
    ['memory: rss 2000 bytes over the limit of 1000 bytes', 'hung: 3 heartbeats missed in a row (limit 3)'],
  )
})

slot('stop while replacing stops both workers before the slot ends', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.behaviour = { onStart: NEVER_LISTENING.onStart }
  h.actor.send({ type: 'reload' })
  h.actor.send({ type: 'stop', reason: 'bye' })
  assert.is(h.actor.getSnapshot().value, 'stopping')
  assert.equal(h.pool.get('slot-0', 2).commands, [{ type: 'disconnect' }])
  h.pool.get('slot-0', 2).send({ type: 'process.exit', code: 0, signal: null })
  assert.is(h.actor.getSnapshot().value, 'stopped')
  assert.equal(
    h.emittedOf('worker.exit').map((e) => [e.incarnation, e.expected, e.startFailed]),
    [
      [1, true, false],
      [2, true, false],
    ],
  )
})

slot('finished workers are removed from the slot children', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 1, signal: null })
  h.clock.increment(100)
  const ref = h.actor.getSnapshot().children['slot-0']
  assert.equal(Object.keys((ref!.getSnapshot() as { children: object }).children), ['worker-2'])
})

slot('a worker machine that throws counts as an unexpected exit and is restarted', () => {
  const pool = createFakeProcessPool(COOPERATIVE)
  const worker = workerMachine.provide({
    actors: { process: pool.logic },
    actions: {
      notifyListening: () => {
        throw new Error('bug in an action')
      },
    },
  })
  const machine = supervisorMachine.provide({ actors: { slot: slotMachine.provide({ actors: { worker } }) } })
  const actor = createActor(machine, { input: { ...TEST_SUPERVISOR_INPUT, count: 1 }, clock: new SimulatedClock() })
  const exits: unknown[] = []
  const errors: unknown[] = []
  actor.on('worker.exit', (e) => void exits.push([e.reason, e.expected, e.exit]))
  actor.subscribe({ error: (e) => void errors.push(e) })
  actor.start()
  assert.equal(exits, [['worker machine failed: bug in an action', false, { code: null, signal: null }]])
  assert.equal(pool.processes[0]?.commands.at(-1), { type: 'signal', signal: 'SIGKILL' }, 'its orphaned process is killed')
  assert.is((actor.getSnapshot().children['slot-0']!.getSnapshot() as { value: unknown }).value, 'backoff')
  assert.equal(errors, [])
  actor.stop()
})

slot.run()
