/**
 * The fast path of the codec: copies a value into JSON-safe form in one walk and, beside it, a
 * small tree of tags that marks only the places JSON cannot carry (a Date, a Map, a Set, a BigInt,
 * undefined, NaN/±Infinity/-0, a RegExp, a Buffer or other binary value). Decoding visits only the tagged branches, so plain data
 * costs nothing to decode. superjson does the same job for every value, but its walk (paths as
 * strings, identity tracking, registries) cost 190 µs to encode an object of 40 Dates and Map
 * entries that this encodes in a few µs (`bench/fixtures/codec-micro.ts`). Anything else (class
 * instances, Errors, shared or cyclic references, very deep nesting) is left to the codec's slow
 * path (superjson), which refuses instances of classes it cannot carry.
 *
 * A tag tree mirrors the value: a string tags a leaf (`'D'` Date, `'u'` undefined, `'n'` special
 * number, `'b'` BigInt, `'r'` RegExp, `'B'` binary: a Buffer, typed array, ArrayBuffer or DataView
 * sent as `[type, base64]`, see binary-value.ts); `['m', …]` tags a Map sent as one flat array of
 * keys and values (see `copyMap`), `['S', items]` a Set sent as an array, with the tags of that
 * array (or 0), and `['M', entries]` a Map as an array of pairs (what xcluster sent before `m`,
 * still decoded); `['A', index, tag, index, tag…]` descends into an
 * array's tagged items, `['E', tag]` into every item of an array that all have the same tag (the
 * entries of a `Map<string, Date>`, rows that each have a Date: one tag instead of one per item,
 * which was a third of such a frame's bytes), and an object `{ key: tag }` into an object's tagged
 * keys. (Array items are not tagged by key: integer-like keys put V8's JSON.stringify on a path
 * 2–3x slower.) The receiving side's walk is in restore-tagged.ts.
 */

import { binaryTypeName, encodeBinary } from './binary-value.js'

/** Returned by {@link copyTagged} when the value needs superjson. */
export const NEEDS_SUPERJSON: unique symbol = Symbol('needs superjson')

export type Tag =
  | string
  | [kind: 'M' | 'S' | 'E', inner: Tag | 0]
  | ['m']
  | ['m', flat: Tag]
  | ['m', keys: Tag | 0, values: Tag | 0]
  | ['A', ...(number | Tag)[]]
  | { [key: string]: Tag }

/** Walk state: the JSON size so far, and the tag of the value just copied (`undefined` if none). */
export interface CopyState {
  size: number
  tag: Tag | undefined
}

// Nesting deeper than this leaves the fast path: it also stops cycles, which superjson keeps.
export const MAX_DEPTH = 64

/** Copies `value` (or returns NEEDS_SUPERJSON); its tag is left in `state.tag`. */
export function copyTagged(value: unknown, depth: number, state: CopyState): unknown {
  state.tag = undefined
  switch (typeof value) {
    case 'string':
      state.size += value.length + 2
      return value
    case 'number':
      state.size += 8
      if (Number.isFinite(value) && !(value === 0 && 1 / value < 0)) return value
      state.size += 8
      state.tag = 'n'
      return value === 0 ? '-0' : String(value)
    case 'boolean':
      state.size += 5
      return value
    case 'undefined':
      state.size += 8
      state.tag = 'u'
      return null
    case 'bigint': {
      const text = value.toString()
      state.size += text.length + 6
      state.tag = 'b'
      return text
    }
    case 'object':
      if (value === null) {
        state.size += 4
        return value
      }
      if (depth > MAX_DEPTH) return NEEDS_SUPERJSON
      return copyObject(value, depth, state)
    default:
      // Functions and symbols: the codec's scan names where they are.
      return NEEDS_SUPERJSON
  }
}

function copyObject(value: object, depth: number, state: CopyState): unknown {
  const prototype = Object.getPrototypeOf(value)
  if (prototype === Array.prototype) return copyArray(value as unknown[], depth, state)
  if (prototype === Object.prototype || prototype === null) {
    let tags: Record<string, Tag> | undefined
    const copy: Record<string, unknown> = {}
    for (const key of Object.keys(value)) {
      // Refused by superjson (prototype pollution risk): let the slow path report it.
      if (key === '__proto__') return NEEDS_SUPERJSON
      const item = copyTagged((value as Record<string, unknown>)[key], depth + 1, state)
      if (item === NEEDS_SUPERJSON) return NEEDS_SUPERJSON
      copy[key] = item
      state.size += key.length + 4
      if (state.tag !== undefined) {
        tags ??= {}
        tags[key] = state.tag
        state.size += key.length + 4
      }
    }
    state.size += 2
    state.tag = tags
    return copy
  }
  if (value instanceof Date && prototype === Date.prototype) {
    state.size += 19
    state.tag = 'D'
    const time = value.getTime()
    return Number.isNaN(time) ? null : time
  }
  if (value instanceof Map && prototype === Map.prototype) return copyMap(value, depth, state)
  if (value instanceof Set && prototype === Set.prototype) return copyCollection('S', [...value], depth, state)
  return copyRare(value, prototype, depth, state)
}

