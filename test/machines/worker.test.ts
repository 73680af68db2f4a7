import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { COOPERATIVE, NEVER_LISTENING, sendFork } from './helpers/fake-process.js'
import { startWorkerHarness } from './helpers/worker-harness.js'
import type { WorkerHarness } from './helpers/worker-harness.js'

const harnesses: WorkerHarness[] = []
function start(...args: Parameters<typeof startWorkerHarness>): WorkerHarness {
  const h = startWorkerHarness(...args)
  harnesses.push(h)
  return h
}

const lifecycle = suite('worker lifecycle')
lifecycle.after.each(() => {
  for (const h of harnesses.splice(0)) h.stop()
})

lifecycle('starts, listens, then stops gracefully: drain, disconnect, exit 0', () => {
  const h = start(COOPERATIVE)
  assert.is(h.snapshot().value, 'listening')
  assert.equal(h.parentEvents, [{ type: 'worker.listening', slotId: 's0', incarnation: 1, pid: h.snapshot().context.pid, workerId: h.snapshot().context.workerId }])
  h.worker().send({ type: 'stop', reason: 'test over' })
  assert.is(h.snapshot().value, 'exited')
  assert.equal(h.process().commands, [{ type: 'accept' }, { type: 'drain' }, { type: 'disconnect' }])
  assert.equal(h.output(), {
    slotId: 's0', incarnation: 1, generation: 0,
    pid: h.snapshot().context.pid, workerId: h.snapshot().context.workerId,
    exit: { code: 0, signal: null },
    reason: 'stop requested: test over; exited with code 0',
    expected: true, startFailed: false,
  })
  assert.ok(h.process().isStopped, 'the process actor is stopped once the worker exits')
})

lifecycle('an exit with code 1 while online is a failed, unexpected start', () => {
  const h = start(NEVER_LISTENING)
  assert.is(h.snapshot().value, 'online')
  h.process().send({ type: 'process.exit', code: 1, signal: null })
  assert.is(h.snapshot().value, 'exited')
  assert.is(h.output()?.reason, 'exited with code 1')
  assert.is(h.output()?.expected, false)
  assert.is(h.output()?.startFailed, true)
})

lifecycle('a SIGKILL exit while listening ends the worker, unexpected and not a failed start', () => {
  const h = start(COOPERATIVE)
  h.process().send({ type: 'process.exit', code: null, signal: 'SIGKILL' })
  assert.equal(h.output()?.exit, { code: null, signal: 'SIGKILL' })
  assert.is(h.output()?.reason, 'exited with signal SIGKILL')
  assert.is(h.output()?.expected, false)
  assert.is(h.output()?.startFailed, false)
})

lifecycle('a worker that ignores disconnect gets SIGTERM, then SIGKILL, then is given up', () => {
  const h = start({ onStart: COOPERATIVE.onStart })
  h.worker().send({ type: 'stop', reason: 'shutdown' })
  assert.equal(h.snapshot().value, { disconnecting: 'draining' })
  h.clock.increment(100)
  assert.equal(h.snapshot().value, { disconnecting: 'closing' })
  assert.is(h.snapshot().context.reason, 'drain timeout after 100ms')
  h.clock.increment(200)
  assert.equal(h.snapshot().value, { disconnecting: 'terminating' })
  assert.is(h.snapshot().context.reason, 'no exit within 200ms of disconnect')
  h.clock.increment(300)
  assert.equal(h.snapshot().value, { disconnecting: 'killing' })
  assert.is(h.snapshot().context.reason, 'no exit within 300ms of SIGTERM')
  assert.equal(h.process().commands, [
    { type: 'accept' }, { type: 'drain' }, { type: 'disconnect' },
    { type: 'signal', signal: 'SIGTERM' }, { type: 'signal', signal: 'SIGKILL' },
  ])
  h.clock.increment(400)
  assert.is(h.snapshot().value, 'exited')
  assert.equal(h.output()?.exit, { code: null, signal: null })
  assert.is(h.output()?.reason, 'stop requested: shutdown; no exit within 400ms of SIGKILL, process given up for lost')
})

lifecycle('a worker that never listens hits the start timeout and gets SIGTERM', () => {
  const h = start({ onStart: NEVER_LISTENING.onStart })
  h.clock.increment(999)
  assert.is(h.snapshot().value, 'online')
  h.clock.increment(1)
  assert.equal(h.snapshot().value, { disconnecting: 'terminating' })
  assert.is(h.snapshot().context.reason, 'start timeout after 1000ms')
  h.process().send({ type: 'process.exit', code: null, signal: 'SIGTERM' })
  assert.is(h.output()?.reason, 'start timeout after 1000ms; exited with signal SIGTERM')
  assert.is(h.output()?.startFailed, true)
  assert.is(h.output()?.expected, false)
})

lifecycle('the start timeout spans forking and online and is cancelled by listening', () => {
  const h = start({ onStart: sendFork })
  h.clock.increment(600)
  h.process().send({ type: 'process.online' })
  h.clock.increment(300)
  h.process().send({ type: 'process.ready' })
  assert.is(h.snapshot().value, 'listening')
  assert.is(h.snapshot().context.reason, 'ready() called')
  h.clock.increment(5000)
  assert.is(h.snapshot().value, 'listening')
})

lifecycle.run()
