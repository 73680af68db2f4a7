/**
 * The shapes of a laid-out statechart: what `layoutStatechart` returns and the SVG renderer and
 * the page read. Their own file, so the layout and its helpers (title-placement.ts) import the
 * shapes, not each other.
 */

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
  /** A compound state's title's left edge: moved right, off the arrows that cross its top band. */
  titleX?: number
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
