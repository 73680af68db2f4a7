/**
 * The inspection events another process sends over a WebSocket, in the JSON shape of
 * `@statelyai/inspect`'s `createWebSocketInspector`: `@xstate.actor` (with `sessionId`,
 * `parentId`, `name` and `definition`, the machine's config as a JSON string), `@xstate.snapshot`
 * and `@xstate.event`. Every message is untrusted: it is size-capped by the socket, parsed without
 * prototype keys, and reduced here to the few fields the view reads.
 */

/** Longest `definition` accepted, in characters (256 KiB); a longer one is drawn as no chart. */
export const MAX_DEFINITION_LENGTH = 256 * 1024
const MAX_ID_LENGTH = 200

/** One remote inspection event, reduced to what the state table reads. */
export type RemoteInspectionEvent =
  | {
      type: '@xstate.actor'
      sessionId: string
      parentId: string | null
      name: string | null
      /** The machine's `id`, or null when the actor is not a machine (a callback or promise actor). */
      machineId: string | null
      /** The machine config as sent (JSON), or null. */
      definition: string | null
      snapshot: unknown
    }
  | { type: '@xstate.snapshot'; sessionId: string; snapshot: unknown; eventType: string }
  | { type: '@xstate.event'; sessionId: string; event: unknown }

/** Parses one WebSocket message; null for anything that is not an inspection event we read. */
export function parseRemoteEvent(text: string): RemoteInspectionEvent | null {
  let message: unknown
  try {
    message = JSON.parse(text, dropPrototypeKeys)
  } catch {
    return null
  }
  if (message === null || typeof message !== 'object') return null
  const m = message as Record<string, unknown>
  const sessionId = readId(m.sessionId)
  if (sessionId === null) return null
  if (m.type === '@xstate.actor') {
    const definition = typeof m.definition === 'string' && m.definition.length <= MAX_DEFINITION_LENGTH ? m.definition : null
    const config = definition === null ? null : parseConfig(definition)
    return {
      type: '@xstate.actor',
      sessionId,
      parentId: readId(m.parentId),
      name: readId(m.name),
      machineId: config ? (readId(config.id) ?? '(machine)') : null,
      definition: config ? definition : null,
      snapshot: m.snapshot,
    }
  }
  if (m.type === '@xstate.snapshot') {
    const event = m.event as { type?: unknown } | null | undefined
    const eventType = event && typeof event === 'object' && typeof event.type === 'string' ? event.type.slice(0, MAX_ID_LENGTH) : ''
    return { type: '@xstate.snapshot', sessionId, snapshot: m.snapshot, eventType }
  }
  if (m.type === '@xstate.event') return { type: '@xstate.event', sessionId, event: m.event }
  return null
}

/**
 * A machine config, or null for the `{ id }` that `@statelyai/inspect` sends for an actor that
 * is not a machine.
 */
export function parseConfig(definition: string): Record<string, unknown> | null {
  try {
    const config = JSON.parse(definition, dropPrototypeKeys) as unknown
    if (config === null || typeof config !== 'object' || Array.isArray(config)) return null
    const keys = Object.keys(config)
    return keys.some((k) => k === 'states' || k === 'initial' || k === 'on' || k === 'context' || k === 'type')
      ? (config as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/** A JSON.parse reviver: `__proto__`, `constructor` and `prototype` keys are left out. */
export function dropPrototypeKeys(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value
}

function readId(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value.slice(0, MAX_ID_LENGTH) : null
}
