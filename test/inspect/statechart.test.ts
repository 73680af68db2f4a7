import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { setup } from 'xstate'
import type { AnyStateMachine, AnyStateNode } from 'xstate'
import { slotMachine } from '../../machines/slot/slot.js'
import { supervisorMachine } from '../../machines/supervisor/supervisor.js'
import { workerMachine } from '../../machines/worker/worker.js'
import { buildChartModel } from '../../src/inspect/chart-model.js'
import { layoutStatechart } from '../../src/inspect/statechart.js'
import type { StatechartLayout } from '../../src/inspect/statechart.js'
import { escapeXml, renderStatechartSvg } from '../../src/inspect/statechart-svg.js'
import { toyWorkerMachine } from '../fixtures/inspect-machines.js'

/** Every state path of a machine, such as `disconnecting.draining`. */
function listStatePaths(machine: AnyStateMachine): string[] {
  const paths: string[] = []
  const visit = (node: AnyStateNode): void => {
    if (node.path.length > 0) paths.push(node.path.join('.'))
    for (const child of Object.values(node.states)) visit(child)
  }
  visit(machine.root)
  return paths.sort()
}

function states(layout: StatechartLayout) {
  return layout.nodes.filter((n) => n.kind === 'state')
}

const chart = suite('statechart')

chart('draws every state of the toy worker machine once, nested states inside their parent', async () => {
  const layout = await layoutStatechart(toyWorkerMachine)
  assert.equal(
    states(layout)
      .map((n) => n.path)
      .sort(),
    listStatePaths(toyWorkerMachine),
  )
  const parent = states(layout).find((n) => n.path === 'disconnecting')!
  assert.ok(parent.isCompound)
  for (const path of ['disconnecting.draining', 'disconnecting.closing']) {
    const child = states(layout).find((n) => n.path === path)!
    assert.ok(child.x >= parent.x && child.x + child.width <= parent.x + parent.width, `${path} lies inside its parent horizontally`)
    assert.ok(child.y >= parent.y && child.y + child.height <= parent.y + parent.height, `${path} lies inside its parent vertically`)
  }
  assert.ok(states(layout).find((n) => n.path === 'exited')!.isFinal)
})

chart('draws transitions with readable labels, to a compound state itself, and a start dot per initial state', async () => {
  const layout = await layoutStatechart(toyWorkerMachine)
  const edges = layout.edges.map((e) => `${e.sources.join('+')} -> ${e.target}: ${e.labels.join(' / ')}`).sort()
  assert.equal(edges, [
    '#any -> exited: process.exit',
    '#start: -> forking: ',
    '#start:disconnecting -> disconnecting.draining: ',
    'disconnecting.draining -> disconnecting.closing: after 60000ms',
    'forking -> online: process.online',
    'listening -> disconnecting: stop',
    'online -> listening: process.listening',
  ])
  for (const edge of layout.edges) {
    assert.ok(edge.paths.length >= 1 && edge.paths.every((p) => p.length >= 2), `${edge.id} has a route`)
    // Orthogonal: every segment is horizontal or vertical.
    for (const points of edge.paths) {
      for (let i = 1; i < points.length; i++)
        assert.ok(points[i]!.x === points[i - 1]!.x || points[i]!.y === points[i - 1]!.y, `${edge.id} segment ${i} is orthogonal`)
    }
  }
})

chart('events handled in place are listed in their state, those of the root in an "any state" box', async () => {
  const layout = await layoutStatechart(toyWorkerMachine)
  assert.equal(layout.nodes.find((n) => n.path === 'listening')!.internal, ['process.heartbeat'])
  assert.equal(layout.nodes.find((n) => n.path === '#any')!.internal, ['process.fork'])
})

chart('merges parallel transitions and groups the ones several states share (machines/worker/worker.ts)', () => {
  const model = buildChartModel(workerMachine)
  const lines = model.transitions.map((t) => `${t.sources.join('+')} -> ${t.target}: ${t.labels.join(' / ')}`)
  assert.ok(lines.includes('forking+online -> listening: process.listening, process.ready'))
  assert.ok(lines.includes('forking+online -> disconnecting.terminating: xcluster.worker.startTimeout'))
  assert.ok(lines.includes('#any -> exited: process.exit, error: process'))
  // No label twice: a shared transition is one arrow.
  const labels = model.transitions.map((t) => t.labels.join('\n'))
  assert.equal(
    labels.filter((l, i) => labels.indexOf(l) !== i && model.transitions[i]!.target === model.transitions[labels.indexOf(l)]!.target),
    [],
  )
})

chart('draws every state of the supervisor, slot and worker machines, with eventless transitions', async () => {
  for (const machine of [supervisorMachine, slotMachine, workerMachine] as AnyStateMachine[]) {
    const layout = await layoutStatechart(machine)
    assert.equal(
      states(layout)
        .map((n) => n.path)
        .sort(),
      listStatePaths(machine),
      `${machine.id}: every state once`,
    )
    assert.ok(layout.width > 0 && layout.height > 0)
  }
  const supervisor = buildChartModel(supervisorMachine as AnyStateMachine)
  assert.ok(
    supervisor.transitions.some((t) => t.sources.includes('stopping') && t.target === 'stopped' && t.labels[0] === 'always [hasNoSlots]'),
  )
})

chart('the SVG marks each state with data-state and escapes every label', async () => {
  const hostile = setup({}).createMachine({
    id: 'x',
    initial: '<img src=x onerror=alert(1)>',
    states: { '<img src=x onerror=alert(1)>': { on: { '"quoted"&': 'b' } }, b: {} },
  })
  const svg = renderStatechartSvg(await layoutStatechart(hostile))
  assert.not.ok(svg.includes('<img'))
  assert.ok(svg.includes('&#60;img src=x onerror=alert(1)&#62;'))
  assert.ok(svg.includes('&#34;quoted&#34;&#38;'))
  assert.ok(svg.includes('data-state="b"'))
  assert.is(escapeXml(`<a href='x'>&"`), '&#60;a href=&#39;x&#39;&#62;&#38;&#34;')
})

chart.run()
