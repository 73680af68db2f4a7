/**
 * Counts of the listed user actors by state, per kind and per worker, as the page shows them
 * (and badges the charts with): one pass over the rows, a few hundred bytes for 10,000 actors.
 */
import type { ActorRow } from './state-rows.js'

/** Who hosts a listed actor: a worker (by its machine's row), or nothing (a remote program's actor). */
export interface ActorHost {
  /** The worker machine's session id, or '' for actors no worker hosts. */
  key: string
  workerId: number | null
  pid: number | null
}

export const collator = new Intl.Collator(undefined, { numeric: true })

/** The text a row's state is listed, counted and filtered by. */
export function stateOf(row: ActorRow): string {
  const states = row.states.length ? row.states.join(', ') : '—'
  return row.status === 'active' ? states : `${states} (${row.status})`
}

/** Counts by state: `[state, count]`, most frequent first. */
export type StateCounts = Array<[string, number]>

export interface ActorSummary {
  version: number
  total: number
  kinds: Array<{ kind: string; chart: string | null; total: number; states: StateCounts }>
  hosts: Array<{ host: ActorHost; total: number; kinds: Array<{ kind: string; states: StateCounts }> }>
}

/** Counts `rows` by state; `hostOf` tells which worker hosts a row. */
export function summarizeActorRows(rows: Iterable<ActorRow>, hostOf: (row: ActorRow) => ActorHost, version: number): ActorSummary {
  const kinds = new Map<string, { chart: string | null; total: number; states: Map<string, number> }>()
  const hosts = new Map<string, { host: ActorHost; total: number; kinds: Map<string, Map<string, number>> }>()
  let total = 0
  for (const row of rows) {
    total++
    const state = stateOf(row)
    const kind = kinds.get(row.machineId) ?? { chart: row.chart, total: 0, states: new Map<string, number>() }
    kinds.set(row.machineId, kind)
    kind.total++
    kind.states.set(state, (kind.states.get(state) ?? 0) + 1)
    const host = hostOf(row)
    const perHost = hosts.get(host.key) ?? { host, total: 0, kinds: new Map<string, Map<string, number>>() }
    hosts.set(host.key, perHost)
    perHost.total++
    const states = perHost.kinds.get(row.machineId) ?? new Map<string, number>()
    perHost.kinds.set(row.machineId, states)
    states.set(state, (states.get(state) ?? 0) + 1)
  }
  const counts = (m: Map<string, number>): StateCounts => [...m].sort((a, b) => b[1] - a[1] || collator.compare(a[0], b[0]))
  return {
    version,
    total,
    kinds: [...kinds]
      .sort((a, b) => collator.compare(a[0], b[0]))
      .map(([kind, k]) => ({ kind, chart: k.chart, total: k.total, states: counts(k.states) })),
    hosts: [...hosts.values()]
      .sort((a, b) => (a.host.workerId ?? Number.MAX_SAFE_INTEGER) - (b.host.workerId ?? Number.MAX_SAFE_INTEGER))
      .map((h) => ({
        host: h.host,
        total: h.total,
        kinds: [...h.kinds].sort((a, b) => collator.compare(a[0], b[0])).map(([kind, states]) => ({ kind, states: counts(states) })),
      })),
  }
}
