import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { COOPERATIVE, CRASHING_ON_START, NEVER_LISTENING } from './helpers/fake-process.js'
import type { FakeProcess } from './helpers/fake-process.js'
import { createHarnessPool, TEST_POLICY } from './helpers/supervisor-harness.js'
import type { SupervisorHarness } from './helpers/supervisor-harness.js'

const { start, cleanup } = createHarnessPool()
function listen(p: FakeProcess): void {
  p.send({ type: 'process.listening', address: '127.0.0.1:3000' })
}
function countListening(h: SupervisorHarness): number {
  return h.workers().filter((w) => w.value === 'listening').length
}

// ---

const reload = suite('rolling reload')
reload.after.each(cleanup)

reload('replaces slots one at a time, new worker listening before the old one drains', () => {
  const h = start(COOPERATIVE, { count: 3 })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  assert.is(h.actor.getSnapshot().value, 'reloading')
  assert.is(h.actor.getSnapshot().context.generation, 1)
  for (const slotId of ['slot-0', 'slot-1', 'slot-2']) {
    const fresh = h.pool.get(slotId, 2)
    assert.is(fresh.input.generation, 1)
    assert.equal(h.pool.get(slotId, 1).commands, [{ type: 'accept' }], 'the old worker serves on')
    assert.is(h.pool.processes.length, 3 + Number(slotId.at(-1)) + 1, 'one slot at a time')
    assert.is(countListening(h), 3)
    listen(fresh)
    assert.equal(h.pool.get(slotId, 1).commands, [{ type: 'accept' }, { type: 'drain' }, { type: 'disconnect' }])
    assert.ok(countListening(h) >= 3)
    if (slotId === 'slot-0') assert.is(h.actor.getSnapshot().context.reason, 'slot-0 runs generation 1 (1 of 3 slots)')
  }
  assert.is(h.actor.getSnapshot().value, 'running')
  assert.is(h.actor.getSnapshot().context.reason, 'reload to generation 1 done')
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 1 }])
  assert.equal(h.emittedOf('worker.replace').map((e) => [e.slotId, e.reason]), [
    ['slot-0', 'reload to generation 1'], ['slot-1', 'reload to generation 1'], ['slot-2', 'reload to generation 1'],
  ])
  assert.ok(h.emittedOf('worker.exit').every((e) => e.expected && e.generation === 0))
  assert.equal(h.workers().map((w) => [w.slotId, w.childId, w.context.generation]), [
    ['slot-0', 'worker-2', 1], ['slot-1', 'worker-2', 1], ['slot-2', 'worker-2', 1],
  ])
})

reload('maxUnavailable slots are replaced at once', () => {
  const h = start(COOPERATIVE, { count: 3, reload: { maxUnavailable: 2 } })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  assert.equal(h.pool.processes.slice(3).map((p) => p.input.slotId), ['slot-0', 'slot-1'])
  listen(h.pool.get('slot-1', 2))
  assert.equal(h.pool.processes.slice(3).map((p) => p.input.slotId), ['slot-0', 'slot-1', 'slot-2'])
})

reload('a new version that fails to start stops the reload; the old worker keeps serving', () => {
  const h = start(COOPERATIVE, { count: 2 })
  h.pool.behaviour = CRASHING_ON_START
  h.actor.send({ type: 'reload' })
  assert.is(h.actor.getSnapshot().value, 'running')
  assert.equal(h.emittedOf('reload.failed'), [{
    type: 'reload.failed',
    generation: 1,
    reason: 'reload to generation 1 failed: slot-0: new worker failed to start: exited with code 1',
  }])
  assert.equal(h.pool.get('slot-0', 1).commands, [{ type: 'accept' }], 'old worker untouched')
  assert.is(h.pool.processes.filter((p) => p.input.slotId === 'slot-1').length, 1, 'remaining slots untouched')
  assert.equal(h.workers().map((w) => [w.slotId, w.childId, w.value, w.context.generation]), [
    ['slot-0', 'worker-1', 'listening', 0], ['slot-1', 'worker-1', 'listening', 0],
  ])
  assert.is(h.emittedOf('worker.restart').length, 0, 'a failed candidate is not restarted')
  assert.is(h.actor.getSnapshot().context.restarts, 0, 'nor does it spend the budget')
})

reload('a new version that never listens fails the reload at the start timeout', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  h.clock.increment(1000)
  assert.equal(h.emittedOf('reload.failed').map((e) => e.reason), [
    'reload to generation 1 failed: slot-0: new worker failed to start: start timeout after 1000ms; exited with signal SIGTERM',
  ])
  assert.equal(h.workers().map((w) => [w.childId, w.value]), [['worker-1', 'listening']])
})

reload('after a failed reload, a crash restarts the old generation', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.behaviour = CRASHING_ON_START
  h.actor.send({ type: 'reload' })
  h.pool.behaviour = COOPERATIVE
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 1, signal: null })
  h.clock.increment(100)
  assert.is(h.pool.get('slot-0', 3).input.generation, 0)
})

reload('a reload while reloading or stopping is refused with a reason', () => {
  const h = start({ onStart: COOPERATIVE.onStart }, { count: 1 })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  h.actor.send({ type: 'reload' })
  h.actor.send({ type: 'stop', reason: 'bye' })
  h.actor.send({ type: 'reload' })
  assert.equal(h.emittedOf('reload.failed'), [
    { type: 'reload.failed', reason: 'reload refused: a reload is already in progress', generation: null },
    { type: 'reload.failed', reason: 'reload refused: the supervisor is stopping', generation: null },
  ])
})

