/**
 * Renders a laid-out statechart as one SVG element, every label escaped. The live page marks
 * `g.state[data-state="<path>"]` for the actors' current states and `g.edge` for the last
 * transition; a standalone export carries its own style.
 */
import type { Point, StatechartLayout } from './statechart.js'
import { INTERNAL_LINE_CHARS, LINE_HEIGHT, wrap } from './statechart-text.js'

/** Corner radius of an edge's bends, in px. */
const BEND_RADIUS = 5

/** The chart's look, for an SVG shown outside the live page (which has the same rules). */
export const STATECHART_STYLE = `
svg.statechart text { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; fill: #1d2330; }
svg.statechart text.internal { font-size: 10px; fill: #6b7385; }
/* A halo of the box's colour keeps a title legible where an arrow runs underneath it. */
svg.statechart .title text { paint-order: stroke; stroke: #f3f5fa; stroke-width: 4px; stroke-linejoin: round; }
svg.statechart .edge text { font-size: 10px; fill: #2d4a7a; }
svg.statechart .edge rect.label { fill: #ffffff; fill-opacity: 0.92; }
svg.statechart .edge path { fill: none; stroke: #8a93a6; stroke-width: 1.3; }
svg.statechart .arrowhead { fill: #8a93a6; }
svg.statechart .start, svg.statechart .junction { fill: #1d2330; }
svg.statechart .state > rect { fill: #ffffff; stroke: #5b6578; stroke-width: 1.2; }
svg.statechart .state.compound > rect { fill: #f3f5fa; }
svg.statechart .state.any > rect { stroke-dasharray: 4 3; fill: #fafafa; }
svg.statechart .state.final > rect.inner { fill: none; }
`

/**
 * Renders `layout`. With `standalone`, the SVG carries its own `<style>` (for files and docs).
 *
 * @example
 * const svg = renderStatechartSvg(await layoutStatechart(workerMachine), { standalone: true })
 */
export function renderStatechartSvg(layout: StatechartLayout, options: { standalone?: boolean; chartId?: string } = {}): string {
  const marker = `arrow-${escapeXml((options.chartId ?? layout.machineId).replace(/[^A-Za-z0-9_-]/g, '_'))}`
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="statechart" data-machine="${escapeXml(layout.machineId)}" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" role="img" aria-label="${escapeXml(`${layout.machineId} statechart`)}">`,
  )
  if (options.standalone) out.push(`<style>${STATECHART_STYLE}</style>`)
  out.push(
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead"/></marker></defs>`,
  )
  // Compound boxes first (underneath), outermost first; then arrows; then simple boxes and labels on top.
  const compounds = layout.nodes.filter((n) => n.kind === 'state' && n.isCompound).sort((a, b) => depth(a.path) - depth(b.path))
  for (const node of compounds) {
    out.push(
      `<g class="state compound" data-state="${escapeXml(node.path)}"><rect x="${node.x}" y="${node.y}" width="${node.width}" height="${node.height}" rx="10"/></g>`,
    )
  }
  for (const edge of layout.edges) {
    const isStart = edge.id.startsWith('start:')
    out.push(
      `<g class="edge${isStart ? ' initial' : ''}" data-edge="${escapeXml(edge.id)}" data-sources="${escapeXml(edge.sources.join(' '))}" data-target="${escapeXml(edge.target)}">`,
    )
    edge.paths.forEach((points, i) => {
      // Only the last piece (the trunk) ends at the target: it alone gets the arrowhead.
      const arrow = i === edge.paths.length - 1 ? ` marker-end="url(#${marker})"` : ''
      out.push(`<path d="${toPathData(points)}"${arrow}/>`)
    })
    if (edge.label) {
      const { x, y, width, height } = edge.label
      out.push(`<rect class="label" x="${x}" y="${y}" width="${width}" height="${height}" rx="3"/>`)
      edge.labels.forEach((line, i) => {
        out.push(
          `<text class="edge-label" x="${round(x + width / 2)}" y="${round(y + 12 + i * LINE_HEIGHT)}" text-anchor="middle">${escapeXml(line)}</text>`,
        )
      })
    }
    out.push('</g>')
  }
  // A compound state's title and in-place events go above the arrows, which may run underneath.
  for (const node of compounds) {
    out.push(`<g class="title" data-title-of="${escapeXml(node.path)}">`)
    const x = node.titleX ?? node.x + 10
    out.push(`<text class="title" x="${x}" y="${node.y + 17}">${escapeXml(node.label)}</text>`)
    wrap(node.internal.join(', '), INTERNAL_LINE_CHARS * 2).forEach((line, i) => {
      out.push(`<text class="internal" x="${x}" y="${node.y + 31 + i * LINE_HEIGHT}">${escapeXml(line)}</text>`)
    })
    out.push('</g>')
  }
  for (const node of layout.nodes) {
    if (node.kind === 'start') {
      out.push(
        `<circle class="start" data-start="${escapeXml(node.path)}" cx="${round(node.x + node.width / 2)}" cy="${round(node.y + node.height / 2)}" r="${node.width / 2}"/>`,
      )
      continue
    }
    if (node.kind === 'junction') {
      out.push(
        `<circle class="junction" cx="${round(node.x + node.width / 2)}" cy="${round(node.y + node.height / 2)}" r="${node.width / 2}"/>`,
      )
      continue
    }
    if (node.isCompound) continue
    const classes = ['state', node.kind === 'any' ? 'any' : '', node.isFinal ? 'final' : ''].filter(Boolean).join(' ')
    const centre = round(node.x + node.width / 2)
    out.push(
      `<g class="${classes}" data-state="${escapeXml(node.path)}"><rect x="${node.x}" y="${node.y}" width="${node.width}" height="${node.height}" rx="8"/>`,
    )
    if (node.isFinal)
      out.push(
        `<rect class="inner" x="${node.x + 3}" y="${node.y + 3}" width="${round(node.width - 6)}" height="${round(node.height - 6)}" rx="6"/>`,
      )
    out.push(`<text class="name" x="${centre}" y="${node.y + 19}" text-anchor="middle">${escapeXml(node.label)}</text>`)
    wrap(node.internal.join(', '), INTERNAL_LINE_CHARS).forEach((line, i) => {
      out.push(`<text class="internal" x="${centre}" y="${node.y + 34 + i * LINE_HEIGHT}" text-anchor="middle">${escapeXml(line)}</text>`)
    })
    out.push('</g>')
  }
  out.push('</svg>')
  return out.join('')
}

/** Escapes text for an XML/HTML text node or a double-quoted attribute. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** An orthogonal path with its bends rounded off. */
function toPathData(points: readonly Point[]): string {
  const [first, ...rest] = points
  if (!first) return ''
  let d = `M${first.x},${first.y}`
  for (let i = 0; i < rest.length; i++) {
    const p = rest[i]!
    const prev = i === 0 ? first : rest[i - 1]!
    const next = rest[i + 1]
    if (!next) {
      d += `L${p.x},${p.y}`
      continue
    }
    const r = Math.min(BEND_RADIUS, distance(prev, p) / 2, distance(p, next) / 2)
    const a = towards(p, prev, r)
    const b = towards(p, next, r)
    d += `L${a.x},${a.y}Q${p.x},${p.y} ${b.x},${b.y}`
  }
  return d
}

function towards(from: Point, to: Point, length: number): Point {
  const d = distance(from, to)
  if (d === 0) return from
  return { x: round(from.x + ((to.x - from.x) / d) * length), y: round(from.y + ((to.y - from.y) / d) * length) }
}

function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y)
}

function depth(path: string): number {
  return path.split('.').length
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}
