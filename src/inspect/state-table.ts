/**
 * The current state of every machine actor, built from XState inspection events, so that a browser
 * that connects late still gets the whole picture, plus a bounded log of transitions with reasons.
 *
 * Only `@xstate.actor`, `@xstate.snapshot` and `@xstate.event` are read; everything else is ignored
 * cheaply. They come from this process (`observe`) or as JSON from another one (`observeRemote`,
 * the shape `@statelyai/inspect` sends). Context is sanitised: only the known fields leave the
 * process, strings are truncated. User actors (a cluster's worker actors, a remote program's
 * machines) are also kept in an actor list (actor-list.ts) that the page reads a window at a time.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate'
import { createActorHistory, recordEvent } from './actor-history.js'
import type { ActorHistory } from './actor-history.js'
import { identifyLocal, identifyRemote, readEventType } from './actor-identity.js'
import type { ActorIdentity } from './actor-identity.js'
import { createActorList } from './actor-list.js'
import type { ActorListPage, ActorListQuery, ActorSummary } from './actor-list.js'
import type { RemoteInspectionEvent } from './remote-events.js'
import { applySnapshotDiff } from './snapshot-diff.js'
import type { SeenSnapshot } from './snapshot-diff.js'
import { truncate } from './state-fields.js'
import type { ActorRow, TransitionEntry } from './state-rows.js'
import { createTransitionEntry, recordTransitionEntry } from './transition-record.js'

export type { ActorRow, TransitionEntry }

export { sanitizeContext, toStatePaths } from './state-fields.js'

const DEFAULT_MAX_LOG = 200
const DEFAULT_MAX_ENDED_WORKERS = 8
/**
 * Most actors held at once; more are not shown (a remote app may spawn without end). Room for
 * 10,000 user actors plus the cluster's own machines; about 4 KiB each at most (histories kept short).
 */
const DEFAULT_MAX_ACTORS = 12_000
/** Events and transitions kept per listed (user) actor: 10,000 of them must stay small. */
const LISTED_HISTORY_ITEMS = 10

/** What changed, in the order it happened for each actor. `listed`: some user actor changed (read the list). */
export type StateTableChange =
  | { type: 'actor'; row: ActorRow }
  | { type: 'transition'; entry: TransitionEntry }
  | { type: 'remove'; sessionId: string }
  | { type: 'listed' }

export interface StateTableOptions {
  /** The worker machine's `id`; actors running a machine with this id are shown as workers. */
  workerMachineId: string
  /** Transitions kept for late clients. @default 200 */
  maxLog?: number
  /** Ended workers kept on screen, newest first. @default 8 */
  maxEndedWorkers?: number
  /** Actors held at once. @default 12000 */
  maxActors?: number
  /** Which chart draws a machine of this process (null: none). */
  chartOfMachine?: (machine: unknown) => string | null
  /** Which chart draws a remote machine, from its JSON definition (null: none). */
  chartOfDefinition?: (definition: string) => string | null
  now?: () => number
}

export interface StateTable {
  /** Feed one inspection event of this process. Never throws. */
  observe(event: InspectionEvent): void
  /** Feed one inspection event received as JSON (already shape-checked). Never throws. */
  observeRemote(event: RemoteInspectionEvent): void
  /** One actor's history (events, transitions, crash record), or null when it is not held. */
  history(sessionId: string): (ActorHistory & { row: ActorRow }) | null
  /** Current rows (without the listed user actors when `isListedIncluded` is false) and the recent log. */
  read(options?: { isListedIncluded?: boolean }): { actors: ActorRow[]; log: TransitionEntry[] }
  /** A window of the listed user actors, filtered by kind and state, grouped by worker. */
  listActors(query: ActorListQuery): ActorListPage
  /** Counts of the listed user actors by state, per kind and per worker. */
  summarizeActors(): ActorSummary
  /** Listen to changes; returns the unsubscribe function. */
  subscribe(listener: (change: StateTableChange) => void): () => void
}

