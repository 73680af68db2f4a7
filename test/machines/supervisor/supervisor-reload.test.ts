import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { COOPERATIVE, CRASHING_ON_START, NEVER_LISTENING } from '../helpers/fake-process.js'
import type { FakeProcess } from '../helpers/fake-process.js'
import { createHarnessPool, TEST_POLICY } from '../helpers/supervisor-harness.js'
import type { SupervisorHarness } from '../helpers/supervisor-harness.js'

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
  assert.equal(
    h.emittedOf('worker.replace').map((e) => [e.slotId, e.reason]),
    [
      ['slot-0', 'reload to generation 1'],
      ['slot-1', 'reload to generation 1'],
      ['slot-2', 'reload to generation 1'],
    ],
  )
  assert.ok(h.emittedOf('worker.exit').every((e) => e.expected && e.generation === 0))
  assert.equal(
    h.workers().map((w) => [w.slotId, w.childId, w.context.generation]),
    [
      ['slot-0', 'worker-2', 1],
      ['slot-1', 'worker-2', 1],
      ['slot-2', 'worker-2', 1],
    ],
  )
})

reload('maxUnavailable slots are replaced at once', () => {
  const h = start(COOPERATIVE, { count: 3, reload: { maxUnavailable: 2 } })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  assert.equal(
    h.pool.processes.slice(3).map((p) => p.input.slotId),
    ['slot-0', 'slot-1'],
  )
  listen(h.pool.get('slot-1', 2))
  assert.equal(
    h.pool.processes.slice(3).map((p) => p.input.slotId),
    ['slot-0', 'slot-1', 'slot-2'],
  )
})

reload('a new version that fails to start stops the reload; the old worker keeps serving', () => {
  const h = start(COOPERATIVE, { count: 2 })
  h.pool.behaviour = CRASHING_ON_START
  h.actor.send({ type: 'reload' })
  assert.is(h.actor.getSnapshot().value, 'running')
  assert.equal(h.emittedOf('reload.failed'), [
    {
      type: 'reload.failed',
      generation: 1,
      reason: 'reload to generation 1 failed: slot-0: new worker failed to start: exited with code 1',
      generations: { 'slot-0': 0, 'slot-1': 0 },
    },
  ])
  assert.equal(h.pool.get('slot-0', 1).commands, [{ type: 'accept' }], 'old worker untouched')
  assert.is(h.pool.processes.filter((p) => p.input.slotId === 'slot-1').length, 1, 'remaining slots untouched')
  assert.equal(
    h.workers().map((w) => [w.slotId, w.childId, w.value, w.context.generation]),
    [
      ['slot-0', 'worker-1', 'listening', 0],
      ['slot-1', 'worker-1', 'listening', 0],
    ],
  )
  assert.is(h.emittedOf('worker.restart').length, 0, 'a failed candidate is not restarted')
  assert.is(h.actor.getSnapshot().context.restarts, 0, 'nor does it spend the budget')
})

