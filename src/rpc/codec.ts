/**
 * Turns values into what travels in a frame and back. A fast path (tagged-value.ts) copies plain
 * data, with its Dates, Maps, Sets, BigInts, undefined, special numbers and RegExps tagged; what
 * it does not handle (class instances, Errors, shared or cyclic references) goes through superjson.
 */
import { SuperJSON } from 'superjson'
import { refusedReason, unencodableReason } from './messages.js'
import { measurePlain, NOT_PLAIN } from './measure-plain.js'
import type { Meta } from './protocol.js'
import { copyTagged, MAX_DEPTH, NEEDS_SUPERJSON, restoreTagged, type CopyState, type Tag } from './tagged-value.js'

// Our own instance: registering things on superjson's default one would leak into the user's.
const superjson = new SuperJSON()

/** A value ready for a frame: `v` is JSON-safe; `s` is the fast path's tags (`{ t }`) or superjson's meta, when the value needed either. */
export interface Encoded {
  v: unknown
  s: Meta | undefined
  /** Bytes on the wire (an estimate that is exact enough for the cap; see `measure`). */
  size: number
}

/** Thrown by `encodeValue` when a value cannot be encoded; `reason` is shown to the user. */
export class UnencodableValue extends Error {
  constructor(
    readonly reason: string,
    readonly detail?: unknown,
  ) {
    super(reason)
  }
}

/** Thrown by `encodeValue` when the encoded value is over the limit. */
export class OversizeValue extends Error {
  constructor(readonly size: number) {
    super(`${size} bytes`)
  }
}

// A string of n UTF-16 units is at most 6n bytes of JSON (`\u0000` escapes); below this
// fraction of the limit the estimate cannot be over it, so no exact measure is needed.
const WORST_CASE_EXPANSION = 6

function describePath(path: readonly string[]): string {
  let text = path[0] ?? ''
  for (const part of path.slice(1)) {
    text += /^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`
  }
  return text
}

/**
 * superjson silently drops functions and symbols; find them first so the sender gets an error
 * naming where they are instead of a call that arrives with a hole in it.
 */
function findUnencodable(value: unknown, path: string[], seen: Set<object>): string | undefined {
  const type = typeof value
  if (type === 'function' || type === 'symbol') return unencodableReason(describePath(path), type)
  if (type !== 'object' || value === null || seen.has(value as object) || path.length > MAX_DEPTH) return undefined
  seen.add(value as object)
  const visit = (child: unknown, key: string): string | undefined => {
    path.push(key)
    const found = findUnencodable(child, path, seen)
    path.pop()
    return found
  }
  if (value instanceof Map) {
    let index = 0
    for (const [key, item] of value) {
      const found = visit(key, `<map key ${index}>`) ?? visit(item, `<map value ${index}>`)
      if (found) return found
      index++
    }
    return undefined
  }
  if (value instanceof Set) {
    let index = 0
    for (const item of value) {
      const found = visit(item, `<set item ${index++}>`)
      if (found) return found
    }
    return undefined
  }
  if (value instanceof Date || value instanceof RegExp || value instanceof Error) return undefined
  for (const key of Object.keys(value as object)) {
    const found = visit((value as Record<string, unknown>)[key], key)
    if (found) return found
  }
  return undefined
}

/** Exact JSON size in bytes, as Node's `json` IPC serialization writes it. */
function measure(json: unknown, meta: Meta | undefined): number {
  return Buffer.byteLength(JSON.stringify(json) ?? '') + (meta === undefined ? 0 : Buffer.byteLength(JSON.stringify(meta)))
}

/**
 * Encodes `value` for a frame. `root` names it in error messages (`argument list`, `result`).
 * `isSentAtOnce`: the frame is serialized before the caller gets control back, so plain JSON may
 * travel as it is, uncopied (measure-plain.ts).
 * @throws UnencodableValue, OversizeValue
 */
export function encodeValue(value: unknown, limit: number, root: string, isSentAtOnce = false): Encoded {
  // A handler that returns nothing: leaving the key out of the frame decodes as undefined.
  if (value === undefined) return { v: undefined, s: undefined, size: 0 }
  if (isSentAtOnce) {
    let size = measurePlain(value, 0)
    if (size !== NOT_PLAIN) {
      if (size * WORST_CASE_EXPANSION > limit) {
        size = measure(value, undefined)
        if (size > limit) throw new OversizeValue(size)
      }
      return { v: value, s: undefined, size }
    }
  }
  const state: CopyState = { size: 0, tag: undefined }
  const copy = copyTagged(value, 0, state)
  if (copy !== NEEDS_SUPERJSON) {
    const meta = state.tag === undefined ? undefined : { t: state.tag }
    let size = state.size
    if (size * WORST_CASE_EXPANSION > limit) {
      size = measure(copy, meta)
      if (size > limit) throw new OversizeValue(size)
    }
    return { v: copy, s: meta, size }
  }
  const found = findUnencodable(value, [root], new Set())
  if (found !== undefined) throw new UnencodableValue(found)
  let serialized: { json: unknown; meta?: Meta }
  try {
    serialized = superjson.serialize(value as Parameters<typeof superjson.serialize>[0])
  } catch (error) {
    throw new UnencodableValue(refusedReason(error instanceof Error ? error.message : String(error)), error)
  }
  const size = measure(serialized.json, serialized.meta)
  if (size > limit) throw new OversizeValue(size)
  return { v: serialized.json, s: serialized.meta, size }
}

/**
 * Decodes a frame's value. Input is untrusted: superjson refuses `__proto__`/`constructor`/
 * `prototype` paths in meta, and plain JSON keeps `__proto__` as an inert own key.
 * @throws when the meta is malformed
 */
export function decodeValue(json: unknown, meta: Meta | undefined): unknown {
  if (meta === undefined || meta === null) return json
  if (typeof meta === 'object' && Object.hasOwn(meta, 't')) return restoreTagged(json, (meta as { t: Tag }).t)
  return superjson.deserialize({ json: json as never, meta: meta as never })
}

/**
 * Decodes the arguments of a request or notification, which must be an array.
 * @throws what {@link decodeValue} throws, or a TypeError when they are not an array
 */
export function decodeArguments(json: unknown, meta: Meta | undefined): unknown[] {
  const args = decodeValue(json, meta)
  if (!Array.isArray(args)) throw new TypeError('the arguments are not an array')
  return args
}
