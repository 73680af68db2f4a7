/**
 * One transition as the log and an actor's history keep it, and, for a worker that died
 * unexpectedly, its crash record. A SIGKILL closes the IPC channel a moment before the exit, so a
 * crash right after an unrequested `process.disconnect` is said to come from the states before it.
 */
import { isCrash, recordCrash, recordTransition } from './actor-history.js'
import type { ActorHistory } from './actor-history.js'
import type { SnapshotDiff } from './snapshot-diff.js'
import { truncate } from './state-fields.js'
import type { ActorRow, TransitionEntry } from './state-rows.js'

/** How soon after an unrequested disconnect an exit counts as the same death, in ms. */
const DISCONNECT_BEFORE_EXIT = 1_000

/** Builds the entry of the transition `diff` made to `row` after an event of type `eventType`. */
export function createTransitionEntry(row: ActorRow, diff: SnapshotDiff, eventType: string, seq: number, at: number): TransitionEntry {
  return {
    seq,
    at,
    sessionId: row.sessionId,
    kind: row.kind,
    machineId: row.machineId,
    actorId: row.actorId,
    chart: row.chart,
    workerId: row.workerId,
    pid: row.pid,
    slotId: row.slotId,
    from: diff.from,
    to: row.states,
    fromStatus: diff.fromStatus,
    toStatus: row.status,
    event: truncate(eventType),
    reason: row.reason,
    exitCode: row.exitCode,
    exitSignal: row.exitSignal,
    isCrash: row.kind === 'worker' && row.status !== 'active' && isCrash(row),
    crashedFrom: null,
  }
}

/** Adds `entry` to the actor's history, and its crash record when it is one. */
export function recordTransitionEntry(history: ActorHistory, row: ActorRow, entry: TransitionEntry): void {
  const previous = history.transitions[history.transitions.length - 1]
  if (entry.isCrash && previous && previous.event === 'process.disconnect' && entry.at - previous.at <= DISCONNECT_BEFORE_EXIT)
    entry.crashedFrom = previous.from
  recordTransition(history, entry)
  if (!entry.isCrash) return
  recordCrash(history, {
    at: entry.at,
    exitCode: row.exitCode,
    exitSignal: row.exitSignal,
    reason: row.reason,
    lastStates: entry.crashedFrom ?? entry.from,
    uptimeMs: entry.at - row.startedAt,
  })
}