reload('a new version that never listens fails the reload at the start timeout', () => {
  const h = start(COOPERATIVE, { count: 1 })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  h.clock.increment(1000)
  assert.equal(
    h.emittedOf('reload.failed').map((e) => e.reason),
    ['reload to generation 1 failed: slot-0: new worker failed to start: start timeout after 1000ms; exited with signal SIGTERM'],
  )
  assert.equal(
    h.workers().map((w) => [w.childId, w.value]),
    [['worker-1', 'listening']],
  )
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

reload('a reload while reloading or stopping is refused with a reason; a stop ends the reload it interrupts', () => {
  const h = start({ onStart: COOPERATIVE.onStart }, { count: 1 })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  h.actor.send({ type: 'reload' })
  h.actor.send({ type: 'stop', reason: 'bye' })
  h.actor.send({ type: 'reload' })
  assert.equal(h.emittedOf('reload.failed'), [
    { type: 'reload.failed', reason: 'reload refused: a reload is already in progress', generation: null },
    { type: 'reload.failed', reason: 'reload to generation 1 interrupted: stop requested: bye', generation: 1 },
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

reload('a temporary replacement that takes over from a dead worker and then fails to start does not leave the reload waiting', () => {
  const h = start(COOPERATIVE, { count: 2, policy: { ...TEST_POLICY, type: 'temporary' } })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  h.pool.get('slot-0', 1).send({ type: 'process.exit', code: 0, signal: null })
  h.pool.behaviour = COOPERATIVE
  h.clock.increment(1000)
  assert.is(h.slot('slot-0').value, 'idle')
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 1 }])
  assert.equal(
    h.workers().map((w) => [w.slotId, w.childId, w.context.generation]),
    [['slot-1', 'worker-2', 1]],
  )
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
  assert.equal(
    h.workers().map((w) => [w.childId, w.role, w.value]),
    [['worker-2', 'serving', 'listening']],
  )
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
  assert.equal(
    h.workers().map((w) => [w.childId, w.value]),
    [['worker-2', 'listening']],
  )
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
  assert.match(
    failed!.reason,
    new RegExp(
      `^restart budget spent: slot-0 replaced a hung worker \\(hung: 3 heartbeats missed in a row \\(limit 3\\)\\) after ${maxRestarts} restarts within ${period}ms`,
    ),
  )
})

health('a hung worker whose kill is not seen leaves the replacement serving', () => {
  const h = start({ onStart: COOPERATIVE.onStart }, { count: 1 })
  const hung = h.pool.get('slot-0', 1)
  for (let i = 0; i < 3; i++) hung.send({ type: 'process.heartbeatMissed' })
  assert.equal(
    h.workers().map((w) => [w.childId, w.role, w.value]),
    [
      ['worker-2', 'serving', 'listening'],
      ['worker-1', 'retiring', { disconnecting: 'killing' }],
    ],
  )
  h.clock.increment(400)
  assert.equal(
    h.workers().map((w) => w.childId),
    ['worker-2'],
  )
})

health.run()

// ---

const rollback = suite('failed rolling reload')
rollback.after.each(cleanup)

const crash = (p: FakeProcess) => p.send({ type: 'process.exit', code: 1, signal: null })

/** Four slots serving generation 0; the replacements the reload forks wait for the test to listen or crash them. */
function startReload(maxUnavailable: number): SupervisorHarness {
  const h = start(COOPERATIVE, { count: 4, reload: { maxUnavailable } })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  return h
}
/** Slot id, incarnation and generation of every fork after the first four, in fork order. */
function forksAfterStart(h: SupervisorHarness): Array<[string, number, number]> {
  return h.pool.processes.slice(4).map((p) => [p.input.slotId, p.input.incarnation, p.input.generation])
}
/** Slot id, child id, role, state and generation of every live worker. */
function describeWorkers(h: SupervisorHarness): unknown[] {
  return h.workers().map((w) => [w.slotId, w.childId, w.role, w.value, w.context.generation])
}
/** Every slot serves one listening worker of `generation` and will restart on it; nothing else runs. */
function assertAllOn(h: SupervisorHarness, generation: number): void {
  assert.is(h.actor.getSnapshot().value, 'running')
  for (const slotId of h.actor.getSnapshot().context.slots) assert.is(h.slot(slotId).context.generation, generation, slotId)
  assert.ok(
    h.workers().every((w) => w.role === 'serving' && w.value === 'listening' && w.context.generation === generation),
    JSON.stringify(describeWorkers(h)),
  )
  assert.is(h.workers().length, 4)
}
const ALL_ON_0 = { 'slot-0': 0, 'slot-1': 0, 'slot-2': 0, 'slot-3': 0 }

rollback('maxUnavailable 2: the first replacement fails while the second starts; the second is cancelled and no slot moves', () => {
  const h = startReload(2)
  assert.equal(forksAfterStart(h), [
    ['slot-0', 2, 1],
    ['slot-1', 2, 1],
  ])
  crash(h.pool.get('slot-0', 2))
  assert.equal(h.pool.get('slot-1', 2).commands, [{ type: 'disconnect' }], 'the replacement still starting is stopped')
  assertAllOn(h, 0)
  assert.equal(
    forksAfterStart(h),
    [
      ['slot-0', 2, 1],
      ['slot-1', 2, 1],
    ],
    'nothing else was forked',
  )
  for (const slotId of ['slot-0', 'slot-1', 'slot-2', 'slot-3'])
    assert.equal(h.pool.get(slotId, 1).commands, [{ type: 'accept' }], `${slotId} kept serving`)
  assert.equal(h.emittedOf('reload.failed'), [
    {
      type: 'reload.failed',
      generation: 1,
      reason: 'reload to generation 1 failed: slot-0: new worker failed to start: exited with code 1; rolled back slot-1 to generation 0',
      generations: ALL_ON_0,
    },
  ])
  assert.equal(
    h.emittedOf('worker.exit').map((e) => [e.slotId, e.incarnation, e.generation, e.expected, e.startFailed, e.reason]),
    [
      ['slot-0', 2, 1, false, true, 'exited with code 1'],
      [
        'slot-1',
        2,
        1,
        true,
        false,
        'stop requested: rollback to generation 0 (reload to generation 1 failed): worker-2 (generation 1) cancelled; exited with code 0',
      ],
    ],
  )
  assert.is(h.emittedOf('reload.done').length, 0)
})

rollback('maxUnavailable 2: the second replacement fails after the first took over; the first is replaced back new-first', () => {
  const h = startReload(2)
  listen(h.pool.get('slot-0', 2))
  assert.equal(forksAfterStart(h), [
    ['slot-0', 2, 1],
    ['slot-1', 2, 1],
    ['slot-2', 2, 1],
  ])
  crash(h.pool.get('slot-1', 2))
  assert.is(h.actor.getSnapshot().value, 'rollingBack')
  // slot-1, whose replacement failed, answers last: it was still handling that failure.
  assert.is(h.actor.getSnapshot().context.reason, 'slot-1 back on generation 0 (1 slot left)')
  assert.equal(h.pool.get('slot-2', 2).commands, [{ type: 'disconnect' }], 'the replacement still starting is stopped')
  assert.equal(forksAfterStart(h).at(-1), ['slot-0', 3, 0], 'slot-0 gets a generation 0 worker')
  assert.equal(h.pool.get('slot-0', 2).commands, [{ type: 'accept' }], 'the generation 1 worker serves until it is listening')
  assert.equal(h.emittedOf('reload.failed'), [], 'reported once the rollback is over')
  listen(h.pool.get('slot-0', 3))
  assert.equal(h.pool.get('slot-0', 2).commands, [{ type: 'accept' }, { type: 'drain' }, { type: 'disconnect' }])
  assertAllOn(h, 0)
  assert.equal(h.emittedOf('reload.failed'), [
    {
      type: 'reload.failed',
      generation: 1,
      reason:
        'reload to generation 1 failed: slot-1: new worker failed to start: exited with code 1; rolled back slot-0, slot-2 to generation 0',
      generations: ALL_ON_0,
    },
  ])
  assert.equal(
    h
      .emittedOf('worker.replace')
      .map((e) => [e.slotId, e.reason])
      .slice(3),
    [['slot-0', 'rollback to generation 0 (reload to generation 1 failed)']],
  )
  assert.equal(h.pool.get('slot-3', 1).commands, [{ type: 'accept' }], 'a slot the reload never reached is left alone')
  assert.is(h.pool.processes.filter((p) => p.input.slotId === 'slot-3').length, 1)
})

rollback('maxUnavailable 2: the last replacement fails; the three replaced slots go back two at a time', () => {
  const h = startReload(2)
  listen(h.pool.get('slot-0', 2))
  listen(h.pool.get('slot-1', 2))
  listen(h.pool.get('slot-2', 2))
  assert.equal(h.slot('slot-3').context.candidateGeneration, 1)
  crash(h.pool.get('slot-3', 2))
  assert.equal(
    forksAfterStart(h).slice(4),
    [
      ['slot-0', 3, 0],
      ['slot-1', 3, 0],
    ],
    'two at a time',
  )
  listen(h.pool.get('slot-1', 3))
  assert.equal(forksAfterStart(h).slice(6), [['slot-2', 3, 0]])
  assert.is(h.actor.getSnapshot().value, 'rollingBack')
  listen(h.pool.get('slot-0', 3))
  listen(h.pool.get('slot-2', 3))
  assertAllOn(h, 0)
  assert.equal(
    h.emittedOf('reload.failed').map((e) => [e.reason, e.generations]),
    [
      [
        'reload to generation 1 failed: slot-3: new worker failed to start: exited with code 1; rolled back slot-0, slot-1, slot-2 to generation 0',
        ALL_ON_0,
      ],
    ],
  )
})

rollback('maxUnavailable 3: the first replacement fails while two others start; both are cancelled', () => {
  const h = startReload(3)
  assert.equal(forksAfterStart(h), [
    ['slot-0', 2, 1],
    ['slot-1', 2, 1],
    ['slot-2', 2, 1],
  ])
  crash(h.pool.get('slot-0', 2))
  assert.equal([h.pool.get('slot-1', 2).commands, h.pool.get('slot-2', 2).commands], [[{ type: 'disconnect' }], [{ type: 'disconnect' }]])
  assertAllOn(h, 0)
  assert.is(h.pool.processes.length, 7, 'no generation 0 worker had to be started again')
  assert.equal(
    h.emittedOf('reload.failed').map((e) => e.reason),
    ['reload to generation 1 failed: slot-0: new worker failed to start: exited with code 1; rolled back slot-1, slot-2 to generation 0'],
  )
})

rollback('maxUnavailable 3: the second replacement fails with one slot replaced and two still starting', () => {
  const h = startReload(3)
  listen(h.pool.get('slot-0', 2))
  assert.equal(forksAfterStart(h), [
    ['slot-0', 2, 1],
    ['slot-1', 2, 1],
    ['slot-2', 2, 1],
    ['slot-3', 2, 1],
  ])
  h.pool.behaviour = COOPERATIVE
  crash(h.pool.get('slot-1', 2))
  assert.equal([h.pool.get('slot-2', 2).commands, h.pool.get('slot-3', 2).commands], [[{ type: 'disconnect' }], [{ type: 'disconnect' }]])
  assert.equal(forksAfterStart(h).slice(4), [['slot-0', 3, 0]])
  assertAllOn(h, 0)
  assert.equal(
    h.emittedOf('reload.failed').map((e) => [e.reason, e.generations]),
    [
      [
        'reload to generation 1 failed: slot-1: new worker failed to start: exited with code 1; rolled back slot-0, slot-2, slot-3 to generation 0',
        ALL_ON_0,
      ],
    ],
  )
})

rollback('maxUnavailable 3: the last replacement fails; the three others go back at once', () => {
  const h = startReload(3)
  for (const slotId of ['slot-0', 'slot-1', 'slot-2']) listen(h.pool.get(slotId, 2))
  crash(h.pool.get('slot-3', 2))
  assert.equal(forksAfterStart(h).slice(4), [
    ['slot-0', 3, 0],
    ['slot-1', 3, 0],
    ['slot-2', 3, 0],
  ])
  for (const slotId of ['slot-2', 'slot-0', 'slot-1']) listen(h.pool.get(slotId, 3))
  assertAllOn(h, 0)
  assert.is(h.emittedOf('reload.failed').length, 1)
})

rollback('a replacement that misses its start timeout fails the reload and rolls back the same way', () => {
  const h = startReload(2)
  h.clock.increment(500)
  listen(h.pool.get('slot-0', 2))
  h.pool.behaviour = COOPERATIVE
  h.clock.increment(500)
  assertAllOn(h, 0)
  assert.equal(
    h.emittedOf('reload.failed').map((e) => e.reason),
    [
      'reload to generation 1 failed: slot-1: new worker failed to start: start timeout after 1000ms; exited with signal SIGTERM; rolled back slot-0, slot-2 to generation 0',
    ],
  )
})

rollback('a reload is refused while a failed one rolls back', () => {
  const h = startReload(2)
  listen(h.pool.get('slot-0', 2))
  crash(h.pool.get('slot-1', 2))
  h.actor.send({ type: 'reload' })
  assert.equal(h.emittedOf('reload.failed'), [
    { type: 'reload.failed', reason: 'reload refused: a failed reload is rolling back', generation: null },
  ])
  listen(h.pool.get('slot-0', 3))
  assertAllOn(h, 0)
})

rollback('the next reload after a rollback rolls out from every slot on the old generation', () => {
  const newest = (slotId: string) => h.pool.processes.findLast((p) => p.input.slotId === slotId)!
  const h = startReload(2)
  listen(h.pool.get('slot-0', 2))
  h.pool.behaviour = COOPERATIVE
  crash(h.pool.get('slot-1', 2))
  assertAllOn(h, 0)
  h.actor.send({ type: 'reload' })
  assertAllOn(h, 2)
  assert.equal(h.emittedOf('reload.done'), [{ type: 'reload.done', generation: 2 }])
  // A third reload that fails goes back to generation 2, the last one that completed.
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  listen(newest('slot-0'))
  h.pool.behaviour = COOPERATIVE
  crash(newest('slot-1'))
  assertAllOn(h, 2)
  assert.equal(h.emittedOf('reload.failed').at(-1)?.generations, { 'slot-0': 2, 'slot-1': 2, 'slot-2': 2, 'slot-3': 2 })
})

rollback('a slot whose old generation fails to start too stays on the new one, and the event says which', () => {
  const h = startReload(2)
  listen(h.pool.get('slot-0', 2))
  h.pool.behaviour = CRASHING_ON_START
  crash(h.pool.get('slot-1', 2))
  assert.equal(forksAfterStart(h).slice(3), [['slot-0', 3, 0]])
  assert.equal(h.emittedOf('reload.failed'), [
    {
      type: 'reload.failed',
      generation: 1,
      reason:
        'reload to generation 1 failed: slot-1: new worker failed to start: exited with code 1; rolled back slot-2 to generation 0; ' +
        'rollback incomplete: slot-0 stays on generation 1 (its generation 0 worker failed to start: exited with code 1)',
      generations: { 'slot-0': 1, 'slot-1': 0, 'slot-2': 0, 'slot-3': 0 },
    },
  ])
  assert.is(h.actor.getSnapshot().value, 'running')
  assert.equal(describeWorkers(h), [
    ['slot-0', 'worker-2', 'serving', 'listening', 1],
    ['slot-1', 'worker-1', 'serving', 'listening', 0],
    ['slot-2', 'worker-1', 'serving', 'listening', 0],
    ['slot-3', 'worker-1', 'serving', 'listening', 0],
  ])
  assert.is(h.actor.getSnapshot().context.restarts, 0)
})

rollback('neither failed replacements nor rollbacks spend the restart budget', () => {
  const h = startReload(3)
  h.pool.behaviour = COOPERATIVE
  listen(h.pool.get('slot-0', 2))
  listen(h.pool.get('slot-1', 2))
  crash(h.pool.get('slot-2', 2))
  assertAllOn(h, 0)
  assert.is(h.actor.getSnapshot().context.restarts, 0)
  assert.is(h.emittedOf('worker.restart').length, 0)
})

rollback('a crash during the rollback is restarted under the budget, on the old generation', () => {
  const h = startReload(2)
  listen(h.pool.get('slot-0', 2))
  crash(h.pool.get('slot-1', 2))
  // slot-0's generation 0 worker is starting; slot-3, never reached, crashes meanwhile.
  h.pool.behaviour = COOPERATIVE
  crash(h.pool.get('slot-3', 1))
  assert.is(h.actor.getSnapshot().value, 'rollingBack')
  assert.is(h.actor.getSnapshot().context.restarts, 1)
  h.clock.increment(100)
  assert.equal(forksAfterStart(h).at(-1), ['slot-3', 2, 0])
  // slot-0's generation 1 worker crashes before its replacement listens: the replacement takes over.
  crash(h.pool.get('slot-0', 2))
  assert.is(h.actor.getSnapshot().context.restarts, 1, 'a handover is no restart')
  listen(h.pool.get('slot-0', 3))
  assertAllOn(h, 0)
  assert.equal(
    h.emittedOf('worker.restart').map((e) => e.slotId),
    ['slot-3'],
  )
  assert.is(h.emittedOf('reload.failed').length, 1)
})

rollback('a spent budget during the rollback fails the supervisor as ever', () => {
  const h = start(COOPERATIVE, { count: 4, reload: { maxUnavailable: 2 }, policy: { ...TEST_POLICY, maxRestarts: 1 } })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  listen(h.pool.get('slot-0', 2))
  crash(h.pool.get('slot-1', 2))
  crash(h.pool.get('slot-3', 1))
  crash(h.pool.get('slot-2', 1))
  assert.ok(['failing', 'failed'].includes(String(h.actor.getSnapshot().value)))
  assert.match(
    h.actor.getSnapshot().context.reason,
    /^restart budget spent: slot-2 failed to start \(exited with code 1\) after 1 restart within 10000ms/,
  )
  const [interrupted, ...others] = h.emittedOf('reload.failed')
  assert.equal(others, [], 'reload.failed once')
  assert.is(interrupted?.generation, 1)
  assert.is(interrupted?.generations, undefined, 'every slot is stopping')
  assert.match(
    interrupted!.reason,
    /^reload to generation 1 failed: slot-1: new worker failed to start: exited with code 1; its rollback was interrupted: restart budget spent: slot-2 failed to start/,
  )
})

rollback('a spent budget during a reload ends the reload too, and says so once', () => {
  const h = start(COOPERATIVE, { count: 4, reload: { maxUnavailable: 2 }, policy: { ...TEST_POLICY, maxRestarts: 0 } })
  h.pool.behaviour = NEVER_LISTENING
  h.actor.send({ type: 'reload' })
  crash(h.pool.get('slot-3', 1))
  assert.ok(['failing', 'failed'].includes(String(h.actor.getSnapshot().value)))
  assert.equal(
    h.emittedOf('reload.failed').map((e) => [e.generation, e.reason]),
    [
      [
        1,
        'reload to generation 1 interrupted: restart budget spent: slot-3 failed to start (exited with code 1) after 0 restarts within 10000ms (restart.maxRestarts 0)',
      ],
    ],
  )
})

rollback('a stop during the rollback stops every worker, old and new', () => {
  const h = startReload(2)
  listen(h.pool.get('slot-0', 2))
  crash(h.pool.get('slot-1', 2))
  h.actor.send({ type: 'stop', reason: 'bye' })
  h.clock.increment(1000)
  h.clock.increment(1000)
  assert.is(h.actor.getSnapshot().value, 'stopped')
  assert.ok(h.pool.processes.every((p) => p.isStopped))
  assert.equal(
    h.emittedOf('reload.failed').map((e) => e.reason),
    [
      'reload to generation 1 failed: slot-1: new worker failed to start: exited with code 1; its rollback was interrupted: stop requested: bye',
    ],
  )
})

rollback.run()
