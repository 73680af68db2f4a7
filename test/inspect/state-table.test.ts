import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createActor } from 'xstate'
import type { AnyActorRef, InspectionEvent } from 'xstate'
import { createStateTable, sanitizeContext, toStatePaths } from '../../src/inspect/state-table.js'
import type { StateTableChange } from '../../src/inspect/state-table.js'
import { toySupervisorMachine } from '../fixtures/inspect-machines.js'

function startCluster(options: { maxEndedWorkers?: number } = {}) {
  const table = createStateTable({ workerMachineId: 'worker', ...options })
  const changes: StateTableChange[] = []
  table.subscribe((change) => changes.push(change))
  const actor = createActor(toySupervisorMachine, { input: { count: 3 }, inspect: (e) => table.observe(e) })
  actor.start()
  const slot = (id: string): AnyActorRef => {
    const ref = actor.system.get(id)
    if (!ref) throw new Error(`no slot ${id}`)
    return ref
  }
  let nextWorkerId = 1
  const bringUp = (id: string): number => {
    const workerId = nextWorkerId++
    slot(id).send({ type: 'process.fork', pid: 1000 + workerId, workerId })
    slot(id).send({ type: 'process.online' })
    slot(id).send({ type: 'process.listening' })
    return workerId
  }
  return { table, changes, actor, slot, bringUp }
}

const table = suite('state table')

table('holds the current state of the supervisor, each slot and each worker', () => {
  const { table: t, actor, bringUp } = startCluster()
  bringUp('s0')
  bringUp('s1')
  bringUp('s2')
  const { actors } = t.read()
  const workers = actors.filter((a) => a.kind === 'worker')
  assert.equal(
    workers.map((w) => [w.workerId, w.pid, w.slotId, w.states, w.status, w.reason]),
    [
      [1, 1001, 's0', ['listening'], 'active', 'a server is listening'],
      [2, 1002, 's1', ['listening'], 'active', 'a server is listening'],
      [3, 1003, 's2', ['listening'], 'active', 'a server is listening'],
    ],
  )
  const supervisor = actors.filter((a) => a.kind === 'supervisor')
  assert.equal(
    supervisor.map((s) => [s.machineId, s.states, s.parentId]),
    [['supervisor', ['running'], null]],
  )
  assert.equal(
    actors.filter((a) => a.kind === 'actor').map((a) => [a.machineId, a.slotId]),
    [
      ['slot', 's0'],
      ['slot', 's1'],
      ['slot', 's2'],
    ],
  )
  actor.stop()
})

table('ignores callback actors and events that change nothing shown', () => {
  const { table: t, changes, actor, slot, bringUp } = startCluster()
  bringUp('s0')
  const before = changes.length
  slot('s0').send({ type: 'process.heartbeat' })
  slot('s0').send({ type: 'process.heartbeat' })
  // The slot forwards with sendTo, the worker counts beats in context (not shown): no change.
  assert.is(changes.length, before)
  assert.ok(t.read().actors.every((a) => ['supervisor', 'slot', 'worker'].includes(a.machineId)))
  actor.stop()
})

table('logs each transition with its states, event and reason, in order', () => {
  const { table: t, actor, bringUp, slot } = startCluster()
  bringUp('s0')
  slot('s0').send({ type: 'stop' })
  const log = t.read().log.filter((e) => e.kind === 'worker' && e.slotId === 's0')
  assert.equal(
    log.map((e) => [e.from, e.to, e.event, e.reason]),
    [
      [[], ['forking'], 'xstate.init', 'forking'],
      [['forking'], ['forking'], 'process.fork', 'forked pid 1001'],
      [['forking'], ['online'], 'process.online', 'process online'],
      [['online'], ['listening'], 'process.listening', 'a server is listening'],
      [['listening'], ['disconnecting.draining'], 'stop', 'stop requested'],
    ],
  )
  const seqs = t.read().log.map((e) => e.seq)
  assert.equal(
    seqs,
    [...seqs].sort((a, b) => a - b),
  )
  actor.stop()
})

