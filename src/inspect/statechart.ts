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
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js'
import type { AnyStateMachine } from 'xstate'
import { ANY_STATE, buildChartModel } from './chart-model.js'
import type { ChartModel } from './chart-model.js'

/** Approximate advance of one character of the chart's fonts, in px (12 px and 10 px monospace). */
export const CHAR_WIDTH = 7.4
export const SMALL_CHAR_WIDTH = 6.2
export const LINE_HEIGHT = 13
/** Events handled in place wrap at this many characters. */
export const INTERNAL_LINE_CHARS = 30
const START_SIZE = 12
const JUNCTION_SIZE = 6
/** Room for a compound state's title and its in-place events above its children, in px. */
const TITLE_HEIGHT = 24

export interface Point {
  x: number
  y: number
}

/** One drawn box (a state, the "any state" box, a start dot or a junction), by its top-left corner. */
export interface StatechartNode {
  /** A state's path; `#any`, `#start:<parent>` and `#join:<n>` for the pseudo nodes. */
  path: string
  kind: 'state' | 'any' | 'start' | 'junction'
  label: string
  x: number
  y: number
  width: number
  height: number
  isCompound: boolean
  isFinal: boolean
  internal: string[]
}

/** One drawn arrow: one path per piece (a group's stubs and its trunk), and its label box. */
export interface StatechartEdge {
  id: string
  sources: string[]
  target: string
  labels: string[]
  paths: Point[][]
  label: { x: number; y: number; width: number; height: number } | null
}

export interface StatechartLayout {
  machineId: string
  width: number
  height: number
  nodes: StatechartNode[]
  edges: StatechartEdge[]
}

const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Depth-first from the initial state breaks cycles so that the initial state stays on top
  // (MODEL_ORDER did too, but made the worker chart 60% wider; measured 999 vs 1643 px).
  'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.spacing.nodeNode': '20',
  'elk.layered.spacing.nodeNodeBetweenLayers': '34',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
} as const

type Elk = { layout(graph: ElkNode): Promise<ElkNode> }
let elk: Elk | undefined

/**
 * ELK in a worker thread: a layout takes hundreds of ms of synchronous work (seconds on a busy
 * 2-core machine, measured 3.6 s of event-loop stall for the three xcluster charts with ELK in
 * the master's own thread), and the master must keep answering heartbeats and IPC meanwhile.
 * The thread is unref'd while idle, so it never keeps a process alive.
 */
function loadElk(): Elk {
  if (elk) return elk
  const thread = new Worker(ELK_THREAD, {
    eval: true,
    workerData: { elkPath: createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js') },
  })
  const pending = new Map<number, { resolve: (graph: ElkNode) => void; reject: (error: Error) => void }>()
  let nextId = 0
  thread.unref()
  const settle = (): void => {
    if (pending.size === 0) thread.unref()
  }
  thread.on('message', (message: { id: number; result?: ElkNode; error?: string }) => {
    const call = pending.get(message.id)
    if (!call) return
    pending.delete(message.id)
    settle()
    if (message.result) call.resolve(message.result)
    else call.reject(new Error(`ELK could not lay out the chart: ${message.error ?? 'no result'}`))
  })
  const failAll = (error: Error): void => {
    for (const call of pending.values()) call.reject(error)
    pending.clear()
    elk = undefined
  }
  thread.on('error', failAll)
  thread.on('exit', (code) => failAll(new Error(`the ELK layout thread exited with code ${code}`)))
  elk = {
    layout(graph) {
      return new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        thread.ref()
        thread.postMessage({ id, graph })
      })
    },
  }
  return elk
}

/** The layout thread's code (CommonJS, so that it can require elkjs's bundle by path). */
const ELK_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const ELK = require(workerData.elkPath);
const elk = new ELK();
parentPort.on('message', ({ id, graph }) => {
  elk.layout(graph).then(
    (result) => parentPort.postMessage({ id, result }),
    (error) => parentPort.postMessage({ id, error: String((error && error.message) || error) }),
  );
});
`

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
  return { machineId: model.machineId, width: Math.ceil(result.width ?? 0), height: Math.ceil(result.height ?? 0), nodes, edges: drawn }
}

/** The size of a simple state's box: its name, then its in-place events wrapped below. */
export function measureState(label: string, internal: readonly string[]): { width: number; height: number } {
  const lines = wrap(internal.join(', '), INTERNAL_LINE_CHARS)
  const width = Math.max(label.length * CHAR_WIDTH, ...lines.map((l) => l.length * SMALL_CHAR_WIDTH)) + 28
  return { width: Math.max(72, Math.ceil(width)), height: 30 + lines.length * LINE_HEIGHT }
}

/** Longest line of an edge label, in characters: a longer one breaks before its guard or at a comma. */
const LABEL_LINE_CHARS = 20

/** An arrow's label lines, long ones broken so that labels stay narrow. */
export function breakLabelLines(labels: readonly string[]): string[] {
  const lines: string[] = []
  for (const label of labels) {
    if (label.length <= LABEL_LINE_CHARS) {
      lines.push(label)
      continue
    }
    let line = ''
    // Break after a comma or a bar, before a guard, and inside a long dotted name after a dot.
    const tokens = label.split(/(?<=,|\|) | (?=\[)/).flatMap((t) => (t.length > LABEL_LINE_CHARS ? t.split(/(?<=\.)/) : [t]))
    for (const token of tokens) {
      const joint = line.endsWith('.') ? '' : ' '
      if (line && line.length + joint.length + token.length > LABEL_LINE_CHARS) {
        lines.push(line)
        line = token
      } else {
        line = line ? `${line}${joint}${token}` : token
      }
    }
    if (line) lines.push(line)
  }
  return lines
}

function measureLabel(lines: readonly string[]): { width: number; height: number } | null {
  if (lines.length === 0) return null
  return { width: Math.ceil(Math.max(...lines.map((l) => l.length * SMALL_CHAR_WIDTH)) + 10), height: lines.length * LINE_HEIGHT + 4 }
}

/** Splits text at spaces into lines of at most `width` characters (a longer word gets its own line). */
export function wrap(text: string, width: number): string[] {
  if (text === '') return []
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  if (line) lines.push(line)
  return lines
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
