/**
 * Lays out a chart model with ELK's layered algorithm (elkjs, as Stately's own tools use):
 * compound states hold their children (`hierarchyHandling: INCLUDE_CHILDREN`), edges are routed
 * orthogonally around the boxes, and edge labels get room of their own in the layering, so no
 * label sits on a box or on another label. A transition shared by several states is drawn as
 * stubs that meet in a junction dot, then one labelled arrow.
 *
 * Why ELK over dagre (used before): dagre lays out a compound graph as if the edges that enter
 * a cluster were not there and draws splines straight through boxes (the worker chart's long
 * edges crossed `disconnecting`); ELK's layered algorithm routes across hierarchy levels and
 * places labels as part of the layout. It is ~1.6 MB of JavaScript, loaded only when a chart is
 * first drawn, and runs in a worker thread (see `loadElk`).
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js'
import type { AnyStateMachine } from 'xstate'
import { ANY_STATE, buildChartModel } from './chart-model.js'
import type { ChartModel } from './chart-model.js'
import { ROOT_OPTIONS, loadElk } from './elk-layout.js'
import {
  CHAR_WIDTH,
  INTERNAL_LINE_CHARS,
  LINE_HEIGHT,
  TITLE_HEIGHT,
  breakLabelLines,
  measureLabel,
  measureState,
  wrap,
} from './statechart-text.js'
import { placeTitles } from './title-placement.js'
import type { Point, StatechartEdge, StatechartLayout, StatechartNode } from './statechart-layout.js'

export type { Point, StatechartEdge, StatechartLayout, StatechartNode } from './statechart-layout.js'

export { CHAR_WIDTH, INTERNAL_LINE_CHARS, LINE_HEIGHT, SMALL_CHAR_WIDTH, breakLabelLines, measureState, wrap } from './statechart-text.js'

const START_SIZE = 12
const JUNCTION_SIZE = 6

/**
 * Lays out `machine` (or a model read from it) as a statechart.
 *
 * @example
 * const layout = await layoutStatechart(workerMachine)
 * const svg = renderStatechartSvg(layout)
 */
