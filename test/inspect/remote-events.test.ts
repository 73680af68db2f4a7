import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { summarizePayload } from '../../src/inspect/actor-history.js'
import { parseRemoteEvent } from '../../src/inspect/remote-events.js'
import { createStateTable } from '../../src/inspect/state-table.js'

const remote = suite('remote inspection events')

remote('reads the @statelyai/inspect shape: an actor with its definition, then snapshots and events', () => {
  const definition = JSON.stringify({ id: 'light', initial: 'green', states: { green: { on: { next: 'yellow' } }, yellow: {} } })
  const actor = parseRemoteEvent(
    JSON.stringify({
      type: '@xstate.actor',
      sessionId: 'x:0',
      parentId: undefined,
      name: 'x:0',
      definition,
      snapshot: { value: 'green', status: 'active' },
      _version: '0.7.2',
    }),
  )
  assert.equal(actor, {
    type: '@xstate.actor',
    sessionId: 'x:0',
    parentId: null,
    name: 'x:0',
    machineId: 'light',
    definition,
    snapshot: { value: 'green', status: 'active' },
  })
  const table = createStateTable({ workerMachineId: '', chartOfDefinition: () => 'c0' })
  table.observeRemote(actor!)
  table.observeRemote(parseRemoteEvent(JSON.stringify({ type: '@xstate.event', sessionId: 'x:0', event: { type: 'next', by: 'me' } }))!)
  table.observeRemote(
    parseRemoteEvent(
      JSON.stringify({
        type: '@xstate.snapshot',
        sessionId: 'x:0',
        snapshot: { value: 'yellow', status: 'active' },
        event: { type: 'next' },
      }),
    )!,
  )
  const [row] = table.read().actors
  assert.equal([row?.kind, row?.machineId, row?.states, row?.chart], ['actor', 'light', ['yellow'], 'c0'])
  const history = table.history('x:0')!
  assert.equal(
    history.events.map((e) => [e.type, e.summary]),
    [['next', '{ by: "me" }']],
  )
  assert.equal(
    history.transitions.map((t) => [t.from, t.to, t.event]),
    [
      [[], ['green'], 'xstate.init'],
      [['green'], ['yellow'], 'next'],
    ],
  )
})

remote('a callback actor (definition { id } only) is not a machine; junk is ignored', () => {
  const callback = parseRemoteEvent(
    JSON.stringify({ type: '@xstate.actor', sessionId: 'x:1', definition: JSON.stringify({ id: 'ticker' }) }),
  )
  assert.is(callback?.type === '@xstate.actor' ? callback.machineId : 'wrong', null)
  for (const junk of [
    '',
    'null',
    '[]',
    '{"type":"@xstate.snapshot"}',
    '{"type":"other","sessionId":"a"}',
    '{"type":"@xstate.actor","sessionId":""}',
  ]) {
    assert.is(parseRemoteEvent(junk), null, junk)
  }
})

remote('drops prototype keys while parsing', () => {
  const event = parseRemoteEvent(
    '{"type":"@xstate.event","sessionId":"x:2","event":{"type":"e","__proto__":{"polluted":1},"constructor":{"prototype":{"p":1}}}}',
  )
  assert.equal(event, { type: '@xstate.event', sessionId: 'x:2', event: { type: 'e' } })
  assert.is(Object.getPrototypeOf((event as { event: object }).event), Object.prototype)
})

remote('summarises a payload in one bounded line', () => {
  assert.is(summarizePayload({ type: 'process.exit', code: null, signal: 'SIGKILL' }), '{ code: null, signal: "SIGKILL" }')
  assert.is(summarizePayload({ type: 'beat', sample: { rss: 1, heapUsed: 2 } }), '{ sample: { rss: 1, heapUsed: 2 } }')
  assert.is(summarizePayload({ type: 't', list: [1, 2, 3], deep: { a: { b: 1 } } }), '{ list: [3], deep: {…} }')
  assert.is(summarizePayload({ type: 't', a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 }), '{ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, +1 more }')
  assert.ok(summarizePayload({ type: 't', text: 'x'.repeat(1000) }).length <= 160)
})

remote('view.observeRemote() takes the same JSON, as a string or an object (relayed events)', async () => {
  const { createLiveView } = await import('../../src/inspect/live-view.js')
  const view = await createLiveView({})
  try {
    view.observeRemote({
      type: '@xstate.actor',
      sessionId: 'w1:a',
      name: 'cart-7',
      definition: JSON.stringify({ id: 'cart', initial: 'open', states: { open: {} } }),
      snapshot: { value: 'open', status: 'active' },
    })
    view.observeRemote(
      '{"type":"@xstate.snapshot","sessionId":"w1:a","snapshot":{"value":"open","status":"done"},"event":{"type":"close"}}',
    )
    view.observeRemote('not json')
    const state = (await fetch(`${view.url}state.json`).then((r) => r.json())) as {
      log: Array<{ machineId: string; to: string[]; toStatus: string }>
    }
    assert.equal(
      state.log.map((e) => [e.machineId, e.to, e.toStatus]),
      [
        ['cart', ['open'], 'active'],
        ['cart', ['open'], 'done'],
      ],
    )
  } finally {
    await view.close()
  }
})

remote.run()