// Apart from copyObject so that the function every object goes through stays small (V8 inlines
// by bytecode size): plain JSON should not pay for the types it does not use.
function copyRare(value: object, prototype: object, depth: number, state: CopyState): unknown {
  if (value instanceof RegExp && prototype === RegExp.prototype) {
    state.size += value.source.length + value.flags.length + 12
    state.tag = 'r'
    return [value.source, value.flags]
  }
  const binary = binaryTypeName(prototype)
  if (binary !== undefined) {
    const copy = encodeBinary(value as ArrayBufferView | ArrayBuffer, binary)
    state.size += copy[0].length + copy[1].length + 8
    state.tag = 'B'
    return copy
  }
  // A class that says how it travels (as JSON.stringify would send it); its result is copied.
  // Not a URL: superjson carries it as a URL, not as its toJSON() string.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function' && prototype !== URL.prototype && depth < MAX_DEPTH) {
    return copyTagged((value as { toJSON(key: string): unknown }).toJSON(''), depth + 1, state)
  }
  return NEEDS_SUPERJSON
}

/**
 * Copies an array into `copy` (a new one, or the array itself when it is a fresh one of ours: a
 * Map's entries, each read before it is written). Its tag: `['E', tag]` while every item has the
 * same one, else the `['A', index, tag…]` list, built only once the items differ.
 */
function copyArray(value: unknown[], depth: number, state: CopyState, copy: unknown[] = new Array<unknown>(value.length)): unknown {
  let tags: ['A', ...(number | Tag)[]] | undefined
  // The tag of every item so far, while they all have one and it is the same.
  let uniform: Tag | undefined
  const length = value.length
  for (let index = 0; index < length; index++) {
    const item = copyTagged(value[index], depth + 1, state)
    if (item === NEEDS_SUPERJSON) return NEEDS_SUPERJSON
    copy[index] = item
    const tag = state.tag
    if (tag !== undefined) state.size += 12
    if (tags !== undefined) {
      if (tag !== undefined) tags.push(index, tag)
    } else if (uniform !== undefined) {
      if (tag === undefined || !isSameTag(uniform, tag)) {
        tags = ['A']
        for (let before = 0; before < index; before++) tags.push(before, uniform)
        if (tag !== undefined) tags.push(index, tag)
      }
    } else if (tag !== undefined) {
      if (index === 0) uniform = tag
      else tags = ['A', index, tag]
    }
  }
  state.size += length + 2
  state.tag = tags ?? (uniform === undefined ? undefined : ['E', uniform])
  return copy
}

/** Whether two tags are the same tree (small: a tag marks only what JSON cannot carry). */
function isSameTag(a: Tag | number, b: Tag | number): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let at = 0; at < a.length; at++) if (!isSameTag(a[at] as Tag | number, b[at] as Tag | number)) return false
    return true
  }
  if (Array.isArray(b)) return false
  let count = 0
  for (const key in a) {
    if (!Object.hasOwn(b, key) || !isSameTag(a[key]!, b[key]!)) return false
    count++
  }
  for (const _ in b) if (--count < 0) return false
  return true
}

/**
 * A Map travels as one flat array of its keys and values, `[k0, v0, k1, v1…]`: no array per entry
 * to build, write, parse and take apart (a `Map<string, Date>` of 20 entries: 60 bytes less, and
 * 20 arrays fewer on each side). Its tag: `['m']` when nothing in it is tagged, `['m', keyTag,
 * valueTag]` (each a tag or 0) when every key has the same tag and every value has the same tag,
 * else `['m', tag]` with the flat array's own tag (`['A', index, tag…]`).
 */
function copyMap(map: Map<unknown, unknown>, depth: number, state: CopyState): unknown {
  const copy = new Array<unknown>(map.size * 2)
  let at = 0
  // While every key (every value) so far has the same tag: that tag, `undefined` for none yet
  // seen (a key without a tag counts as tag 0). Once they differ, the flat array's `A` list.
  let keyTag: Tag | 0 | undefined
  let valueTag: Tag | 0 | undefined
  let list: ['A', ...(number | Tag)[]] | undefined
  for (const [key, item] of map) {
    const keyCopy = copyTagged(key, depth + 1, state)
    if (keyCopy === NEEDS_SUPERJSON) return NEEDS_SUPERJSON
    const thisKeyTag = state.tag ?? 0
    const itemCopy = copyTagged(item, depth + 1, state)
    if (itemCopy === NEEDS_SUPERJSON) return NEEDS_SUPERJSON
    const thisValueTag = state.tag ?? 0
    if (thisKeyTag !== 0) state.size += 12
    if (thisValueTag !== 0) state.size += 12
    if (list === undefined) {
      if (at === 0) {
        keyTag = thisKeyTag
        valueTag = thisValueTag
      } else if (!isSameTag(keyTag!, thisKeyTag) || !isSameTag(valueTag!, thisValueTag)) {
        list = ['A']
        for (let before = 0; before < at; before += 2) {
          if (keyTag !== 0) list.push(before, keyTag!)
          if (valueTag !== 0) list.push(before + 1, valueTag!)
        }
      }
    }
    if (list !== undefined) {
      if (thisKeyTag !== 0) list.push(at, thisKeyTag)
      if (thisValueTag !== 0) list.push(at + 1, thisValueTag)
    }
    copy[at++] = keyCopy
    copy[at++] = itemCopy
  }
  state.size += at + 2
  if (list !== undefined) state.tag = ['m', list]
  else state.tag = at === 0 || (keyTag === 0 && valueTag === 0) ? ['m'] : ['m', keyTag!, valueTag!]
  return copy
}

/** A Set travels as an array of its items, tagged with its kind. */
function copyCollection(kind: 'S', items: unknown[], depth: number, state: CopyState): unknown {
  // The spread made `items` ours: copied in place.
  const copy = copyArray(items, depth, state, items)
  if (copy === NEEDS_SUPERJSON) return NEEDS_SUPERJSON
  state.tag = [kind, state.tag ?? 0]
  return copy
}
