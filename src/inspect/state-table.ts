/**
 * The current state of every machine actor, built from XState inspection events, so that a browser
 * that connects late still gets the whole picture, plus a bounded log of transitions with reasons.
 *
 * Only `@xstate.actor`, `@xstate.snapshot` and `@xstate.event` are read; everything else is ignored
 * cheaply. They come from this process (`observe`) or as JSON from another one (`observeRemote`,
 * the shape `@statelyai/inspect` sends). Context is sanitised: only the known fields below leave
 * the process, strings are truncated.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate'
import { createActorHistory, isCrash, recordCrash, recordEvent, recordTransition } from './actor-history.js'
import type { ActorHistory } from './actor-history.js'
import type { RemoteInspectionEvent } from './remote-events.js'
import { NUMBER_FIELDS, readMachineId, readParentId, sameList, sanitizeContext, toStatePaths, truncate } from './state-fields.js'
import type { ActorRow, TransitionEntry } from './state-rows.js'

export type { ActorRow, TransitionEntry }

export { sanitizeContext, toStatePaths } from './state-fields.js'

const DEFAULT_MAX_LOG = 200
const DEFAULT_MAX_ENDED_WORKERS = 8
/** How soon after an unrequested disconnect an exit counts as the same death, in ms. */
const DISCONNECT_BEFORE_EXIT = 1_000
/** Most actors held at once; more are not shown (a remote app may spawn without end). */
const DEFAULT_MAX_ACTORS = 2_000

/** What changed, in the order it happened for each actor. */
export type StateTableChange =
  | { type: 'actor'; row: ActorRow }
  | { type: 'transition'; entry: TransitionEntry }
  | { type: 'remove'; sessionId: string }

export interface StateTableOptions {
  /** The worker machine's `id`; actors running a machine with this id are shown as workers. */
  workerMachineId: string
  /** Transitions kept for late clients. @default 200 */
  maxLog?: number
  /** Ended workers kept on screen, newest first. @default 8 */
  maxEndedWorkers?: number
  /** Actors held at once. @default 2000 */
  maxActors?: number
  /** Which chart draws a machine of this process (null: none). */
  chartOfMachine?: (machine: unknown) => string | null
  /** Which chart draws a remote machine, from its JSON definition (null: none). */
  chartOfDefinition?: (definition: string) => string | null
  now?: () => number
}

/** Who an actor is, whichever side of the wire it lives on. */
interface ActorIdentity {
  sessionId: string
  parentId: string | null
  isRoot: boolean
  /** Of this process (a supervisor or worker can be recognised), or reported over the wire. */
  isLocal: boolean
  actorId: string
  machineId: string
  chart: string | null
}

export interface StateTable {
  /** Feed one inspection event of this process. Never throws. */
  observe(event: InspectionEvent): void
  /** Feed one inspection event received as JSON (already shape-checked). Never throws. */
  observeRemote(event: RemoteInspectionEvent): void
  /** One actor's history (events, transitions, crash record), or null when it is not held. */
  history(sessionId: string): (ActorHistory & { row: ActorRow }) | null
  /** Everything a new client needs: current rows and the recent log. */
  read(): { actors: ActorRow[]; log: TransitionEntry[] }
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
  /** The last snapshot's own objects per actor: XState keeps them when nothing changed. */
  const lastSeen = new Map<string, { value: unknown; context: unknown; status: unknown }>()
  const log: TransitionEntry[] = []
  const listeners = new Set<(change: StateTableChange) => void>()
  let logSeq = 0

  function emit(change: StateTableChange): void {
    for (const listener of listeners) listener(change)
  }

  function identify(ref: AnyActorRef, rootId: string): ActorIdentity | undefined {
    const machineId = readMachineId(ref)
    // Callback and promise actors (such as a worker's `process` actor) have no states to show.
    if (machineId === null) return undefined
    const parentId = readParentId(ref)
    const chart = options.chartOfMachine?.((ref as { logic?: unknown }).logic) ?? null
    return {
      sessionId: ref.sessionId,
      parentId,
      isRoot: parentId === null || ref.sessionId === rootId,
      isLocal: true,
      actorId: truncate(String(ref.id)),
      machineId,
      chart,
    }
  }

  function register(who: ActorIdentity | undefined): ActorRow | undefined {
    if (!who) return undefined
    const existing = rows.get(who.sessionId)
    if (existing) return existing
    if (rows.size >= maxActors) return undefined
    const row: ActorRow = {
      sessionId: who.sessionId,
      parentId: who.parentId,
      actorId: who.actorId,
      machineId: who.machineId,
      kind: !who.isLocal ? 'actor' : who.isRoot ? 'supervisor' : who.machineId === options.workerMachineId ? 'worker' : 'actor',
      seq: 0,
      states: [],
      status: 'active',
      reason: null,
      pid: null,
      workerId: null,
      slotId: null,
      incarnation: null,
      generation: null,
      restarts: null,
      exitCode: null,
      exitSignal: null,
      expected: null,
      chart: who.chart,
      startedAt: now(),
      endedAt: null,
    }
    rows.set(row.sessionId, row)
    histories.set(row.sessionId, createActorHistory())
    return row
  }

