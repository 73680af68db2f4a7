/**
 * The actors the page lists (user machines: a cluster's worker actors, or a remote program's
 * actors), kept on the server: with 10,000 of them the browser asks only for the window it shows
 * (`/actors.json?offset=…&limit=…`, filtered by kind and state) and gets counts by state, per kind
 * and per worker, instead of every row. The rows are the state table's own objects (updated in
 * place), so a state change costs no work here; only additions and removals re-sort.
 */
import type { ActorHost, ActorSummary } from './actor-summary.js'
import { collator, stateOf, summarizeActorRows } from './actor-summary.js'
import type { ActorRow } from './state-rows.js'

export type { ActorHost, ActorSummary, StateCounts } from './actor-summary.js'
export { stateOf } from './actor-summary.js'

/** Most lines one window may ask for. */
export const MAX_WINDOW = 500

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

/** Creates an empty list; `rowOf` finds a row's parent, to tell which worker hosts it. */
export function createActorList(rowOf: (sessionId: string) => ActorRow | undefined): ActorList {
  const rows = new Set<ActorRow>()
  let sorted: ActorRow[] | null = null
  let version = 0

  /** A host finder that reads each parent once (10,000 actors share a handful of workers). */
  function createHostFinder(): (row: ActorRow) => ActorHost {
    const known = new Map<string | null, ActorHost>()
    return (row) => {
      let host = known.get(row.parentId)
      if (host) return host
      const parent = row.parentId === null ? undefined : rowOf(row.parentId)
      host = parent?.kind === 'worker' ? { key: parent.sessionId, workerId: parent.workerId, pid: parent.pid } : NO_HOST
      known.set(row.parentId, host)
      return host
    }
  }

  /** By worker (its cluster id, actors of no worker last), then kind, then id in numeric order. */
  function sortedRows(): ActorRow[] {
    if (sorted) return sorted
    const hostOf = createHostFinder()
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
      const hostOf = createHostFinder()
      for (const row of sortedRows()) {
        if (query.kind && row.machineId !== query.kind) continue
        if (query.state && stateOf(row) !== query.state) continue
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
            state: stateOf(row),
            status: row.status,
            lastEvent: row.lastEvent,
            chart: row.chart,
            host,
          })
        lines++
      }
      return { version, matching, lines, offset, items }
    },
    summarize: () => summarizeActorRows(rows, createHostFinder(), version),
  }
}