/** Creates an empty table. */
export function createStateTable(options: StateTableOptions): StateTable {
  const maxLog = options.maxLog ?? DEFAULT_MAX_LOG
  const maxEndedWorkers = options.maxEndedWorkers ?? DEFAULT_MAX_ENDED_WORKERS
  const now = options.now ?? Date.now
  const maxActors = options.maxActors ?? DEFAULT_MAX_ACTORS
  const rows = new Map<string, ActorRow>()
  const histories = new Map<string, ActorHistory>()
  const seen = new Map<string, SeenSnapshot>()
  const list = createActorList((sessionId) => rows.get(sessionId))
  const listed = new WeakSet<ActorRow>()
  const log: TransitionEntry[] = []
  const listeners = new Set<(change: StateTableChange) => void>()
  let logSeq = 0

  function emit(change: StateTableChange): void {
    for (const listener of listeners) listener(change)
  }

  function register(who: ActorIdentity | undefined): ActorRow | undefined {
    if (!who) return undefined
    const existing = rows.get(who.sessionId)
    if (existing) return existing
    if (rows.size >= maxActors) return undefined
    const kind = !who.isLocal ? 'actor' : who.isRoot ? 'supervisor' : who.machineId === options.workerMachineId ? 'worker' : 'actor'
    const row: ActorRow = {
      ...{ sessionId: who.sessionId, parentId: who.parentId, actorId: who.actorId, machineId: who.machineId, kind },
      ...{ seq: 0, states: [], status: 'active', reason: null, pid: null, workerId: null, slotId: null, incarnation: null },
      ...{ generation: null, restarts: null, exitCode: null, exitSignal: null, expected: null, chart: who.chart },
      ...{ lastEvent: null, startedAt: now(), endedAt: null },
    }
    rows.set(row.sessionId, row)
    // A slot is the supervisor's own; every other plain machine is a user actor, listed apart.
    const isListed = kind === 'actor' && !who.isRootChild
    histories.set(row.sessionId, createActorHistory(isListed ? LISTED_HISTORY_ITEMS : undefined))
    if (isListed) {
      listed.add(row)
      list.add(row)
      emit({ type: 'listed' })
    }
    return row
  }

  function applySnapshot(row: ActorRow, snapshot: unknown, eventType: string): void {
    const isListed = listed.has(row)
    const event = eventType === '' ? row.lastEvent : truncate(eventType)
    const hasEventChanged = event !== row.lastEvent
    row.lastEvent = event
    const diff = applySnapshotDiff(row, snapshot, seen)
    if (!diff) {
      if (isListed && hasEventChanged) {
        list.touch()
        emit({ type: 'listed' })
      }
      return
    }
    if (row.status !== 'active' && row.endedAt === null) row.endedAt = now()
    if (isListed) {
      list.touch()
      emit({ type: 'listed' })
    } else {
      emit({ type: 'actor', row: { ...row } })
    }
    if (diff.hasStateChanged || diff.hasReasonChanged) {
      const entry = createTransitionEntry(row, diff, eventType, ++logSeq, now())
      const history = histories.get(row.sessionId)
      if (history) recordTransitionEntry(history, row, entry)
      // A worker's actors keep their transitions in their own history: 10,000 of them would push
      // the workers' own out of the log.
      if (!isListed || rows.get(row.parentId ?? '')?.kind !== 'worker') {
        log.push(entry)
        if (log.length > maxLog) log.splice(0, log.length - maxLog)
        emit({ type: 'transition', entry })
      }
    }
    if (row.status !== 'active') prune(row)
  }

  function drop(row: ActorRow): void {
    rows.delete(row.sessionId)
    histories.delete(row.sessionId)
    seen.delete(row.sessionId)
    if (listed.has(row)) {
      list.delete(row)
      emit({ type: 'listed' })
    } else {
      emit({ type: 'remove', sessionId: row.sessionId })
    }
  }

  /** Drops ended actors so that a long-running cluster does not grow the table without end. */
  function prune(ended: ActorRow): void {
    seen.delete(ended.sessionId)
    if (ended.kind === 'actor') return drop(ended)
    if (ended.kind !== 'worker') return
    const endedWorkers = [...rows.values()].filter((r) => r.kind === 'worker' && r.endedAt !== null)
    endedWorkers.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
    for (const row of endedWorkers.slice(0, Math.max(0, endedWorkers.length - maxEndedWorkers))) drop(row)
  }

  return {
    observe(event) {
      try {
        if (event.type === '@xstate.actor') {
          register(identifyLocal(event.actorRef as AnyActorRef, event.rootId, options))
        } else if (event.type === '@xstate.snapshot') {
          const ref = event.actorRef as AnyActorRef
          const row = rows.get(ref.sessionId) ?? register(identifyLocal(ref, event.rootId, options))
          if (row) applySnapshot(row, event.snapshot, readEventType(event))
        } else if (event.type === '@xstate.event') {
          const history = histories.get((event.actorRef as AnyActorRef).sessionId)
          if (history) recordEvent(history, event.event, now())
        }
      } catch {
        // The view is a bystander: a malformed event must never break the actor that emitted it.
      }
    },
    observeRemote(event) {
      try {
        if (event.type === '@xstate.actor') {
          const row = register(identifyRemote(event, options))
          if (row && event.snapshot !== undefined) applySnapshot(row, event.snapshot, 'xstate.init')
        } else if (event.type === '@xstate.snapshot') {
          const row = rows.get(event.sessionId)
          if (row) applySnapshot(row, event.snapshot, event.eventType)
        } else {
          const history = histories.get(event.sessionId)
          if (history) recordEvent(history, event.event, now())
        }
      } catch {
        // A remote program's odd event is its own problem; the view goes on.
      }
    },
    history(sessionId) {
      const row = rows.get(sessionId)
      const history = histories.get(sessionId)
      if (!row || !history) return null
      return {
        row: { ...row },
        maxItems: history.maxItems,
        events: history.events.map((e) => ({ ...e })),
        transitions: [...history.transitions],
        crash: history.crash,
      }
    },
    read(readOptions) {
      const isListedIncluded = readOptions?.isListedIncluded ?? true
      const shown = [...rows.values()].filter((row) => isListedIncluded || !listed.has(row))
      return { actors: shown.map((row) => ({ ...row })), log: [...log] }
    },
    listActors: (query) => list.read(query),
    summarizeActors: () => list.summarize(),
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
