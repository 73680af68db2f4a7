import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { AnyStateMachine } from 'xstate'
import { slotMachine } from '../../machines/slot/slot.js'
import { supervisorMachine } from '../../machines/supervisor/supervisor.js'
import { workerMachine } from '../../machines/worker/worker.js'
import { renderStatechart } from '../../src/index.js'
import { rejectionOf } from '../helpers/processes.js'
import { toyWorkerMachine } from '../fixtures/inspect-machines.js'

const exportChart = suite('renderStatechart')

exportChart('writes Mermaid: nested states, start and final markers, one line per arrow', async () => {
  assert.is(
    await renderStatechart(toyWorkerMachine, { format: 'mermaid' }),
    [
      'stateDiagram-v2',
      '  state "any state" as any_state',
      '  any_state : process.fork',
      '  state "forking" as s_forking',
      '  [*] --> s_forking',
      '  state "online" as s_online',
      '  state "listening" as s_listening',
      '  s_listening : process.heartbeat',
      '  state "disconnecting" as s_disconnecting',
      '  state s_disconnecting {',
      '    state "draining" as s_disconnecting__draining',
      '    [*] --> s_disconnecting__draining',
      '    state "closing" as s_disconnecting__closing',
      '  }',
      '  state "exited" as s_exited',
      '  s_exited --> [*]',
      '  s_forking --> s_online : process.online',
      '  s_online --> s_listening : process.listening',
      '  s_listening --> s_disconnecting : stop',
      '  s_disconnecting__draining --> s_disconnecting__closing : after 60000ms',
      '  any_state --> s_exited : process.exit',
      '',
    ].join('\n'),
  )
})

exportChart('groups a transition several states share through one Mermaid <<join>>', async () => {
  const text = await renderStatechart(workerMachine, { format: 'mermaid' })
  assert.match(
    text,
    'state join_0 <<join>>\n  s_forking --> join_0\n  s_online --> join_0\n  join_0 --> s_listening : process.listening, process.ready\n',
  )
  // One line per label: no label twice.
  const labels = text
    .split('\n')
    .filter((l) => l.includes(' --> ') && l.includes(' : '))
    .map((l) => l.slice(l.indexOf(' : ')))
  assert.equal(
    labels.filter((l, i) => labels.indexOf(l) !== i && !/^ : (process\.error|stop)/.test(l)),
    [],
  )
})

exportChart('writes a standalone SVG of each xcluster machine with every state drawn once', async () => {
  for (const machine of [supervisorMachine, slotMachine, workerMachine] as AnyStateMachine[]) {
    const svg = await renderStatechart(machine)
    assert.ok(
      svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" class="statechart"'),
      machine.id,
    )
    assert.match(svg, '<style>')
    const paths: string[] = []
    const visit = (node: AnyStateMachine['root']): void => {
      if (node.path.length > 0) paths.push(node.path.join('.'))
      for (const child of Object.values(node.states)) visit(child as AnyStateMachine['root'])
    }
    visit(machine.root)
    for (const path of paths) assert.is(svg.split(`data-state="${path}"`).length - 1, 1, `${machine.id}: ${path} drawn once`)
  }
})

exportChart('rejects what is not a machine, and an unknown format, with a TypeError', async () => {
  const notMachine = await rejectionOf(renderStatechart({} as AnyStateMachine))
  assert.instance(notMachine, TypeError)
  assert.is(
    notMachine.message,
    'renderStatechart() expects an XState machine (from setup().createMachine()), got `[object Object]` (object).',
  )
  const badFormat = await rejectionOf(renderStatechart(toyWorkerMachine, { format: 'png' as 'svg' }))
  assert.instance(badFormat, TypeError)
  assert.is(badFormat.message, "Expected `format` to be 'svg' or 'mermaid', got `png` (string).")
})

exportChart.run()
