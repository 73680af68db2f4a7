/**
 * Draws a machine's statechart from the machine itself: nodes and edges from `toDirectedGraph`
 * (`xstate/graph`), laid out by `@dagrejs/dagre`, rendered as an SVG string with every label
 * escaped. The page highlights `[data-state="<path>"]` groups for each worker's current state.
 */
import dagre from '@dagrejs/dagre'
import type { AnyStateMachine } from 'xstate'
import { toDirectedGraph } from 'xstate/graph'
import type { DirectedGraphEdge, DirectedGraphNode } from 'xstate/graph'

/** Approximate advance of one character of the 12px monospace font used in the chart, in px. */
const CHAR_WIDTH = 7.3
const SMALL_CHAR_WIDTH = 6.1
const LINE_HEIGHT = 14
const INTERNAL_LINE_CHARS = 34
/** Pseudo-node ids; a state path never starts with '#'. */
const ANY_STATE = '#any'
const START = '#start'

/** One drawn state, positioned by its centre. */
export interface StatechartNode {
  /** The state's path from the root, such as `disconnecting.draining`. */
  path: string
  label: string
  x: number
  y: number
  width: number
  height: number
  isCompound: boolean
  isFinal: boolean
  /** Events handled without leaving the state (targetless transitions). */
  internal: string[]
}

/** One drawn transition. */
export interface StatechartEdge {
  source: string
  target: string
  /** Every event that takes this transition, one per line (`\n`). */
  label: string
  points: Array<{ x: number; y: number }>
  labelX: number
  labelY: number
}

export interface StatechartLayout {
  machineId: string
  width: number
  height: number
  nodes: StatechartNode[]
  edges: StatechartEdge[]
}

interface NodeLabel {
  width: number
  height: number
  x?: number
  y?: number
}
interface EdgeLabel {
  width?: number
  height?: number
  labelpos?: 'c'
  minlen?: number
  weight?: number
  points?: Array<{ x: number; y: number }>
  x?: number
  y?: number
  text?: string
  isHidden?: boolean
}

/**
 * Lays out `machine`'s states and transitions. Transitions declared on the root (such as
 * `process.exit` → `exited`, handled in every state) start from an "any state" box.
 *
 * @example
 * const layout = layoutStatechart(workerMachine)
 * const svg = renderStatechartSvg(layout)
 */
