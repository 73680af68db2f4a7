/**
 * How one snapshot changes an actor's row: the state table calls it for every `@xstate.snapshot`,
 * so the frequent ones that change nothing (a heartbeat relayed by a slot) return at once.
 */
import { NUMBER_FIELDS, sameList, sanitizeContext, toStatePaths } from './state-fields.js'
import type { ActorRow } from './state-rows.js'

/** The last snapshot's own objects of one actor: XState keeps them when nothing changed. */
export interface SeenSnapshot {
  value: unknown
  context: unknown
  status: unknown
}

/** What `applySnapshotDiff` changed; null when the row stayed as it was. */
export interface SnapshotDiff {
  from: string[]
  fromStatus: string | null
  hasStateChanged: boolean
  hasReasonChanged: boolean
}

/**
 * Applies `snapshot` to `row` in place (states, status, the known context fields, `seq`) and says
 * what changed, or returns null (and leaves the row alone) when nothing shown changed.
 */
export function applySnapshotDiff(row: ActorRow, snapshot: unknown, seen: Map<string, SeenSnapshot>): SnapshotDiff | null {
  const snap = (snapshot ?? {}) as { value?: unknown; status?: unknown; context?: unknown }
  const last = seen.get(row.sessionId)
  if (last && last.value === snap.value && last.context === snap.context && last.status === snap.status) return null
  seen.set(row.sessionId, { value: snap.value, context: snap.context, status: snap.status })
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
  if (!hasStateChanged && !hasFieldsChanged) return null
  const diff: SnapshotDiff = { from: row.states, fromStatus: row.seq === 0 ? null : row.status, hasStateChanged, hasReasonChanged }
  Object.assign(row, fields)
  row.states = states
  row.status = status
  row.seq += 1
  return diff
}
