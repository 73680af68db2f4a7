import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { getShortestPaths, getSimplePaths } from 'xstate/graph'
import type { EventFromLogic } from 'xstate'
import { workerMachine } from '../../../machines/worker/worker.js'
import { START_TIMEOUT_EVENT } from '../../../machines/worker/worker-setup.js'
import type { ProcessEvent } from '../../../machines/types.js'
import { startWorkerHarness, TEST_TIMEOUTS, TEST_WORKER_INPUT } from '../helpers/worker-harness.js'
import type { WorkerHarness } from '../helpers/worker-harness.js'
import { createFakeProcessPool } from '../helpers/fake-process.js'

type WorkerEvent = EventFromLogic<typeof workerMachine>

/** Every event the worker accepts, with payloads; delayed transitions appear as their after-events. */
const EVENTS = [
  { type: 'process.fork', pid: 4242, workerId: 7 },
  { type: 'process.online' },
  { type: 'process.listening', address: '127.0.0.1:3000' },
  { type: 'process.ready' },
  { type: 'process.disconnect' },
  { type: 'process.exit', code: 1, signal: null },
  { type: 'process.exit', code: null, signal: 'SIGKILL' },
  { type: 'process.drained' },
  { type: 'process.heartbeat', sample: { rss: 2000, heapUsed: 100 } },
  { type: 'process.heartbeatMissed' },
  { type: 'process.error', message: 'channel closed' },
  { type: 'stop', reason: 'path test' },
  { type: 'kill', reason: 'path test' },
  { type: START_TIMEOUT_EVENT },
  { type: 'xstate.after.drain.worker.disconnecting.draining' },
  { type: 'xstate.after.disconnect.worker.disconnecting.closing' },
  { type: 'xstate.after.terminate.worker.disconnecting.terminating' },
  { type: 'xstate.after.kill.worker.disconnecting.killing' },
] as unknown as WorkerEvent[]

/** How long to advance the simulated clock to fire a delayed event. */
const DELAY_OF: Record<string, number> = {
  [START_TIMEOUT_EVENT]: TEST_TIMEOUTS.start,
  'xstate.after.drain.worker.disconnecting.draining': TEST_TIMEOUTS.drain,
  'xstate.after.disconnect.worker.disconnecting.closing': TEST_TIMEOUTS.disconnect,
  'xstate.after.terminate.worker.disconnecting.terminating': TEST_TIMEOUTS.terminate,
  'xstate.after.kill.worker.disconnecting.killing': TEST_TIMEOUTS.kill,
}

const ALL_STATES = [
  'forking',
  'online',
  'listening',
  'exited',
  '{"disconnecting":"draining"}',
  '{"disconnecting":"closing"}',
  '{"disconnecting":"terminating"}',
  '{"disconnecting":"killing"}',
].map((s) => (s.startsWith('{') ? s : JSON.stringify(s)))

// The traversal runs the machine without a parent, so the two sendParent effects become no-ops there;
// the replay below runs the real machine under a parent.
const traversed = workerMachine.provide({ actions: { notifyListening: () => {}, notifyUnhealthy: () => {} } })
const options = {
  events: EVENTS,
  input: TEST_WORKER_INPUT,
  serializeState: (s: { value: unknown }) => JSON.stringify(s.value),
  // `machine.transition()` still applies root handlers to a finished snapshot; a live actor does not.
  stopWhen: (s: { status: string }) => s.status === 'done',
}

/** Plays one event against a running harness the way the real world would deliver it. */
function play(h: WorkerHarness, event: WorkerEvent): void {
  const delay = DELAY_OF[event.type]
  if (delay !== undefined) h.clock.increment(delay)
  else if (event.type.startsWith('process.')) h.process().send(event as ProcessEvent)
  else h.worker().send(event)
}

const pool = createFakeProcessPool()

function replay(steps: Array<{ state: { value: unknown }; event: WorkerEvent }>): string[] {
  pool.processes.length = 0
  const h = startWorkerHarness(pool)
  const reached: string[] = []
  try {
    for (const [index, step] of steps.entries()) {
      if (index > 0) play(h, step.event)
      const value = JSON.stringify(h.snapshot().value)
      assert.is(
        value,
        JSON.stringify(step.state.value),
        `after ${steps
          .slice(1, index + 1)
          .map((s) => s.event.type)
          .join(' → ')}`,
      )
      reached.push(value)
    }
    if (h.snapshot().value === 'exited') {
      const output = h.output()
      assert.ok(output, 'an exited worker has an output')
      assert.is(output.startFailed, !h.snapshot().context.hasListened && !output.expected)
      assert.ok(output.reason.length > 0)
      assert.ok(h.process().isStopped, 'the process actor is stopped once the worker exits')
    }
  } finally {
    h.stop()
  }
  return reached
}

const paths = suite('worker paths')

paths('the shortest path to every state replays against the real machine', () => {
  const shortest = getShortestPaths(traversed, options)
  const reached = new Set(shortest.flatMap((path) => replay(path.steps)))
  assert.equal([...reached].sort(), [...ALL_STATES].sort())
})

paths('every simple path replays against the real machine and reaches every state', () => {
  const simple = getSimplePaths(traversed, options)
  assert.ok(simple.length > 100, `expected many simple paths, got ${simple.length}`)
  const reached = new Set<string>()
  for (const path of simple) for (const value of replay(path.steps)) reached.add(value)
  assert.equal([...reached].sort(), [...ALL_STATES].sort())
})

paths.run()
