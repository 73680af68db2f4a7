/**
 * The charts a live view draws: one per distinct machine it sees, from this process (keyed by
 * the machine's config object, which `machine.provide()` keeps) or from a remote program (keyed
 * by its JSON definition, rebuilt with `createMachine`). Layouts run one at a time, off the
 * caller's path; a chart is announced to `onChart` once drawn. Bounded: at most `MAX_CHARTS`
 * charts and `MAX_STATES` states per chart (a bigger machine is listed without a chart).
 */
import { createMachine } from 'xstate'
import type { AnyStateMachine } from 'xstate'
import { buildChartModel } from './chart-model.js'
import { dropPrototypeKeys } from './remote-events.js'
import { layoutStatechart } from './statechart.js'
import { renderStatechartSvg } from './statechart-svg.js'

const MAX_CHARTS = 32
const MAX_STATES = 150
const MAX_TRANSITIONS = 400

/** A drawn chart as the page gets it: the SVG and where each state and arrow is. */
export interface DrawnChart {
  key: string
  machineId: string
  svg: string
  width: number
  height: number
  nodes: Array<{ path: string; x: number; y: number; width: number; height: number; isCompound: boolean }>
  edges: Array<{ id: string; sources: string[]; target: string }>
}

export interface ChartRegistry {
  /** The chart key of a machine of this process (laid out on first sight), or null if it is not a machine. */
  keyOfMachine(logic: unknown): string | null
  /** The chart key of a remote machine's JSON definition, or null when it cannot be drawn. */
  keyOfDefinition(definition: string): string | null
  /** Every chart drawn so far. */
  list(): DrawnChart[]
  /** Resolves once every layout asked for so far is done (tests, exports). */
  onIdle(): Promise<void>
}

/** Creates an empty registry; `onChart` hears of each chart once drawn. */
export function createChartRegistry(onChart: (chart: DrawnChart) => void): ChartRegistry {
  const byConfig = new WeakMap<object, string>()
  const byDefinition = new Map<string, string>()
  const drawn = new Map<string, DrawnChart>()
  let count = 0
  let queue: Promise<void> = Promise.resolve()

  function schedule(key: string, machine: () => AnyStateMachine): void {
    queue = queue.then(async () => {
      try {
        const model = buildChartModel(machine())
        if (model.states.length > MAX_STATES || model.transitions.length > MAX_TRANSITIONS) return
        const layout = await layoutStatechart(model)
        const chart: DrawnChart = {
          key,
          machineId: layout.machineId,
          svg: renderStatechartSvg(layout, { chartId: key }),
          width: layout.width,
          height: layout.height,
          nodes: layout.nodes
            .filter((n) => n.kind === 'state')
            .map((n) => ({ path: n.path, x: n.x, y: n.y, width: n.width, height: n.height, isCompound: n.isCompound })),
          edges: layout.edges.map((e) => ({ id: e.id, sources: e.sources, target: e.target })),
        }
        drawn.set(key, chart)
        onChart(chart)
      } catch {
        // A machine that cannot be drawn is still listed, only without a chart.
      }
    })
  }

  return {
    keyOfMachine(logic) {
      const machine = logic as { config?: unknown; root?: unknown; id?: unknown } | null
      if (!machine || typeof machine !== 'object' || machine.root === undefined || !machine.config || typeof machine.config !== 'object')
        return null
      const known = byConfig.get(machine.config)
      if (known !== undefined) return known
      if (count >= MAX_CHARTS) return null
      const key = `c${count++}`
      byConfig.set(machine.config, key)
      schedule(key, () => machine as unknown as AnyStateMachine)
      return key
    },
    keyOfDefinition(definition) {
      const known = byDefinition.get(definition)
      if (known !== undefined) return known
      if (count >= MAX_CHARTS) return null
      const key = `c${count++}`
      byDefinition.set(definition, key)
      // Only the structure is drawn: guards, actions and actors stay names, never code.
      schedule(key, () => createMachine(JSON.parse(definition, dropPrototypeKeys)))
      return key
    },
    list() {
      return [...drawn.values()]
    },
    onIdle() {
      return queue
    },
  }
}
