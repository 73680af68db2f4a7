import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createActor, createMachine, fromCallback, SimulatedClock } from 'xstate'
import type { AnyActorRef, EventFromLogic, SnapshotFrom } from 'xstate'
import { getShortestPaths } from 'xstate/graph'
import { slotMachine } from '../../../machines/slot/slot.js'
import type { SlotInput } from '../../../machines/slot/slot-events.js'
import type { WorkerOutput } from '../../../machines/types.js'
import { TEST_POLICY } from '../helpers/supervisor-harness.js'
import { TEST_TIMEOUTS } from '../helpers/worker-harness.js'

type SlotEvent = EventFromLogic<typeof slotMachine>
type SlotSnapshot = SnapshotFrom<typeof slotMachine>

// The slot's decisions are explored alone: each worker is a stub, and the test plays the
// workers' and the supervisor's side by sending their events to the slot.
const stubWorker = fromCallback(() => {})
const withStubs = slotMachine.provide({ actors: { worker: stubWorker as never } })
const NO_PARENT = {
  notifyExit: () => {},
  notifyRestart: () => {},
  notifyReplace: () => {},
  requestRestart: () => {},
  chargeRestart: () => {},
  reportReplaced: () => {},
  reportReplaceFailed: () => {},
}
// The traversal has no parent to receive sendParent; the replay below runs under a real one.
const traversed = withStubs.provide({ actions: NO_PARENT })
// Transient, so that one exit restarts (code 1) and another does not (code 0).
const input: SlotInput = {
  slotId: 'slot-0',
  generation: 0,
  policy: { ...TEST_POLICY, type: 'transient' },
  timeouts: TEST_TIMEOUTS,
  health: { maxMissedHeartbeats: 3 },
}

const incarnationOf = (id: string) => Number(id.replace('worker-', ''))
function ended(id: string, exit: WorkerOutput['exit'], expected = false, startFailed = false): SlotEvent {
  const output: WorkerOutput = {
    slotId: 'slot-0',
    incarnation: incarnationOf(id),
    generation: 0,
    pid: null,
    workerId: null,
    exit,
    reason: 'test exit',
    expected,
    startFailed,
  }
  return { type: `xstate.done.actor.${id}`, output } as SlotEvent
}

/** The events that make sense in a state: its workers' events, the supervisor's commands, its timers. */
function eventsFor(state: SlotSnapshot): SlotEvent[] {
  const { serving, candidate, retiring, generation, candidateGeneration } = state.context
  const events: SlotEvent[] = [
    { type: 'stop', reason: 'path test' },
    { type: 'replace', generation: generation + 1, reason: 'path test' },
    // Rollbacks to the generation it runs, to its candidate's, and to another one.
    ...[...new Set([generation, candidateGeneration, generation + 1])].map(
      (g): SlotEvent => ({ type: 'rollback', generation: g, reason: 'path test' }),
    ),
    { type: 'restart.granted' },
    { type: 'xstate.after.backoff.slot.backoff' } as unknown as SlotEvent,
    { type: 'xstate.after.resetAfter.slot.running.listening' } as unknown as SlotEvent,
  ]
  for (const id of [serving, candidate]) {
    if (id === null) continue
    const incarnation = incarnationOf(id)
    events.push(
      { type: 'worker.listening', slotId: 'slot-0', incarnation, pid: 1, workerId: 1 },
      { type: 'worker.unhealthy', slotId: 'slot-0', incarnation, reason: 'hung', detail: '3 missed' },
      { type: 'worker.unhealthy', slotId: 'slot-0', incarnation, reason: 'memory', detail: 'rss' },
      ended(id, { code: 1, signal: null }),
      ended(id, { code: 0, signal: null }),
      // Never listened: a start failure whatever its uptime.
      ended(id, { code: 1, signal: null }, false, true),
      // Its uptime timer (minUptime is beyond any replay's clock, so only this event marks it up).
      { type: 'slot.uptime', incarnation },
    )
  }
  for (const id of retiring) events.push(ended(id, { code: 0, signal: null }, true))
  return events
}

const SLOT_STATES = [
  '{"running":"starting"}',
  '{"running":"listening"}',
  '{"running":"replacing"}',
  '"restartPending"',
  '"backoff"',
  '"idle"',
  '"stopping"',
  '"stopped"',
]

function serializeState(s: SlotSnapshot): string {
  const c = s.context
  const isServingUp = c.serving !== null && c.up.includes(c.serving)
  return JSON.stringify([
    s.value,
    c.serving !== null,
    c.candidate !== null,
    c.retiring.length,
    c.pendingReplace !== null,
    c.attempt > 0,
    isServingUp,
    c.restartKind,
  ])
}

function play(slot: AnyActorRef, clock: SimulatedClock, event: SlotEvent): void {
  const type: string = event.type
  if (type === 'xstate.after.backoff.slot.backoff') clock.increment((slot.getSnapshot() as SlotSnapshot).context.backoffDelay)
  else if (type === 'xstate.after.resetAfter.slot.running.listening') clock.increment(TEST_POLICY.backoff.resetAfter)
  else slot.send(event)
}

function replay(steps: Array<{ state: SlotSnapshot; event: SlotEvent }>): string[] {
  const clock = new SimulatedClock()
  const parent = createMachine({ invoke: { id: 'slot', src: withStubs, input }, on: { '*': {} } })
  const actor = createActor(parent, { clock })
  const errors: unknown[] = []
  actor.subscribe({ error: (e) => void errors.push(e) })
  actor.start()
  const slot = actor.getSnapshot().children.slot as AnyActorRef
  const reached: string[] = []
  try {
    for (const [index, step] of steps.entries()) {
      if (index > 0) play(slot, clock, step.event)
      const snapshot = slot.getSnapshot() as SlotSnapshot
      assert.is(
        serializeState(snapshot),
        serializeState(step.state),
        steps
          .slice(1, index + 1)
          .map((s) => s.event.type)
          .join(' → '),
      )
      assert.is(typeof snapshot.context.reason, 'string')
      reached.push(JSON.stringify(snapshot.value))
    }
    assert.equal(errors, [])
  } finally {
    actor.stop()
  }
  return reached
}

const paths = suite('slot paths')

paths('the shortest path to every slot situation replays against the machine and reaches every state', () => {
  const shortest = getShortestPaths(traversed, {
    events: eventsFor,
    input,
    serializeState: (s) => serializeState(s as SlotSnapshot),
    stopWhen: (s) => s.status === 'done' || (s as SlotSnapshot).context.retiring.length > 2,
  })
  assert.ok(shortest.length > 20, `${shortest.length} paths`)
  const reached = new Set(shortest.flatMap((path) => replay(path.steps as never)))
  assert.equal([...reached].sort(), [...SLOT_STATES].sort())
  // Both answers to a granted restart: a crash of a serving worker restarts at once, a start failure backs off.
  const moves = new Set(
    shortest.flatMap((path) =>
      path.steps
        .slice(1)
        .map((step, i) => `${JSON.stringify(path.steps[i]!.state.value)} ${step.event.type} ${JSON.stringify(step.state.value)}`),
    ),
  )
  assert.ok(moves.has('"restartPending" restart.granted {"running":"starting"}'), 'a crash restarts at once')
  assert.ok(moves.has('"restartPending" restart.granted "backoff"'), 'a start failure backs off')
})

paths.run()
