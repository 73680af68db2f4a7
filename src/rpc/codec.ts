/**
 * Turns values into what travels in a frame and back. A fast path (tagged-value.ts) copies plain
 * data, with its Dates, Maps, Sets, BigInts, undefined, special numbers, RegExps and binary values
 * tagged; what it does not handle (Errors, URLs, cyclic references, deep nesting) goes through
 * superjson. Instances of other classes are refused on the sender: superjson (and JSON) would send
 * their own enumerable fields as a plain object and lose the class, its methods and its `#private`
 * fields without a word.
 */
import { createRequire } from 'node:module'
import type { SuperJSON } from 'superjson'
import { binaryTypeName, decodeBinary, encodeBinary } from './binary-value.js'
import { classInstanceReason, refusedReason, unencodableReason } from './messages.js'
import { measurePlain, NOT_PLAIN } from './measure-plain.js'
import type { Meta } from './protocol.js'
import { restoreTagged } from './restore-tagged.js'
import { copyTagged, NEEDS_SUPERJSON, type CopyState, type Tag } from './tagged-value.js'

type SuperJSONModule = typeof import('superjson')

/**
 * superjson, loaded on first use: most links never send what only it carries, and loading it cost
 * about a quarter of what `xcluster/worker` cost at every worker start. Loaded synchronously where
 * Node can require() an ES module (20.19+, 22.12+: `process.features.require_module`); elsewhere
 * imported at once, as a static import would, without waiting for it.
 */
let superjsonModule: SuperJSONModule | undefined
let superjson: SuperJSON | undefined
if (!(process.features as { require_module?: boolean }).require_module) {
  import('superjson').then((loaded) => (superjsonModule ??= loaded))
}

function getSuperjson(): SuperJSON {
  if (superjson !== undefined) return superjson
  superjsonModule ??= createRequire(import.meta.url)('superjson') as SuperJSONModule
  // Our own instance: registering things on superjson's default one would leak into the user's.
  superjson = new superjsonModule.SuperJSON()
  // superjson's own typed-array rule sends numbers through JSON (NaN and -0 arrive as 0) and does
  // not know Buffer; ours sends bytes. Custom rules are tried before the built-in one.
  superjson.registerCustom<ArrayBufferView | ArrayBuffer, [string, string]>(
    {
      isApplicable: (value): value is ArrayBufferView | ArrayBuffer =>
        typeof value === 'object' && value !== null && binaryTypeName(Object.getPrototypeOf(value)) !== undefined,
      serialize: (value) => encodeBinary(value, binaryTypeName(Object.getPrototypeOf(value))!),
      deserialize: (json) =>
        decodeBinary(json, (why) => {
          throw new TypeError(why)
        }) as ArrayBufferView | ArrayBuffer,
    },
    'xcluster:binary',
  )
  return superjson
}

