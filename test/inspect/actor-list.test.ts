import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { setup } from 'xstate'
import type { AnyActorRef, AnyMachineSnapshot, InspectionEvent } from 'xstate'
import { workerMachine } from '../../machines/worker/worker.js'
import { InspectionRelay } from '../../src/actors/inspection-relay.js'
import { createStateTable } from '../../src/inspect/state-table.js'
import type { StateTable } from '../../src/inspect/state-table.js'

const light = setup({ types: { events: {} as { type: 'NEXT'; by: string } } }).createMachine({
  id: 'light',
  initial: 'green',
  states: { green: { on: { NEXT: 'yellow' } }, yellow: { on: { NEXT: 'red' } }, red: { on: { NEXT: 'green' } } },
})
const snapshotOf = (value: string): AnyMachineSnapshot => light.resolveState({ value, context: {} }) as AnyMachineSnapshot

/**
 * A state table fed as the master feeds it: a supervisor, workers #1 and #2 (worker machine
 * actors), and a relay of the actors they host. No cluster: the relay's input is what workers report.
 */
function createFedTable(): { table: StateTable; relay: InspectionRelay } {
  const table = createStateTable({ workerMachineId: 'worker' })
  const observe = (event: InspectionEvent): void => table.observe(event)
  const supervisor = { sessionId: 'sup', id: 'supervisor', logic: setup({}).createMachine({ id: 'supervisor' }) }
  observe({
    type: '@xstate.snapshot',
    actorRef: supervisor,
    rootId: 'sup',
    snapshot: { value: 'running', status: 'active', context: {} },
  } as never)
  const relay = new InspectionRelay(observe, (_kind, persisted) => persisted as AnyMachineSnapshot)
  for (const workerId of [1, 2]) {
    const worker = {
      sessionId: `w${workerId}`,
      id: `worker-${workerId}`,
      logic: workerMachine,
      _parent: supervisor,
    } as unknown as AnyActorRef
    const event = {
      type: '@xstate.snapshot',
      actorRef: worker,
      rootId: 'sup',
      snapshot: { value: 'listening', status: 'active', context: { workerId, pid: 100 + workerId } },
    } as unknown as InspectionEvent
    observe(event)
    relay.observeSupervisor(event)
  }
  return { table, relay }
}

const list = suite('actor list')

list('lists actors by worker, kind and id (numeric), one heading per worker, a window at a time', () => {
  const { table, relay } = createFedTable()
  for (let i = 1; i <= 5; i++)
    relay.report('light', `l-${i}`, i <= 2 ? 2 : 1, light, snapshotOf(i === 3 ? 'red' : 'green'), { type: 'NEXT' })
  relay.report('light', 'l-10', 1, light, snapshotOf('yellow'), { type: 'NEXT' })
  const page = table.listActors({ offset: 0, limit: 100 })
  assert.equal([page.matching, page.lines], [6, 8])
  assert.equal(
    page.items.map((line) => (line.type === 'host' ? `#${line.host.workerId} (${line.count})` : `${line.actorId} ${line.state}`)),
    ['#1 (4)', 'light:l-3 red', 'light:l-4 green', 'light:l-5 green', 'light:l-10 yellow', '#2 (2)', 'light:l-1 green', 'light:l-2 green'],
  )
  // A window in the middle: its lines only, the heading of a group begun above it left out.
  const middle = table.listActors({ offset: 3, limit: 3 })
  assert.equal(
    middle.items.map((line) => (line.type === 'host' ? `#${line.host.workerId}` : line.actorId)),
    ['light:l-5', 'light:l-10', '#2'],
  )
  // Filtered by state: only the matching rows, under their workers, counted.
  const green = table.listActors({ kind: 'light', state: 'green', offset: 0, limit: 100 })
  assert.equal([green.matching, green.lines], [4, 6])
  assert.equal(table.listActors({ kind: 'door', offset: 0, limit: 100 }).matching, 0)
})

list('counts actors by state per kind and per worker', () => {
  const { table, relay } = createFedTable()
  for (let i = 0; i < 30; i++)
    relay.report('light', `l-${i}`, (i % 2) + 1, light, snapshotOf(['green', 'yellow', 'red'][i % 3]!), { type: 'NEXT' })
  const summary = table.summarizeActors()
  assert.is(summary.total, 30)
  assert.equal(
    summary.kinds.map((k) => [k.kind, k.total, k.states]),
    [
      [
        'light',
        30,
        [
          ['green', 10],
          ['red', 10],
          ['yellow', 10],
        ],
      ],
    ],
  )
  assert.equal(
    summary.hosts.map((h) => [h.host.workerId, h.host.pid, h.total, h.kinds[0]!.states]),
    [
      [
        1,
        101,
        15,
        [
          ['green', 5],
          ['red', 5],
          ['yellow', 5],
        ],
      ],
      [
        2,
        102,
        15,
        [
          ['green', 5],
          ['red', 5],
          ['yellow', 5],
        ],
      ],
    ],
  )
})

list("keeps a worker's actors out of the cluster's log, in their own short history, and follows a move", () => {
  const { table, relay } = createFedTable()
  for (let round = 0; round < 15; round++)
    relay.report('light', 'l-1', 1, light, snapshotOf(['green', 'yellow', 'red'][round % 3]!), { type: 'NEXT', by: `r${round}` } as {
      type: string
    })
  assert.equal(
    table.read().log.filter((e) => e.machineId === 'light'),
    [],
  )
  const [line] = table.listActors({ offset: 1, limit: 1 }).items
  const history = table.history(line?.type === 'actor' ? line.sessionId : '')!
  // Repeats of one event type in a row are counted, not stored again; transitions are kept up to 10.
  assert.equal([history.events.length, history.events[0]?.count, history.transitions.length], [1, 15, 10])
  assert.is(history.events.at(-1)?.summary, '{ by: "r14" }')
  // Moved to worker #2 (its worker died): listed there, and no longer under #1.
  relay.gone('light', 'l-1')
  relay.report('light', 'l-1', 2, light, snapshotOf('red'), undefined)
  const moved = table.listActors({ offset: 0, limit: 10 }).items
  assert.equal(
    moved.map((l) => (l.type === 'host' ? `#${l.host.workerId}` : `${l.actorId} ${l.state} ${l.lastEvent}`)),
    ['#2', 'light:l-1 red xcluster.restore'],
  )
})

list('holds 10,000 actors, and no more than its bound', () => {
  const { table, relay } = createFedTable()
  for (let i = 0; i < 12_500; i++) relay.report('light', `l-${i}`, 1, light, snapshotOf('green'), { type: 'NEXT' })
  const held = table.summarizeActors().total
  assert.ok(held >= 10_000, `10,000 held (${held})`)
  assert.is(held + table.read({ isListedIncluded: false }).actors.length, 12_000)
})

list.run()