reload('the owner may name the generation to roll out, but never an older one', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.actor.send({ type: 'reload', generation: 5 })
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 5 }])
  assert.is(h.pool.get('slot-0', 2).input.generation, 5)
  h.actor.send({ type: 'reload', generation: 5 })
  assert.equal(h.emittedOf('reload.failed'), [
    { type: 'reload.failed', reason: 'reload refused: generation 5 is not newer than the current generation 5', generation: null },
  ])
  assert.is(h.pool.processes.length, 2)
})

reload('a slot in backoff takes the new generation for its next start', () => {
  const h = start(COOPERATIVE, { count: 2 })
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 1, signal: null })
  h.actor.send({ type: 'reload' })
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 1 }])
  h.clock.increment(100)
  assert.is(h.pool.get('slot-0', 2).input.generation, 1)
})

reload('a reload reaching a starting slot waits until its worker listens', () => {
  const h = start(NEVER_LISTENING, { count: 1 })
  h.actor.send({ type: 'reload' })
  assert.is(h.pool.processes.length, 1)
  h.pool.behaviour = COOPERATIVE
  listen(h.pool.get('slot-0', 1))
  assert.is(h.pool.get('slot-0', 2).input.generation, 1)
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 1 }])
})

reload('a reload waiting for a starting worker that then crashes completes with the next start', () => {
  const h = start(NEVER_LISTENING, { count: 1 })
  h.actor.send({ type: 'reload' })
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 1, signal: null })
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 1 }])
  h.clock.increment(100)
  assert.is(h.pool.get('slot-0', 2).input.generation, 1)
})

reload('a reload waiting for a temporary worker that then exits completes at once', () => {
  const h = start(NEVER_LISTENING, { count: 1, policy: { ...TEST_POLICY, type: 'temporary' } })
  h.actor.send({ type: 'reload' })
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 0, signal: null })
  assert.is(h.slot('slot-0').value, 'idle')
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 1 }])
})

reload.run()

// ---

const health = suite('unhealthy workers')
health.after.each(cleanup)

health('a worker over its memory limit is replaced new-first, then drained', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.behaviour = NEVER_LISTENING
  h.pool.get('slot-0', 1).send({ type: 'process.heartbeat', sample: { rss: 5000, heapUsed: 1 } })
  assert.equal(h.emittedOf('worker.replace'), [
    { type: 'worker.replace', slotId: 'slot-0', reason: 'memory: rss 5000 bytes over the limit of 1000 bytes' },
  ])
  assert.equal(h.pool.get('slot-0', 1).commands, [{ type: 'accept' }])
  listen(h.pool.get('slot-0', 2))
  assert.equal(h.pool.get('slot-0', 1).commands, [{ type: 'accept' }, { type: 'drain' }, { type: 'disconnect' }])
  assert.equal(h.workers().map((w) => [w.childId, w.role, w.value]), [['worker-2', 'serving', 'listening']])
})

health('a hung worker is killed and a replacement started at once', () => {
  const h = start(COOPERATIVE, { count: 1 })
  const hung = h.pool.get('slot-0', 1)
  for (let i = 0; i < 3; i++) hung.send({ type: 'process.heartbeatMissed' })
  assert.equal(hung.commands, [{ type: 'accept' }, { type: 'signal', signal: 'SIGKILL' }])
  assert.equal(h.emittedOf('worker.replace'), [
    { type: 'worker.replace', slotId: 'slot-0', reason: 'hung: 3 heartbeats missed in a row (limit 3)' },
  ])
  const [exit] = h.emittedOf('worker.exit')
  assert.is(exit?.reason, 'kill requested: hung: 3 heartbeats missed in a row (limit 3); exited with signal SIGKILL')
  assert.is(exit?.expected, true)
  assert.equal(h.workers().map((w) => [w.childId, w.value]), [['worker-2', 'listening']])
  assert.is(h.emittedOf('worker.restart').length, 0)
})

health('a worker that hangs every time spends the restart budget, and the supervisor fails', () => {
  const h = start(COOPERATIVE, { count: 1 })
  const { maxRestarts, period } = TEST_POLICY
  for (let incarnation = 1; incarnation <= maxRestarts + 1; incarnation++) {
    const hung = h.pool.get('slot-0', incarnation)
    for (let i = 0; i < 3; i++) hung.send({ type: 'process.heartbeatMissed' })
  }
  assert.is(h.emittedOf('worker.replace').length, maxRestarts + 1)
  assert.ok(['failing', 'failed'].includes(String(h.actor.getSnapshot().value)))
  h.clock.increment(1_000)
  assert.is(h.actor.getSnapshot().value, 'failed')
  const [failed] = h.emittedOf('failed')
  assert.is(failed?.slotId, 'slot-0')
  assert.match(failed!.reason, new RegExp(`^restart budget spent: slot-0 ended \\(hung: 3 heartbeats missed in a row \\(limit 3\\)\\) after ${maxRestarts} restarts within ${period}ms`))
})

health('a hung worker whose kill is not seen leaves the replacement serving', () => {
  const h = start({ onStart: COOPERATIVE.onStart }, { count: 1 })
  const hung = h.pool.get('slot-0', 1)
  for (let i = 0; i < 3; i++) hung.send({ type: 'process.heartbeatMissed' })
  assert.equal(h.workers().map((w) => [w.childId, w.role, w.value]), [
    ['worker-2', 'serving', 'listening'],
    ['worker-1', 'retiring', { disconnecting: 'killing' }],
  ])
  h.clock.increment(400)
  assert.equal(h.workers().map((w) => w.childId), ['worker-2'])
})

health.run()