/** A value ready for a frame: `v` is JSON-safe; `s` is the fast path's tags (`{ t }`) or superjson's meta, when the value needed either. */
export interface Encoded {
  v: unknown
  s: Meta | undefined
  /** Bytes on the wire (an estimate that is exact enough for the cap; see `measure`). */
  size: number
  /** `v` is the caller's own value, uncopied: its frame must be serialized before the caller gets control back. */
  isUncopied?: true
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

/** The class of an instance, for messages. */
function describeClass(prototype: object | null): string {
  const name: unknown = prototype === null ? undefined : Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value?.name
  return typeof name === 'string' && name !== '' ? `class ${name.slice(0, 60)}` : 'an anonymous class'
}

/**
 * Objects superjson carries as what they are (or that say how they travel, with toJSON()). The
 * prototypes are compared exactly: superjson sends a Map subclass as a Map, losing the class.
 */
function isCarried(value: object, prototype: object | null): boolean {
  return (
    prototype === null ||
    prototype === Object.prototype ||
    prototype === Array.prototype ||
    prototype === Date.prototype ||
    prototype === RegExp.prototype ||
    prototype === Map.prototype ||
    prototype === Set.prototype ||
    prototype === URL.prototype ||
    value instanceof Error ||
    binaryTypeName(prototype) !== undefined ||
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  )
}

/**
 * Whether `value` refers back to one of its own ancestors (objects, arrays, Maps, Sets, Errors'
 * causes). Shared references that are not cycles do not count.
 */
function hasCycle(value: unknown, ancestors: Set<object> = new Set()): boolean {
  if (typeof value !== 'object' || value === null) return false
  if (ancestors.has(value)) return true
  ancestors.add(value)
  let found = false
  if (value instanceof Map) {
    for (const [key, item] of value) if (hasCycle(key, ancestors) || hasCycle(item, ancestors)) found = true
  } else if (value instanceof Set) {
    for (const item of value) if (hasCycle(item, ancestors)) found = true
  } else {
    for (const key of Object.keys(value)) if (hasCycle((value as Record<string, unknown>)[key], ancestors)) found = true
    if (value instanceof Error && hasCycle(value.cause, ancestors)) found = true
  }
  ancestors.delete(value)
  return found
}

/**
 * superjson silently drops functions and symbols, and flattens class instances into plain
 * objects; find them first so the sender gets an error naming where they are instead of a call
 * that arrives with a hole in it. (No depth limit of its own: superjson walks as deep.)
 */
function findUnencodable(value: unknown, path: string[], seen: Set<object>): string | undefined {
  const type = typeof value
  if (type === 'function' || type === 'symbol') return unencodableReason(describePath(path), type)
  if (type !== 'object' || value === null || seen.has(value as object)) return undefined
  seen.add(value as object)
  const prototype = Object.getPrototypeOf(value) as object | null
  if (!isCarried(value as object, prototype)) return classInstanceReason(describePath(path), describeClass(prototype))
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
  if (value instanceof Error) return visit((value as { cause?: unknown }).cause, 'cause')
  if (prototype !== Object.prototype && prototype !== null && prototype !== Array.prototype) return undefined
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
 * `uncopiedFrom`: plain JSON of at least this many bytes travels as it is, uncopied
 * (measure-plain.ts), marked `isUncopied`: its frame must then be serialized before the caller gets
 * control back (the outbox sends it at once). 0 when the frame is sent at once anyway; `Infinity`
 * (the default) for a copy whatever the size.
 * @throws UnencodableValue, OversizeValue
 */
export function encodeValue(value: unknown, limit: number, root: string, uncopiedFrom = Infinity): Encoded {
  // A handler that returns nothing: leaving the key out of the frame decodes as undefined.
  if (value === undefined) return { v: undefined, s: undefined, size: 0 }
  // Scalars and small values cost less to copy than to measure first only to find them small.
  if (uncopiedFrom === 0 || (uncopiedFrom !== Infinity && typeof value === 'object' && value !== null)) {
    let size = measurePlain(value, 0)
    if (size !== NOT_PLAIN && size >= uncopiedFrom) {
      if (size * WORST_CASE_EXPANSION > limit) {
        size = measure(value, undefined)
        if (size > limit) throw new OversizeValue(size)
      }
      return { v: value, s: undefined, size, isUncopied: true }
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
    serialized = getSuperjson().serialize(value as Parameters<SuperJSON['serialize']>[0])
  } catch (error) {
    throw new UnencodableValue(refusedReason(error instanceof Error ? error.message : String(error)), error)
  }
  // superjson restores shared references from `referentialEqualities`, and gets it wrong when one
  // object is both a Map key and a value (superjson 2.2.6: the entries' values were reassigned,
  // found by the round-trip property in test/rpc/codec.test.ts). Its json already holds a full
  // copy at each place, so without cycles drop them: shared references arrive as separate
  // copies, as on the fast path. A cycle needs them, and keeps them.
  const superMeta = serialized.meta as { referentialEqualities?: unknown } | undefined
  if (superMeta?.referentialEqualities !== undefined && !hasCycle(value)) {
    const { referentialEqualities: _dropped, ...meta } = superMeta
    serialized = Object.keys(meta).length === 0 ? { json: serialized.json } : { json: serialized.json, meta: meta as Meta }
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
  return getSuperjson().deserialize({ json: json as never, meta: meta as never })
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
