import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { setup } from 'xstate'
import type { AnyStateMachine, AnyStateNode } from 'xstate'
import { workerMachine } from '../../machines/worker/worker.js'
import { escapeXml, layoutStatechart, renderStatechartSvg } from '../../src/inspect/statechart.js'
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

const chart = suite('statechart')

chart('draws every state of the toy worker machine, nested states inside their parent', () => {
  const layout = layoutStatechart(toyWorkerMachine)
  const drawn = layout.nodes.filter((n) => !n.path.startsWith('#'))
  assert.equal(drawn.map((n) => n.path).sort(), listStatePaths(toyWorkerMachine))
  const parent = drawn.find((n) => n.path === 'disconnecting')!
  assert.ok(parent.isCompound)
  for (const path of ['disconnecting.draining', 'disconnecting.closing']) {
    const child = drawn.find((n) => n.path === path)!
    assert.ok(Math.abs(child.x - parent.x) <= parent.width / 2, `${path} lies inside its parent horizontally`)
    assert.ok(Math.abs(child.y - parent.y) <= parent.height / 2, `${path} lies inside its parent vertically`)
  }
  assert.ok(drawn.find((n) => n.path === 'exited')!.isFinal)
})

chart('draws transitions with readable labels; compound targets enter their initial child', () => {
  const layout = layoutStatechart(toyWorkerMachine)
  const edges = layout.edges.map((e) => `${e.source} -> ${e.target}: ${e.label}`).sort()
  assert.equal(edges, [
    '#any -> exited: process.exit',
    '#start -> forking: ',
    'disconnecting.draining -> disconnecting.closing: after 60000ms',
    'forking -> online: process.online',
    'listening -> disconnecting.draining: stop',
    'online -> listening: process.listening',
  ])
  for (const edge of layout.edges) assert.ok(edge.points.length >= 2, `${edge.source} -> ${edge.target} has a route`)
})

chart('events handled in place are listed in their state, those of the root in an "any state" box', () => {
  const layout = layoutStatechart(toyWorkerMachine)
  assert.equal(layout.nodes.find((n) => n.path === 'listening')!.internal, ['process.heartbeat'])
  assert.equal(layout.nodes.find((n) => n.path === '#any')!.internal, ['process.fork'])
})

chart('draws every state and every targeted transition of machines/worker/worker.ts', () => {
  const layout = layoutStatechart(workerMachine)
  assert.equal(layout.nodes.filter((n) => !n.path.startsWith('#')).map((n) => n.path).sort(), listStatePaths(workerMachine))
  const labels = layout.edges.flatMap((e) => e.label.split('\n'))
  const visit = (node: AnyStateNode): void => {
    for (const transitions of node.transitions.values()) {
      for (const t of transitions) {
        if (!t.target?.length) continue
        const type = String(t.eventType)
        assert.ok(labels.some((l) => l === type || l.startsWith(`${type} [`) || type.startsWith('xstate.')), `transition on ${type} from ${node.id} is drawn`)
      }
    }
    for (const child of Object.values(node.states)) visit(child)
  }
  visit(workerMachine.root)
  assert.ok(layout.width > 0 && layout.height > 0)
})

chart('the SVG marks each state with data-state and escapes every label', () => {
  const hostile = setup({}).createMachine({
    id: 'x',
    initial: '<img src=x onerror=alert(1)>',
    states: { '<img src=x onerror=alert(1)>': { on: { '"quoted"&': 'b' } }, b: {} },
  })
  const svg = renderStatechartSvg(layoutStatechart(hostile))
  assert.not.ok(svg.includes('<img'))
  assert.ok(svg.includes('&#60;img src=x onerror=alert(1)&#62;'))
  assert.ok(svg.includes('&#34;quoted&#34;&#38;'))
  assert.ok(svg.includes('data-state="b"'))
  assert.is(escapeXml(`<a href='x'>&"`), '&#60;a href=&#39;x&#39;&#62;&#38;&#34;')
})

chart.run()