table('a worker that exits stays as ended while its slot starts the next incarnation', () => {
  const { table: t, actor, bringUp, slot } = startCluster()
  bringUp('s0')
  slot('s0').send({ type: 'process.exit', code: null, signal: 'SIGKILL' })
  const workers = t.read().actors.filter((a) => a.kind === 'worker')
  assert.equal(
    workers.map((w) => [w.slotId, w.incarnation, w.states, w.status, w.endedAt !== null, w.reason]),
    [
      ['s0', 1, ['exited'], 'done', true, 'exited with SIGKILL'],
      ['s1', 1, ['forking'], 'active', false, 'forking'],
      ['s2', 1, ['forking'], 'active', false, 'forking'],
      ['s0', 2, ['forking'], 'active', false, 'forking'],
    ],
  )
  actor.stop()
})

table('keeps only the newest ended workers and says which rows it removed', () => {
  const { table: t, changes, actor, bringUp, slot } = startCluster({ maxEndedWorkers: 2 })
  for (let i = 0; i < 4; i++) {
    bringUp('s0')
    slot('s0').send({ type: 'process.exit', code: 1, signal: null })
  }
  const ended = t.read().actors.filter((a) => a.kind === 'worker' && a.endedAt !== null)
  assert.equal(
    ended.map((w) => w.incarnation),
    [3, 4],
  )
  assert.is(changes.filter((c) => c.type === 'remove').length, 2)
  actor.stop()
})

table('each row carries a sequence number that grows with every change of that actor', () => {
  const { changes, actor, bringUp } = startCluster()
  bringUp('s1')
  const rows = changes.flatMap((c) => (c.type === 'actor' && c.row.slotId === 's1' && c.row.kind === 'worker' ? [c.row.seq] : []))
  assert.equal(rows, [1, 2, 3, 4])
  actor.stop()
})

table('a late reader gets the whole picture, not only what changed after it came', () => {
  const { table: t, actor, bringUp } = startCluster()
  bringUp('s0')
  bringUp('s1')
  const late: StateTableChange[] = []
  t.subscribe((c) => late.push(c))
  const { actors, log } = t.read()
  assert.is(actors.filter((a) => a.kind === 'worker' && a.states[0] === 'listening').length, 2)
  assert.ok(log.length > 0)
  assert.is(late.length, 0)
  actor.stop()
})

table('a stopped cluster leaves the supervisor stopped and removes the slots', () => {
  const { table: t, actor, bringUp } = startCluster()
  bringUp('s0')
  actor.stop()
  const { actors } = t.read()
  assert.equal(
    actors.filter((a) => a.kind === 'supervisor').map((a) => a.status),
    ['stopped'],
  )
  assert.is(actors.filter((a) => a.kind === 'actor').length, 0)
})

table('a malformed inspection event is ignored without throwing', () => {
  const t = createStateTable({ workerMachineId: 'worker' })
  t.observe({ type: '@xstate.snapshot', actorRef: null, rootId: 'x', event: null, snapshot: null } as unknown as InspectionEvent)
  t.observe({ type: '@xstate.actor' } as unknown as InspectionEvent)
  assert.equal(t.read(), { actors: [], log: [] })
})

// ---

const sanitize = suite('context sanitising')

sanitize('only known fields with the expected types leave the context', () => {
  const fields = sanitizeContext({
    pid: 12,
    workerId: '3',
    slotId: 's0',
    reason: 'ok',
    secret: 'hunter2',
    incarnation: Number.NaN,
    restarts: 2,
    env: { TOKEN: 'x' },
  })
  assert.equal(fields, { pid: 12, restarts: 2, slotId: 's0', reason: 'ok' })
})

sanitize('inherited fields are not read', () => {
  const context = Object.create({ reason: 'from the prototype', pid: 1 }) as object
  assert.equal(sanitizeContext(context), {})
})

sanitize('long strings are cut to 400 characters', () => {
  const fields = sanitizeContext({ reason: 'x'.repeat(10_000) })
  assert.is(fields.reason?.length, 400)
  assert.ok(fields.reason?.endsWith('…'))
})

sanitize('state values become dotted leaf paths', () => {
  assert.equal(toStatePaths('listening'), ['listening'])
  assert.equal(toStatePaths({ disconnecting: 'draining' }), ['disconnecting.draining'])
  assert.equal(toStatePaths({ a: { b: 'c' }, d: 'e' }), ['a.b.c', 'd.e'])
  assert.equal(toStatePaths(undefined), [])
})

table.run()
sanitize.run()
