/**
 * The actors the page lists (user machines: a cluster's worker actors, or a remote program's
 * actors), kept on the server: with 10,000 of them the browser asks only for the window it shows
 * (`/actors.json?offset=…&limit=…`, filtered by kind and state) and gets counts by state, per kind
 * and per worker, instead of every row. The rows are the state table's own objects (updated in
 * place), so a state change costs no work here; only additions and removals re-sort.
 */
import type { ActorRow } from './state-rows.js'

/** Most lines one window may ask for. */
export const MAX_WINDOW = 500

/** Who hosts a listed actor: a worker (by its machine's row), or nothing (a remote program's actor). */
export interface ActorHost {
  /** The worker machine's session id, or '' for actors no worker hosts. */
  key: string
  workerId: number | null
  pid: number | null
}

/** One line of the list: a worker's heading, or an actor. */
export type ActorListLine =
  | { type: 'host'; host: ActorHost; count: number }
  | {
      type: 'actor'
      sessionId: string
      actorId: string
      kind: string
      /** The active leaf paths joined by ', ' (what the state filter matches). */
      state: string
      status: string
      lastEvent: string | null
      chart: string | null
      host: ActorHost
    }

export interface ActorListQuery {
  /** A machine id; '' or undefined for every kind. */
  kind?: string
  /** A state as listed in the summary; '' or undefined for every state. */
  state?: string
  offset: number
  limit: number
}

export interface ActorListPage {
  version: number
  /** Actors that match the filter, and lines (actors plus one heading per worker). */
  matching: number
  lines: number
  offset: number
  items: ActorListLine[]
}

/** Counts by state: `[state, count]`, most frequent first. */
export type StateCounts = Array<[string, number]>

export interface ActorSummary {
  version: number
  total: number
  kinds: Array<{ kind: string; chart: string | null; total: number; states: StateCounts }>
  hosts: Array<{ host: ActorHost; total: number; kinds: Array<{ kind: string; states: StateCounts }> }>
}

export interface ActorList {
  add(row: ActorRow): void
  delete(row: ActorRow): void
  /** A listed row changed in place. */
  touch(): void
  readonly size: number
  readonly version: number
  read(query: ActorListQuery): ActorListPage
  summarize(): ActorSummary
}

const NO_HOST: ActorHost = { key: '', workerId: null, pid: null }
const collator = new Intl.Collator(undefined, { numeric: true })

/** The text a row's state is listed, counted and filtered by. */
export function stateOf(row: ActorRow): string {
  const states = row.states.length ? row.states.join(', ') : '—'
  return row.status === 'active' ? states : `${states} (${row.status})`
}

/** Creates an empty list; `rowOf` finds a row's parent, to tell which worker hosts it. */
export function createActorList(rowOf: (sessionId: string) => ActorRow | undefined): ActorList {
  const rows = new Set<ActorRow>()
  let sorted: ActorRow[] | null = null
  let version = 0

  function hostOf(row: ActorRow): ActorHost {
    const parent = row.parentId === null ? undefined : rowOf(row.parentId)
    if (!parent || parent.kind !== 'worker') return NO_HOST
    return { key: parent.sessionId, workerId: parent.workerId, pid: parent.pid }
  }

  /** By worker (its cluster id, actors of no worker last), then kind, then id in numeric order. */
  function sortedRows(): ActorRow[] {
    if (sorted) return sorted
    const keyed = [...rows].map((row) => ({ row, host: hostOf(row) }))
    keyed.sort(
      (a, b) =>
        (a.host.workerId ?? Number.MAX_SAFE_INTEGER) - (b.host.workerId ?? Number.MAX_SAFE_INTEGER) ||
        collator.compare(a.host.key, b.host.key) ||
        collator.compare(a.row.machineId, b.row.machineId) ||
        collator.compare(a.row.actorId, b.row.actorId),
    )
    sorted = keyed.map((k) => k.row)
    return sorted
  }

  return {
    add(row) {
      rows.add(row)
      sorted = null
      version++
    },
    delete(row) {
      if (!rows.delete(row)) return
      sorted = null
      version++
    },
    touch() {
      version++
    },
    get size() {
      return rows.size
    },
    get version() {
      return version
    },
    read(query) {
      const limit = Math.max(0, Math.min(MAX_WINDOW, Math.floor(query.limit)))
      const offset = Math.max(0, Math.floor(query.offset))
      const items: ActorListLine[] = []
      let lines = 0
      let matching = 0
      let heading: Extract<ActorListLine, { type: 'host' }> | null = null
      for (const row of sortedRows()) {
        if (query.kind && row.machineId !== query.kind) continue
        const state = stateOf(row)
        if (query.state && state !== query.state) continue
        const host = hostOf(row)
        matching++
        // A remote program's actors have no worker: no heading above them.
        if (host.key !== '' && (!heading || heading.host.key !== host.key)) {
          // Counted on as the loop goes on, past the window, so a heading shows its whole group.
          heading = { type: 'host', host, count: 0 }
          if (lines >= offset && items.length < limit) items.push(heading)
          lines++
        }
        if (heading && heading.host.key === host.key) heading.count++
        if (lines >= offset && items.length < limit)
          items.push({
            type: 'actor',
            sessionId: row.sessionId,
            actorId: row.actorId,
            kind: row.machineId,
            state,
            status: row.status,
            lastEvent: row.lastEvent,
            chart: row.chart,
            host,
          })
        lines++
      }
      return { version, matching, lines, offset, items }
    },
    summarize() {
      const kinds = new Map<string, { chart: string | null; total: number; states: Map<string, number> }>()
      const hosts = new Map<string, { host: ActorHost; total: number; kinds: Map<string, Map<string, number>> }>()
      for (const row of rows) {
        const state = stateOf(row)
        let kind = kinds.get(row.machineId)
        if (!kind) kinds.set(row.machineId, (kind = { chart: row.chart, total: 0, states: new Map() }))
        kind.total++
        kind.states.set(state, (kind.states.get(state) ?? 0) + 1)
        const host = hostOf(row)
        let perHost = hosts.get(host.key)
        if (!perHost) hosts.set(host.key, (perHost = { host, total: 0, kinds: new Map() }))
        perHost.total++
        let states = perHost.kinds.get(row.machineId)
        if (!states) perHost.kinds.set(row.machineId, (states = new Map()))
        states.set(state, (states.get(state) ?? 0) + 1)
      }
      const counts = (m: Map<string, number>): StateCounts => [...m].sort((a, b) => b[1] - a[1] || collator.compare(a[0], b[0]))
      return {
        version,
        total: rows.size,
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
    },
  }
}