  function applySnapshot(row: ActorRow, snapshot: unknown, eventType: string): void {
    const snap = (snapshot ?? {}) as { value?: unknown; status?: unknown; context?: unknown }
    // Fast path for the frequent events that change nothing (a heartbeat relayed by a slot).
    const seen = lastSeen.get(row.sessionId)
    if (seen && seen.value === snap.value && seen.context === snap.context && seen.status === snap.status) return
    lastSeen.set(row.sessionId, { value: snap.value, context: snap.context, status: snap.status })
    const states = toStatePaths(snap.value)
    const status = typeof snap.status === 'string' ? snap.status : row.status
    const fields = sanitizeContext(snap.context)
    const hasStateChanged = !sameList(states, row.states) || status !== row.status
    const hasReasonChanged = fields.reason !== undefined && fields.reason !== row.reason
    const hasFieldsChanged =
      hasReasonChanged ||
      NUMBER_FIELDS.some((k) => fields[k] !== undefined && fields[k] !== row[k]) ||
      (fields.slotId !== undefined && fields.slotId !== row.slotId) ||
      (fields.exitCode !== undefined && fields.exitCode !== row.exitCode) ||
      (fields.exitSignal !== undefined && fields.exitSignal !== row.exitSignal) ||
      (fields.expected !== undefined && fields.expected !== row.expected)
    if (!hasStateChanged && !hasFieldsChanged) return

    const from = row.states
    const fromStatus = row.seq === 0 ? null : row.status
    Object.assign(row, fields)
    row.states = states
    row.status = status
    row.seq += 1
    if (status !== 'active' && row.endedAt === null) row.endedAt = now()
    emit({ type: 'actor', row: { ...row } })

    if (hasStateChanged || hasReasonChanged) {
      const entry: TransitionEntry = {
        seq: ++logSeq,
        at: now(),
        sessionId: row.sessionId,
        kind: row.kind,
        machineId: row.machineId,
        workerId: row.workerId,
        pid: row.pid,
        slotId: row.slotId,
        from,
        to: states,
        fromStatus,
        toStatus: status,
        event: truncate(eventType),
        reason: row.reason,
        exitCode: row.exitCode,
        exitSignal: row.exitSignal,
        isCrash: row.kind === 'worker' && status !== 'active' && isCrash(row),
        crashedFrom: null,
      }
      const history = histories.get(row.sessionId)
      if (history) {
        const previous = history.transitions[history.transitions.length - 1]
        if (entry.isCrash && previous && previous.event === 'process.disconnect' && entry.at - previous.at <= DISCONNECT_BEFORE_EXIT)
          entry.crashedFrom = previous.from
        recordTransition(history, entry)
        if (entry.isCrash) {
          recordCrash(history, {
            at: entry.at,
            exitCode: row.exitCode,
            exitSignal: row.exitSignal,
            reason: row.reason,
            lastStates: entry.crashedFrom ?? from,
            uptimeMs: entry.at - row.startedAt,
          })
        }
      }
      log.push(entry)
      if (log.length > maxLog) log.splice(0, log.length - maxLog)
      emit({ type: 'transition', entry })
    }
    if (status !== 'active') prune(row)
  }

  /** Drops ended actors so that a long-running cluster does not grow the table without end. */
  function prune(ended: ActorRow): void {
    lastSeen.delete(ended.sessionId)
    if (ended.kind === 'actor') {
      rows.delete(ended.sessionId)
      histories.delete(ended.sessionId)
      emit({ type: 'remove', sessionId: ended.sessionId })
      return
    }
    if (ended.kind !== 'worker') return
    const endedWorkers = [...rows.values()].filter((r) => r.kind === 'worker' && r.endedAt !== null)
    endedWorkers.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
    for (const row of endedWorkers.slice(0, Math.max(0, endedWorkers.length - maxEndedWorkers))) {
      rows.delete(row.sessionId)
      histories.delete(row.sessionId)
      lastSeen.delete(row.sessionId)
      emit({ type: 'remove', sessionId: row.sessionId })
    }
  }

  function identifyRemote(event: Extract<RemoteInspectionEvent, { type: '@xstate.actor' }>): ActorIdentity | undefined {
    if (event.machineId === null) return undefined
    const chart = event.definition === null ? null : (options.chartOfDefinition?.(event.definition) ?? null)
    return {
      sessionId: event.sessionId,
      parentId: event.parentId,
      isRoot: event.parentId === null,
      isLocal: false,
      actorId: truncate(event.name ?? event.sessionId),
      machineId: truncate(event.machineId),
      chart,
    }
  }

  return {
    observe(event) {
      try {
        if (event.type === '@xstate.actor') {
          register(identify(event.actorRef as AnyActorRef, event.rootId))
        } else if (event.type === '@xstate.snapshot') {
          const ref = event.actorRef as AnyActorRef
          const row = rows.get(ref.sessionId) ?? register(identify(ref, event.rootId))
          if (row) applySnapshot(row, event.snapshot, typeof event.event?.type === 'string' ? event.event.type : '')
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
          const row = register(identifyRemote(event))
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
      return { row: { ...row }, events: history.events.map((e) => ({ ...e })), transitions: [...history.transitions], crash: history.crash }
    },
    read() {
      return { actors: [...rows.values()].map((row) => ({ ...row })), log: [...log] }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
