/**
 * What a statechart shows, read from the machine itself (`toDirectedGraph` of `xstate/graph`):
 * its states as a tree, the events each handles in place, and its transitions, with parallel
 * transitions merged into one arrow and a transition that several states share (same events,
 * same target) grouped into one labelled arrow. Transitions declared on the root (handled in
 * every state, such as `process.exit` → `exited`) start from one "any state" box.
 */
import type { AnyStateMachine } from 'xstate'
import { toDirectedGraph } from 'xstate/graph'
import type { DirectedGraphNode } from 'xstate/graph'

/** The pseudo-state that root transitions start from; a state path never starts with '#'. */
export const ANY_STATE = '#any'

export interface ChartState {
  /** Path from the root, such as `disconnecting.draining`. */
  path: string
  label: string
  /** The parent state's path, or null at the top level. */
  parent: string | null
  isCompound: boolean
  isFinal: boolean
  /** Whether it is its parent's initial state (the root's, at the top level). */
  isInitial: boolean
  /** Events handled without leaving the state (targetless transitions). */
  internal: string[]
}

/** One arrow: from one or more states (a group shares it) to one state, with every event that takes it. */
export interface ChartTransition {
  sources: string[]
  target: string
  labels: string[]
}

export interface ChartModel {
  machineId: string
  states: ChartState[]
  transitions: ChartTransition[]
}

/**
 * Reads `machine` into a chart model.
 *
 * @example
 * const model = buildChartModel(workerMachine)
 * model.states.map((s) => s.path) // ['forking', 'online', 'listening', 'disconnecting', …]
 */
export function buildChartModel(machine: AnyStateMachine): ChartModel {
  const root = toDirectedGraph(machine)
  const states: ChartState[] = []
  const raw: RawTransition[] = []
  const pathOf = (node: DirectedGraphNode): string => node.stateNode.path.join('.')

  const collect = (node: DirectedGraphNode, source: string): string[] => {
    const internal: string[] = []
    // `always` transitions are not among toDirectedGraph's edges.
    const always = (node.stateNode.always ?? []) as unknown as TransitionLike[]
    for (const transition of [...node.edges.map((e) => e.transition as unknown as TransitionLike), ...always]) {
      const event = describeEvent(String(transition.eventType ?? ''))
      const targets = transition.target
      if (targets === undefined || targets.length === 0) {
        // Handled in place: list the event once, guards left out (they only pick the actions).
        if (!internal.includes(event)) internal.push(event)
        continue
      }
      for (const target of targets) raw.push({ source, target: target.path.join('.'), event, guard: readGuardName(transition.guard) })
    }
    return internal
  }

  const visit = (node: DirectedGraphNode, parent: DirectedGraphNode | null): void => {
    const path = pathOf(node)
    const initial = (parent ?? root).stateNode.initial?.target?.[0]
    states.push({
      path,
      label: String(node.stateNode.key),
      parent: parent ? pathOf(parent) : null,
      isCompound: node.children.length > 0,
      isFinal: node.stateNode.type === 'final',
      isInitial: initial === node.stateNode,
      internal: collect(node, path),
    })
    for (const child of node.children) visit(child, node)
  }
  for (const child of root.children) visit(child, null)

  const rootInternal = collect(root, ANY_STATE)
  if (raw.some((t) => t.source === ANY_STATE) || rootInternal.length > 0) {
    states.unshift({
      path: ANY_STATE,
      label: 'any state',
      parent: null,
      isCompound: false,
      isFinal: false,
      isInitial: false,
      internal: rootInternal,
    })
  }
  return { machineId: machine.id, states, transitions: groupTransitions(raw) }
}

/**
 * One arrow per pair of states, labelled with every event that takes it; then one arrow for
 * states that share exactly the same labelled arrow to the same target.
 */
export function groupTransitions(raw: readonly RawTransition[]): ChartTransition[] {
  const byPair = new Map<string, RawTransition[]>()
  for (const t of raw) {
    const key = `${t.source}\u0000${t.target}`
    byPair.set(key, [...(byPair.get(key) ?? []), t])
  }
  const pairs = [...byPair.values()].map((list) => ({ source: list[0]!.source, target: list[0]!.target, labels: formatLabels(list) }))
  const groups = new Map<string, ChartTransition>()
  for (const pair of pairs.values()) {
    const key = `${pair.target}\u0000${pair.labels.join('\u0001')}`
    const group = groups.get(key)
    if (group) group.sources.push(pair.source)
    else groups.set(key, { sources: [pair.source], target: pair.target, labels: pair.labels })
  }
  return [...groups.values()]
}

/** One transition as read from the machine, before merging. */
export interface RawTransition {
  source: string
  target: string
  event: string
  guard: string | null
}

interface TransitionLike {
  eventType?: unknown
  target?: ReadonlyArray<{ path: string[] }>
  guard?: unknown
}

/**
 * The lines of one arrow's label, short: events sharing a guard on one line
 * (`done: *, error: * [isCandidateEnd]`), and one event taken under several guards with them
 * joined (`worker.unhealthy [isHungServingWithCandidate | isHungServing]`).
 */
function formatLabels(list: readonly RawTransition[]): string[] {
  const guardsByEvent = new Map<string, string[]>()
  for (const t of list) {
    const guards = guardsByEvent.get(t.event) ?? []
    const guard = t.guard ?? ''
    if (!guards.includes(guard)) guards.push(guard)
    guardsByEvent.set(t.event, guards)
  }
  const eventsByGuards = new Map<string, string[]>()
  for (const [event, guards] of guardsByEvent) {
    // An unguarded branch after guarded ones is the fallback: the event is taken either way.
    const key = guards.includes('') ? '' : guards.join(' | ')
    eventsByGuards.set(key, [...(eventsByGuards.get(key) ?? []), event])
  }
  return [...eventsByGuards].map(([guards, events]) => (guards ? `${events.join(', ')} [${guards}]` : events.join(', ')))
}

function readGuardName(guard: unknown): string | null {
  if (typeof guard === 'string') return guard
  if (guard && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type
  if (typeof guard === 'function') return guard.name || 'guard'
  return null
}

/** An event type made readable: `xstate.after.drain.worker.x` → `after drain`, `xstate.error.actor.p` → `error: p`. */
export function describeEvent(type: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(type)
  const done = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type)
  if (after) return `after ${/^\d+$/.test(after[1] ?? '') ? `${after[1]}ms` : after[1]}`
  if (done) return `${done[1]}: ${done[2]}`
  if (type.startsWith('xstate.done.state.')) return 'done'
  if (type === '') return 'always'
  return type
}
