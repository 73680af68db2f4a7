/**
 * Where a compound state's title (and its in-place events) goes in the band ELK leaves above the
 * state's children. Arrows that enter the compound from above to reach a child low down run
 * through that band (the worker chart's `process.error` and `kill` into `disconnecting.killing`);
 * a title drawn at the left edge sat on them. After the layout, each title moves right to the
 * first place where no arrow segment crosses it (at the left edge when nothing is in the way).
 */
import type { Point, StatechartEdge, StatechartNode } from './statechart-layout.js'
import { CHAR_WIDTH, INTERNAL_LINE_CHARS, LINE_HEIGHT, SMALL_CHAR_WIDTH, TITLE_HEIGHT, wrap } from './statechart-text.js'

/** Inset of a title from the compound's left edge, and room kept around it, in px. */
const INSET = 10
const CLEARANCE = 4

interface Box {
  x0: number
  y0: number
  x1: number
  y1: number
}

/** Sets `titleX` on each compound node of `nodes`, away from the segments of `edges`. */
export function placeTitles(nodes: StatechartNode[], edges: readonly StatechartEdge[]): void {
  const segments: Array<[Point, Point]> = []
  for (const edge of edges) for (const path of edge.paths) for (let i = 1; i < path.length; i++) segments.push([path[i - 1]!, path[i]!])
  for (const node of nodes) {
    if (!node.isCompound) continue
    const lines = wrap(node.internal.join(', '), INTERNAL_LINE_CHARS * 2)
    const width = Math.max(node.label.length * CHAR_WIDTH, ...lines.map((l) => l.length * SMALL_CHAR_WIDTH))
    const band = { y0: node.y + 2, y1: node.y + TITLE_HEIGHT + lines.length * LINE_HEIGHT }
    const boxAt = (x: number): Box => ({ x0: x - CLEARANCE, y0: band.y0, x1: x + width + CLEARANCE, y1: band.y1 })
    const inBand = segments.filter(([a, b]) => Math.max(a.y, b.y) >= band.y0 && Math.min(a.y, b.y) <= band.y1)
    // The left edge first, then just right of each arrow that crosses the band.
    const candidates = [node.x + INSET, ...inBand.map(([a, b]) => Math.max(a.x, b.x) + CLEARANCE + 2)]
      .filter((x) => x >= node.x + INSET && x + width <= node.x + node.width - INSET)
      .sort((a, b) => a - b)
    const free = candidates.find((x) => !inBand.some(([a, b]) => hits(a, b, boxAt(x))))
    node.titleX = free ?? node.x + INSET
  }
}

/** Whether the axis-aligned segment a–b touches `box` (orthogonal routes only have such segments). */
function hits(a: Point, b: Point, box: Box): boolean {
  return Math.max(a.x, b.x) >= box.x0 && Math.min(a.x, b.x) <= box.x1 && Math.max(a.y, b.y) >= box.y0 && Math.min(a.y, b.y) <= box.y1
}
