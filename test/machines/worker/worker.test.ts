import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { COOPERATIVE, NEVER_LISTENING, sendFork } from '../helpers/fake-process.js'
import { startWorkerHarness } from '../helpers/worker-harness.js'
import type { WorkerHarness } from '../helpers/worker-harness.js'

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
  assert.equal(h.parentEvents, [
    { type: 'worker.listening', slotId: 's0', incarnation: 1, pid: h.snapshot().context.pid, workerId: h.snapshot().context.workerId },
  ])
  h.worker().send({ type: 'stop', reason: 'test over' })
  assert.is(h.snapshot().value, 'exited')
  assert.equal(h.process().commands, [{ type: 'accept' }, { type: 'drain' }, { type: 'disconnect' }])
  assert.equal(h.output(), {
    slotId: 's0',
    incarnation: 1,
    generation: 0,
    pid: h.snapshot().context.pid,
    workerId: h.snapshot().context.workerId,
    exit: { code: 0, signal: null },
    reason: 'stop requested: test over; exited with code 0',
    expected: true,
    startFailed: false,
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
    { type: 'accept' },
    { type: 'drain' },
    { type: 'disconnect' },
    { type: 'signal', signal: 'SIGTERM' },
    { type: 'signal', signal: 'SIGKILL' },
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

lifecycle('a stop before listening skips draining and is not a failed start', () => {
  const h = start({ onStart: NEVER_LISTENING.onStart, onCommand: COOPERATIVE.onCommand })
  h.worker().send({ type: 'stop', reason: 'shutdown' })
  assert.equal(h.process().commands, [{ type: 'disconnect' }])
  assert.is(h.output()?.reason, 'stop requested: shutdown; exited with code 0')
  assert.is(h.output()?.expected, true)
  assert.is(h.output()?.startFailed, false)
})

lifecycle('kill sends SIGKILL at once and marks the exit as requested', () => {
  const h = start(COOPERATIVE)
  h.worker().send({ type: 'kill', reason: 'hung' })
  assert.equal(h.process().commands, [{ type: 'accept' }, { type: 'signal', signal: 'SIGKILL' }])
  assert.equal(h.output()?.exit, { code: null, signal: 'SIGKILL' })
  assert.is(h.output()?.reason, 'kill requested: hung; exited with signal SIGKILL')
  assert.is(h.output()?.expected, true)
})

lifecycle('an IPC channel that closes by itself is awaited without sending disconnect', () => {
  const h = start({ onStart: COOPERATIVE.onStart })
  h.process().send({ type: 'process.disconnect' })
  assert.equal(h.snapshot().value, { disconnecting: 'closing' })
  assert.is(h.snapshot().context.reason, 'IPC channel closed by the worker')
  assert.equal(h.process().commands, [{ type: 'accept' }])
  h.process().send({ type: 'process.exit', code: 0, signal: null })
  assert.is(h.output()?.reason, 'IPC channel closed by the worker; exited with code 0')
  assert.is(h.output()?.expected, false)
})

lifecycle('a stop while already disconnecting marks the end as requested', () => {
  const h = start({ onStart: COOPERATIVE.onStart })
  h.process().send({ type: 'process.disconnect' })
  h.worker().send({ type: 'stop', reason: 'shutdown' })
  h.process().send({ type: 'process.exit', code: 0, signal: null })
  assert.is(h.output()?.expected, true)
})

lifecycle('drained calls move draining on to closing before the drain deadline', () => {
  const h = start({ onStart: COOPERATIVE.onStart })
  h.worker().send({ type: 'stop', reason: 'reload' })
  h.process().send({ type: 'process.drained' })
  assert.equal(h.snapshot().value, { disconnecting: 'closing' })
  assert.is(h.snapshot().context.reason, 'in-flight calls drained')
})

lifecycle('a process error before online kills, then gives the process up when no exit comes', () => {
  const h = start()
  h.process().send({ type: 'process.error', message: 'spawn ENOENT' })
  assert.equal(h.snapshot().value, { disconnecting: 'killing' })
  assert.equal(h.process().commands, [{ type: 'signal', signal: 'SIGKILL' }])
  h.clock.increment(400)
  assert.equal(h.output(), {
    slotId: 's0',
    incarnation: 1,
    generation: 0,
    pid: null,
    workerId: null,
    exit: { code: null, signal: null },
    reason: 'process error: spawn ENOENT; no exit within 400ms of SIGKILL, process given up for lost',
    expected: false,
    startFailed: true,
  })
})

lifecycle('a process error while listening sends SIGTERM', () => {
  const h = start({ onStart: COOPERATIVE.onStart })
  h.process().send({ type: 'process.error', message: 'EPIPE' })
  assert.equal(h.snapshot().value, { disconnecting: 'terminating' })
  assert.is(h.snapshot().context.reason, 'process error: EPIPE')
})

lifecycle('a process actor that throws ends the worker with its message', () => {
  const h = start({
    onStart: () => {
      throw new Error('fork failed: EAGAIN')
    },
  })
  assert.is(h.snapshot().value, 'exited')
  assert.is(h.output()?.reason, 'process actor failed: fork failed: EAGAIN')
  assert.is(h.output()?.startFailed, true)
})

lifecycle('the worker input reaches the process actor with its generation', () => {
  const h = start(COOPERATIVE, { slotId: 'slot-3', incarnation: 4, generation: 2 })
  assert.equal(h.process().input, { slotId: 'slot-3', incarnation: 4, generation: 2 })
})

lifecycle.run()

// ---

const health = suite('worker health')
health.after.each(() => {
  for (const h of harnesses.splice(0)) h.stop()
})

health('missed heartbeats up to the limit report the worker hung, once', () => {
  const h = start(COOPERATIVE)
  h.process().send({ type: 'process.heartbeatMissed' })
  h.process().send({ type: 'process.heartbeatMissed' })
  assert.is(h.parentEvents.length, 1, 'only worker.listening so far')
  h.process().send({ type: 'process.heartbeatMissed' })
  h.process().send({ type: 'process.heartbeatMissed' })
  assert.equal(h.parentEvents.slice(1), [
    { type: 'worker.unhealthy', slotId: 's0', incarnation: 1, reason: 'hung', detail: '3 heartbeats missed in a row (limit 3)' },
  ])
  assert.is(h.snapshot().context.missedHeartbeats, 4)
  assert.is(h.snapshot().value, 'listening', 'the worker does not act alone; its slot decides')
})

health('an answered heartbeat resets the missed count and keeps the sample', () => {
  const h = start(COOPERATIVE)
  h.process().send({ type: 'process.heartbeatMissed' })
  h.process().send({ type: 'process.heartbeatMissed' })
  h.process().send({ type: 'process.heartbeat', sample: { rss: 10, heapUsed: 5 } })
  h.process().send({ type: 'process.heartbeatMissed' })
  h.process().send({ type: 'process.heartbeatMissed' })
  assert.is(h.snapshot().context.missedHeartbeats, 2)
  assert.equal(h.snapshot().context.lastSample, { rss: 10, heapUsed: 5 })
  assert.is(h.parentEvents.length, 1)
})

health('rss over the limit reports the worker for memory, once', () => {
  const h = start(COOPERATIVE)
  h.process().send({ type: 'process.heartbeat', sample: { rss: 1001, heapUsed: 5 } })
  h.process().send({ type: 'process.heartbeat', sample: { rss: 2000, heapUsed: 5 } })
  assert.equal(h.parentEvents.slice(1), [
    { type: 'worker.unhealthy', slotId: 's0', incarnation: 1, reason: 'memory', detail: 'rss 1001 bytes over the limit of 1000 bytes' },
  ])
  assert.is(h.snapshot().context.reason, 'unhealthy (memory): rss 1001 bytes over the limit of 1000 bytes')
})

health('heapUsed over the limit reports the worker for memory', () => {
  const h = start(COOPERATIVE)
  h.process().send({ type: 'process.heartbeat', sample: { rss: 10, heapUsed: 501 } })
  assert.equal(h.parentEvents.slice(1), [
    { type: 'worker.unhealthy', slotId: 's0', incarnation: 1, reason: 'memory', detail: 'heapUsed 501 bytes over the limit of 500 bytes' },
  ])
})

health('no memory limit means no memory report', () => {
  const h = start(COOPERATIVE, { health: { maxMissedHeartbeats: 3 } })
  h.process().send({ type: 'process.heartbeat', sample: { rss: 1e12, heapUsed: 1e12 } })
  assert.is(h.parentEvents.length, 1)
})

health('heartbeats before listening are ignored', () => {
  const h = start(NEVER_LISTENING)
  h.process().send({ type: 'process.heartbeatMissed' })
  h.process().send({ type: 'process.heartbeatMissed' })
  h.process().send({ type: 'process.heartbeatMissed' })
  assert.is(h.snapshot().context.missedHeartbeats, 0)
  assert.equal(h.parentEvents, [])
})

health.run()