export function layoutStatechart(machine: AnyStateMachine): StatechartLayout {
  const root = toDirectedGraph(machine)
  const graph = new dagre.graphlib.Graph<object, NodeLabel, EdgeLabel>({ compound: true, multigraph: true })
  graph.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 36, edgesep: 12, marginx: 12, marginy: 12 })
  const info = new Map<string, { label: string; isCompound: boolean; isFinal: boolean; internal: string[] }>()
  const edges: Array<{ source: string; target: string; label: string }> = []

  const pathOf = (node: DirectedGraphNode): string => node.stateNode.path.join('.')
  /** The box an arrow into `node` ends at: a compound state is entered through its initial child. */
  const entryOf = (node: DirectedGraphNode): string => {
    const initial = node.stateNode.initial?.target?.[0]
    const child = initial ? node.children.find((c) => c.stateNode === initial) : undefined
    return child ? entryOf(child) : headerOf(node)
  }
  const headerOf = (node: DirectedGraphNode): string => (node.children.length > 0 ? `${pathOf(node)}#header` : pathOf(node))
  const byStateNode = new Map<unknown, DirectedGraphNode>()
  const index = (node: DirectedGraphNode): void => {
    byStateNode.set(node.stateNode, node)
    node.children.forEach(index)
  }
  index(root)

  const collect = (node: DirectedGraphNode, id: string): string[] => {
    const internal: string[] = []
    for (const edge of node.edges) {
      if (edge.transition.target === undefined || edge.transition.target.length === 0) {
        // Handled in place: list the event once, guards left out (they only pick the actions).
        const event = describeEvent(String(edge.transition.eventType))
        if (!internal.includes(event)) internal.push(event)
        continue
      }
      const label = describeTransition(edge)
      const target = byStateNode.get(edge.target)
      edges.push({ source: id, target: target ? entryOf(target) : edge.target.path.join('.'), label })
    }
    return internal
  }

  const visit = (node: DirectedGraphNode, parent: string | undefined): void => {
    const path = pathOf(node)
    const label = String(node.stateNode.key)
    if (node.children.length > 0) {
      graph.setNode(path, { width: 0, height: 0 })
      if (parent) graph.setParent(path, parent)
      const header = headerOf(node)
      const internal = collect(node, header)
      info.set(header, { label, isCompound: true, isFinal: false, internal })
      graph.setNode(header, measure(label, internal))
      graph.setParent(header, path)
      for (const child of node.children) visit(child, path)
      // Keep the title above the children.
      graph.setEdge(header, entryOf(node), { isHidden: true, weight: 4, minlen: 1 }, `${header}->initial`)
    } else {
      const isFinal = node.stateNode.type === 'final'
      const internal = collect(node, path)
      info.set(path, { label, isCompound: false, isFinal, internal })
      graph.setNode(path, measure(label, internal))
      if (parent) graph.setParent(path, parent)
    }
  }
  for (const child of root.children) visit(child, undefined)

  const rootInternal = collect(root, ANY_STATE)
  if (edges.some((e) => e.source === ANY_STATE) || rootInternal.length > 0) {
    info.set(ANY_STATE, { label: 'any state', isCompound: false, isFinal: false, internal: rootInternal })
    graph.setNode(ANY_STATE, measure('any state', rootInternal))
  }
  const initial = root.children.length > 0 ? entryOf(root) : undefined
  if (initial) {
    graph.setNode(START, { width: 14, height: 14 })
    edges.unshift({ source: START, target: initial, label: '' })
  }
  // One arrow per pair of states, labelled with every event that takes it, one per line.
  const merged = new Map<string, { source: string; target: string; labels: string[] }>()
  for (const edge of edges) {
    const key = `${edge.source}\u0000${edge.target}`
    const entry = merged.get(key) ?? { source: edge.source, target: edge.target, labels: [] }
    if (edge.label && !entry.labels.includes(edge.label)) entry.labels.push(edge.label)
    merged.set(key, entry)
  }
  let edgeCount = 0
  for (const edge of merged.values()) {
    const width = Math.max(0, ...edge.labels.map((l) => l.length * SMALL_CHAR_WIDTH)) + 8
    const height = edge.labels.length * LINE_HEIGHT
    graph.setEdge(edge.source, edge.target, { width: height ? width : 0, height, labelpos: 'c', text: edge.labels.join('\n') }, `e${edgeCount++}`)
  }

  dagre.layout(graph)

  const nodes: StatechartNode[] = []
  for (const id of graph.nodes()) {
    const box = graph.node(id)
    if (!box || id === START) continue
    const meta = info.get(id)
    if (id.endsWith('#header')) continue
    const isCompound = graph.children(id).length > 0
    const compoundMeta = isCompound ? info.get(`${id}#header`) : undefined
    nodes.push({
      path: id,
      label: (meta ?? compoundMeta)?.label ?? id,
      x: box.x ?? 0,
      y: box.y ?? 0,
      width: box.width,
      height: box.height,
      isCompound,
      isFinal: meta?.isFinal ?? false,
      internal: compoundMeta?.internal ?? meta?.internal ?? [],
    })
  }
  const startBox = initial ? graph.node(START) : undefined
  if (startBox) nodes.push({ path: START, label: '', x: startBox.x ?? 0, y: startBox.y ?? 0, width: 14, height: 14, isCompound: false, isFinal: false, internal: [] })

  const drawn: StatechartEdge[] = []
  for (const e of graph.edges()) {
    const label = graph.edge(e)
    if (!label || label.isHidden) continue
    drawn.push({
      source: e.v.replace(/#header$/, ''),
      target: e.w.replace(/#header$/, ''),
      label: label.text ?? '',
      points: (label.points ?? []).map((p: { x: number; y: number }) => ({ x: round(p.x), y: round(p.y) })),
      labelX: round(label.x ?? 0),
      labelY: round(label.y ?? 0),
    })
  }
  const size = graph.graph() as { width?: number; height?: number }
  return { machineId: machine.id, width: Math.ceil(size.width ?? 0), height: Math.ceil(size.height ?? 0), nodes, edges: drawn }
}

/** Renders a layout as a standalone SVG element; every label is escaped. */
export function renderStatechartSvg(layout: StatechartLayout): string {
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="statechart" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img" aria-label="${escapeXml(`${layout.machineId} statechart`)}">`)
  out.push('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>')
  for (const node of layout.nodes.filter((n) => n.isCompound)) {
    const left = round(node.x - node.width / 2)
    const top = round(node.y - node.height / 2)
    out.push(`<g class="state compound" data-state="${escapeXml(node.path)}"><rect x="${left}" y="${top}" width="${round(node.width)}" height="${round(node.height)}" rx="10"/>`)
    out.push(`<text class="title" x="${left + 10}" y="${top + 16}">${escapeXml(node.label)}</text>`)
    if (node.internal.length > 0) out.push(`<text class="internal" x="${left + 10}" y="${top + 30}">${escapeXml(node.internal.join(', '))}</text>`)
    out.push('</g>')
  }
  for (const edge of layout.edges) {
    out.push(`<g class="edge" data-source="${escapeXml(edge.source)}" data-target="${escapeXml(edge.target)}"><path d="${toPathData(edge.points)}" marker-end="url(#arrow)"/>`)
    const lines = edge.label === '' ? [] : edge.label.split('\n')
    lines.forEach((line, i) => {
      const y = round(edge.labelY - ((lines.length - 1) * LINE_HEIGHT) / 2 + i * LINE_HEIGHT + 4)
      out.push(`<text x="${edge.labelX}" y="${y}" text-anchor="middle">${escapeXml(line)}</text>`)
    })
    out.push('</g>')
  }
  for (const node of layout.nodes.filter((n) => !n.isCompound)) {
    if (node.path === START) {
      out.push(`<circle class="start" cx="${round(node.x)}" cy="${round(node.y)}" r="6"/>`)
      continue
    }
    const left = round(node.x - node.width / 2)
    const top = round(node.y - node.height / 2)
    const classes = ['state', node.path === ANY_STATE ? 'any' : '', node.isFinal ? 'final' : ''].filter(Boolean).join(' ')
    out.push(`<g class="${classes}" data-state="${escapeXml(node.path)}"><rect x="${left}" y="${top}" width="${round(node.width)}" height="${round(node.height)}" rx="8"/>`)
    if (node.isFinal) out.push(`<rect class="inner" x="${left + 3}" y="${top + 3}" width="${round(node.width - 6)}" height="${round(node.height - 6)}" rx="6"/>`)
    out.push(`<text x="${round(node.x)}" y="${top + 19}" text-anchor="middle">${escapeXml(node.label)}</text>`)
    wrap(node.internal.join(', '), INTERNAL_LINE_CHARS).forEach((line, i) => {
      out.push(`<text class="internal" x="${round(node.x)}" y="${top + 35 + i * LINE_HEIGHT}" text-anchor="middle">${escapeXml(line)}</text>`)
    })
    out.push('</g>')
  }
  out.push('</svg>')
  return out.join('')
}

/** A short label for a transition: its event (delays and done events made readable) and guard. */
export function describeTransition(edge: DirectedGraphEdge): string {
  const label = describeEvent(String(edge.transition.eventType))
  const guard = edge.transition.guard as unknown
  const guardName = typeof guard === 'string' ? guard : guard && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string' ? (guard as { type: string }).type : null
  return guardName ? `${label} [${guardName}]` : label
}

/** An event type made readable: `xstate.after.drain.worker.x` → `after drain`, `xstate.error.actor.p` → `error: p`. */
function describeEvent(type: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(type)
  const done = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type)
  if (after) return `after ${/^\d+$/.test(after[1] ?? '') ? `${after[1]}ms` : after[1]}`
  if (done) return `${done[1]}: ${done[2]}`
  if (type.startsWith('xstate.done.state.')) return 'done'
  return type
}

/** Escapes text for an XML/HTML text node or a double-quoted attribute. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function measure(label: string, internal: string[]): NodeLabel {
  const lines = wrap(internal.join(', '), INTERNAL_LINE_CHARS)
  const width = Math.max(label.length * CHAR_WIDTH, ...lines.map((l) => l.length * SMALL_CHAR_WIDTH)) + 28
  return { width: Math.max(64, Math.ceil(width)), height: 28 + lines.length * LINE_HEIGHT }
}

function wrap(text: string, width: number): string[] {
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

/** A smooth path through dagre's points: straight ends, quadratic curves around the bends. */
function toPathData(points: ReadonlyArray<{ x: number; y: number }>): string {
  const [first, ...rest] = points
  if (!first) return ''
  if (rest.length < 2) return `M${first.x},${first.y}` + rest.map((p) => `L${p.x},${p.y}`).join('')
  let d = `M${first.x},${first.y}`
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!
    const next = rest[i + 1]!
    d += `Q${p.x},${p.y} ${round((p.x + next.x) / 2)},${round((p.y + next.y) / 2)}`
  }
  const last = rest[rest.length - 1]!
  return `${d}L${last.x},${last.y}`
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
