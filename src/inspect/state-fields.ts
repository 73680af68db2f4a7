/**
 * What the view reads out of an actor and its snapshot: the active state paths, and only the known
 * context fields with the expected types (anything else in a machine's context stays private),
 * strings truncated.
 */
import type { AnyActorRef } from 'xstate'
import type { ActorRow } from './state-rows.js'

/** The context fields the view shows; anything else in a machine's context stays private. */
export const NUMBER_FIELDS = ['pid', 'workerId', 'incarnation', 'generation', 'restarts'] as const
const STRING_FIELDS = ['slotId', 'reason'] as const
/** Longest string (in UTF-16 units) sent to a browser; longer ones end with an ellipsis. */
const MAX_STRING_LENGTH = 400
/** Most leaf paths kept for one state value (parallel states). */
const MAX_PATHS = 16

/** The active leaf paths of a state value: `{ disconnecting: 'draining' }` → `['disconnecting.draining']`. */
export function toStatePaths(value: unknown): string[] {
  const paths: string[] = []
  const visit = (node: unknown, prefix: string): void => {
    if (paths.length >= MAX_PATHS) return
    if (typeof node === 'string') {
      paths.push(truncate(prefix + node))
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node)
      if (keys.length === 0 && prefix !== '') paths.push(truncate(prefix.slice(0, -1)))
      for (const key of keys) visit((node as Record<string, unknown>)[key], `${prefix}${key}.`)
    }
  }
  visit(value, '')
  return paths
}

type SanitizedFields = Partial<
  Pick<ActorRow, (typeof NUMBER_FIELDS)[number] | (typeof STRING_FIELDS)[number] | 'exitCode' | 'exitSignal' | 'expected'>
>

/** Copies only the known fields, with the expected types, out of a machine's context. */
export function sanitizeContext(context: unknown): SanitizedFields {
  const fields: SanitizedFields = {}
  if (context === null || typeof context !== 'object') return fields
  const source = context as Record<string, unknown>
  for (const key of NUMBER_FIELDS) {
    const value = Object.hasOwn(source, key) ? source[key] : undefined
    if (typeof value === 'number' && Number.isFinite(value)) fields[key] = value
  }
  for (const key of STRING_FIELDS) {
    const value = Object.hasOwn(source, key) ? source[key] : undefined
    if (typeof value === 'string') fields[key] = truncate(value)
  }
  // A worker machine's `exit: { code, signal }` and `expected`, to tell a crash from a stop.
  const exit = Object.hasOwn(source, 'exit') ? source.exit : undefined
  if (exit !== null && typeof exit === 'object') {
    const { code, signal } = exit as { code?: unknown; signal?: unknown }
    if (code === null || (typeof code === 'number' && Number.isFinite(code))) fields.exitCode = code
    if (signal === null || typeof signal === 'string') fields.exitSignal = signal === null ? null : truncate(signal)
  }
  const expected = Object.hasOwn(source, 'expected') ? source.expected : undefined
  if (typeof expected === 'boolean') fields.expected = expected
  return fields
}

export function readMachineId(ref: AnyActorRef): string | null {
  const logic = (ref as { logic?: unknown }).logic as { id?: unknown; root?: unknown } | undefined
  if (!logic || typeof logic.id !== 'string' || logic.root === undefined) return null
  return truncate(logic.id)
}

export function readParentId(ref: AnyActorRef): string | null {
  const parent = (ref as { _parent?: { sessionId?: unknown } })._parent
  return parent && typeof parent.sessionId === 'string' ? parent.sessionId : null
}

export function truncate(value: string): string {
  return value.length > MAX_STRING_LENGTH ? `${value.slice(0, MAX_STRING_LENGTH - 1)}…` : value
}

export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}
