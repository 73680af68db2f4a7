import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createActor, fromCallback, SimulatedClock } from 'xstate'
import type { EventFromLogic } from 'xstate'
import { getShortestPaths, getSimplePaths } from 'xstate/graph'
import { supervisorMachine } from '../../../machines/supervisor/supervisor.js'
import { BUDGET_EXPIRE_EVENT, CRASH_EXPIRE_EVENT } from '../../../machines/supervisor/supervisor-context.js'
import type { SlotCommand } from '../../../machines/slot/slot-events.js'
import { TEST_POLICY, TEST_SUPERVISOR_INPUT } from '../helpers/supervisor-harness.js'

type SupervisorEvent = EventFromLogic<typeof supervisorMachine>

// The root's decisions are explored alone: each slot is a stub that records what it is told,
// and the test plays the slots' side by sending their events to the root.
const received: SlotCommand[] = []
const stubSlot = fromCallback<SlotCommand>(({ receive }) => receive((command) => void received.push(command)))
const machine = supervisorMachine.provide({ actors: { slot: stubSlot as never } })
// One start failure and one crash fit each budget; the second of either kind spends it.
const input = { ...TEST_SUPERVISOR_INPUT, count: 1, policy: { ...TEST_POLICY, maxRestarts: 1, maxCrashes: 1 } }

const EVENTS = [
  { type: 'stop', reason: 'path test' },
  { type: 'reload' },
  { type: 'slot.restartRequest', slotId: 'slot-0', kind: 'start-failure', exit: { code: 1, signal: null }, reason: 'exited with code 1' },
  {
    type: 'slot.restartRequest',
    slotId: 'slot-0',
    kind: 'crash',
    exit: { code: null, signal: 'SIGKILL' },
    reason: 'exited with signal SIGKILL',
  },
  { type: 'slot.replaced', slotId: 'slot-0', generation: 1 },
  { type: 'slot.replaceFailed', slotId: 'slot-0', generation: 1, reason: 'exited with code 1', servingGeneration: 0 },
  // The answers to a rollback to generation 0: back, or its generation 0 worker failed too.
  { type: 'slot.replaced', slotId: 'slot-0', generation: 0 },
  { type: 'slot.replaceFailed', slotId: 'slot-0', generation: 0, reason: 'exited with code 1', servingGeneration: 1 },
  { type: 'xstate.done.actor.slot-0', output: { slotId: 'slot-0', reason: 'stopped' } },
  { type: BUDGET_EXPIRE_EVENT },
  { type: CRASH_EXPIRE_EVENT },
] as unknown as SupervisorEvent[]

// Every simple path over every event takes minutes: the simple paths leave the crash events out
// (a crash is granted or refused exactly as a start failure, by its own counter).
const SIMPLE_EVENTS = EVENTS.filter((e) => !(e.type === CRASH_EXPIRE_EVENT || (e.type === 'slot.restartRequest' && e.kind === 'crash')))

const ROOT_STATES = ['running', 'reloading', 'rollingBack', 'stopping', 'failing', 'stopped', 'failed']

const options = {
  events: EVENTS,
  input,
  // The generation too: two states that differ only in it take the same events differently.
  serializeState: (s: { value: unknown; context: { restarts: number; crashes: number; generation: number } }) =>
    `${JSON.stringify(s.value)} restarts=${s.context.restarts} crashes=${s.context.crashes} generation=${s.context.generation}`,
  // `machine.transition()` still applies root handlers to a finished snapshot; a live actor does not.
  // Past a second reload, nothing new happens: only the generation number grows.
  stopWhen: (s: { status: string; context: { generation: number } }) => s.status === 'done' || s.context.generation > 1,
}

function replay(steps: Array<{ state: { value: unknown }; event: SupervisorEvent }>): string[] {
  received.length = 0
  const actor = createActor(machine, { input, clock: new SimulatedClock() })
  const errors: unknown[] = []
  actor.subscribe({ error: (e) => void errors.push(e) })
  actor.start()
  const reached: string[] = []
  try {
    for (const [index, step] of steps.entries()) {
      if (index > 0) actor.send(step.event)
      assert.is(JSON.stringify(actor.getSnapshot().value), JSON.stringify(step.state.value), steps.map((s) => s.event.type).join(' → '))
      reached.push(String(actor.getSnapshot().value))
    }
    assert.equal(errors, [])
  } finally {
    actor.stop()
  }
  return reached
}

const paths = suite('supervisor paths')

paths('the shortest path to every root state replays against the machine', () => {
  const reached = new Set(getShortestPaths(machine, options).flatMap((path) => replay(path.steps)))
  assert.equal([...reached].sort(), [...ROOT_STATES].sort())
})

paths('every simple path replays against the machine', () => {
  const simple = getSimplePaths(machine, {
    ...options,
    events: SIMPLE_EVENTS,
    serializeState: (s: { value: unknown; context: { restarts: number } }) => `${JSON.stringify(s.value)} restarts=${s.context.restarts}`,
  })
  assert.ok(simple.length > 20, `${simple.length} paths`)
  const reached = new Set(simple.flatMap((path) => replay(path.steps)))
  assert.equal([...reached].sort(), [...ROOT_STATES].sort())
})

paths('a granted restart is sent to the slot that asked; a spent budget stops it', () => {
  replay([
    { state: { value: 'running' }, event: { type: 'xstate.init' } as never },
    { state: { value: 'running' }, event: EVENTS[2]! },
    { state: { value: 'failing' }, event: EVENTS[2]! },
  ])
  assert.equal(received, [
    { type: 'restart.granted' },
    {
      type: 'stop',
      reason: 'restart budget spent: slot-0 failed to start (exited with code 1) after 1 restart within 10000ms (restart.maxRestarts 1)',
    },
  ])
})

paths('crashes of serving workers spend their own limit, not the crash-loop budget', () => {
  replay([
    { state: { value: 'running' }, event: { type: 'xstate.init' } as never },
    { state: { value: 'running' }, event: EVENTS[2]! },
    { state: { value: 'running' }, event: EVENTS[3]! },
    { state: { value: 'failing' }, event: EVENTS[3]! },
  ])
  assert.equal(received, [
    { type: 'restart.granted' },
    { type: 'restart.granted' },
    {
      type: 'stop',
      reason:
        'crash limit reached: slot-0 crashed while serving (exited with signal SIGKILL) after 1 crash within 10000ms (restart.maxCrashes 1)',
    },
  ])
})

paths.run()