export async function layoutStatechart(machine: AnyStateMachine | ChartModel): Promise<StatechartLayout> {
  const model = 'states' in machine && Array.isArray(machine.states) ? (machine as ChartModel) : buildChartModel(machine as AnyStateMachine)
  const byPath = new Map(model.states.map((s) => [s.path, s]))
  const elkNodes = new Map<string, ElkNode>()
  const root: ElkNode = { id: '#root', layoutOptions: { ...ROOT_OPTIONS }, children: [], edges: [] }
  const containerOf = (parent: string | null): ElkNode => (parent === null ? root : elkNodes.get(parent)!)
  const edges: ElkExtendedEdge[] = []
  const meta = new Map<string, StatechartNode>()

  for (const state of model.states) {
    const kind = state.path === ANY_STATE ? 'any' : 'state'
    const size = state.isCompound ? { width: 0, height: 0 } : measureState(state.label, state.internal)
    const node: ElkNode = { id: state.path, ...size, children: [] }
    // "any state" goes in the top layer, beside the start: in the middle it widened every layer it sat in.
    if (kind === 'any') node.layoutOptions = { 'elk.layered.layering.layerConstraint': 'FIRST' }
    if (state.isCompound) {
      const lines = wrap(state.internal.join(', '), INTERNAL_LINE_CHARS * 2).length
      node.layoutOptions = { 'elk.padding': `[top=${TITLE_HEIGHT + lines * LINE_HEIGHT},left=12,bottom=12,right=12]` }
      // The title must fit even when the children are narrow.
      node.layoutOptions['elk.nodeSize.minimum'] = `(${Math.ceil(state.label.length * CHAR_WIDTH + 40)},40)`
      node.layoutOptions['elk.nodeSize.constraints'] = 'MINIMUM_SIZE'
    }
    elkNodes.set(state.path, node)
    containerOf(state.parent).children!.push(node)
    meta.set(state.path, {
      path: state.path,
      kind,
      label: state.label,
      x: 0,
      y: 0,
      width: 0,
      height: 0,
      isCompound: state.isCompound,
      isFinal: state.isFinal,
      internal: state.internal,
    })
    if (state.isInitial) {
      const start = `#start:${state.parent ?? ''}`
      containerOf(state.parent).children!.unshift({ id: start, width: START_SIZE, height: START_SIZE })
      meta.set(start, {
        path: start,
        kind: 'start',
        label: '',
        x: 0,
        y: 0,
        width: START_SIZE,
        height: START_SIZE,
        isCompound: false,
        isFinal: false,
        internal: [],
      })
      edges.push({ id: `start:${state.path}`, sources: [start], targets: [state.path] })
    }
  }

  const drawn: StatechartEdge[] = []
  model.transitions.forEach((t, i) => {
    const id = `e${i}`
    const lines = breakLabelLines(t.labels)
    const label = measureLabel(lines)
    const labels = label ? [{ id: `${id}:label`, text: lines.join('\n'), ...label }] : []
    if (t.sources.length === 1) {
      edges.push({ id, sources: [t.sources[0]!], targets: [t.target], labels })
    } else {
      const junction = `#join:${i}`
      // Beside its target: in the target's parent the junction is layered right above it (in the
      // sources' common ancestor it could land below a compound and run back up; the worker chart
      // was also 12% wider, 823 vs 725 px).
      const parent = byPath.get(t.target)?.parent ?? null
      containerOf(parent).children!.push({ id: junction, width: JUNCTION_SIZE, height: JUNCTION_SIZE })
      meta.set(junction, {
        path: junction,
        kind: 'junction',
        label: '',
        x: 0,
        y: 0,
        width: JUNCTION_SIZE,
        height: JUNCTION_SIZE,
        isCompound: false,
        isFinal: false,
        internal: [],
      })
      for (const [j, source] of t.sources.entries()) edges.push({ id: `${id}:stub${j}`, sources: [source], targets: [junction] })
      edges.push({ id, sources: [junction], targets: [t.target], labels })
    }
    drawn.push({ id, sources: t.sources, target: t.target, labels: lines, paths: [], label: null })
  })
  root.edges = edges

  const result = await loadElk().layout(root)

  const nodes: StatechartNode[] = []
  const visit = (node: ElkNode): void => {
    for (const child of node.children ?? []) {
      const m = meta.get(child.id)
      if (m)
        nodes.push({
          ...m,
          x: round(child.x ?? 0),
          y: round(child.y ?? 0),
          width: round(child.width ?? 0),
          height: round(child.height ?? 0),
        })
      visit(child)
    }
  }
  visit(result)

  const laidOut = new Map<string, ElkExtendedEdge>()
  const collectEdges = (node: ElkNode): void => {
    for (const edge of node.edges ?? []) laidOut.set(edge.id, edge)
    for (const child of node.children ?? []) collectEdges(child)
  }
  collectEdges(result)
  const pathsOf = (edge: ElkExtendedEdge | undefined): Point[][] =>
    (edge?.sections ?? []).map((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => ({ x: round(p.x), y: round(p.y) })))
  for (const edge of drawn) {
    const trunk = laidOut.get(edge.id)
    const stubs = edge.sources.length > 1 ? edge.sources.map((_, j) => laidOut.get(`${edge.id}:stub${j}`)) : []
    edge.paths = [...stubs.flatMap(pathsOf), ...pathsOf(trunk)]
    const label = trunk?.labels?.[0]
    if (label)
      edge.label = { x: round(label.x ?? 0), y: round(label.y ?? 0), width: round(label.width ?? 0), height: round(label.height ?? 0) }
  }
  const startEdges = [...laidOut.values()].filter((e) => e.id.startsWith('start:'))
  for (const edge of startEdges) {
    const target = edge.targets[0]!
    drawn.push({ id: edge.id, sources: [edge.sources[0]!], target, labels: [], paths: pathsOf(edge), label: null })
  }
  placeTitles(nodes, drawn)
  return { machineId: model.machineId, width: Math.ceil(result.width ?? 0), height: Math.ceil(result.height ?? 0), nodes, edges: drawn }
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
