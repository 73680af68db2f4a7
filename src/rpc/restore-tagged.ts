/**
 * The receiving half of the codec's fast path (tagged-value.ts): rebuilds a value from the JSON
 * that `copyTagged` produced and its tag tree, visiting only the tagged branches, so plain data
 * costs nothing to decode. Input is untrusted: a tag that does not fit its value throws
 * {@link TagMismatch}, and only own keys that JSON.parse created are written.
 */
import { decodeBinary } from './binary-value.js'
import type { Tag } from './tagged-value.js'

/** Thrown when a tag tree does not fit its value: the frame is malformed. */
export class TagMismatch extends Error {}

/**
 * Rebuilds the value `json` that {@link copyTagged} produced, given its tags. Input is untrusted:
 * it only writes own keys that JSON.parse created (so `__proto__` stays an inert own key), and
 * throws {@link TagMismatch} where a tag does not fit.
 */
export function restoreTagged(json: unknown, tag: Tag): unknown {
  if (typeof tag === 'string') return restoreLeaf(json, tag)
  if (Array.isArray(tag)) {
    const kind = tag[0]
    if (kind === 'A') return restoreItems(json, tag)
    if (kind === 'E') return restoreEvery(json, tag[1] as Tag)
    if (kind === 'm') return restoreMap(json, tag)
    const inner = tag[1] as Tag | 0
    if (!Array.isArray(json)) throw new TagMismatch(`a ${kind === 'M' ? 'Map' : 'Set'} that is not an array`)
    const items = inner === 0 ? json : (restoreTagged(json, inner) as unknown[])
    if (kind === 'S') return new Set(items)
    if (kind !== 'M') throw new TagMismatch(`unknown collection tag ${JSON.stringify(kind)}`)
    for (const entry of items) if (!Array.isArray(entry) || entry.length !== 2) throw new TagMismatch('a Map entry that is not a pair')
    return new Map(items as [unknown, unknown][])
  }
  if (typeof tag !== 'object' || tag === null || typeof json !== 'object' || json === null) {
    throw new TagMismatch('tags for children of a value that has none')
  }
  for (const key of Object.keys(tag)) {
    if (!Object.hasOwn(json, key)) throw new TagMismatch(`a tag for a missing key ${JSON.stringify(key)}`)
    ;(json as Record<string, unknown>)[key] = restoreTagged((json as Record<string, unknown>)[key], tag[key]!)
  }
  return json
}

/** A Map sent flat (`copyMap`): `['m']`, `['m', keyTag, valueTag]` or `['m', flatArrayTag]`. */
function restoreMap(json: unknown, tag: readonly unknown[]): Map<unknown, unknown> {
  if (!Array.isArray(json)) throw new TagMismatch('a Map that is not an array')
  if (json.length % 2 !== 0) throw new TagMismatch('a Map of an odd number of keys and values')
  const map = new Map<unknown, unknown>()
  if (tag.length === 2) {
    const flat = restoreTagged(json, tag[1] as Tag) as unknown[]
    for (let at = 0; at < flat.length; at += 2) map.set(flat[at], flat[at + 1])
    return map
  }
  if (tag.length !== 1 && tag.length !== 3) throw new TagMismatch('a Map tag of the wrong length')
  const keyTag = tag.length === 3 ? (tag[1] as Tag | 0) : 0
  const valueTag = tag.length === 3 ? (tag[2] as Tag | 0) : 0
  for (let at = 0; at < json.length; at += 2) {
    map.set(
      keyTag === 0 ? json[at] : restoreTagged(json[at], keyTag),
      valueTag === 0 ? json[at + 1] : restoreTagged(json[at + 1], valueTag),
    )
  }
  return map
}

function restoreItems(json: unknown, tag: readonly unknown[]): unknown {
  if (!Array.isArray(json)) throw new TagMismatch('tags for the items of a value that is not an array')
  for (let at = 1; at < tag.length; at += 2) {
    const index = tag[at]
    if (!Number.isInteger(index) || (index as number) < 0 || (index as number) >= json.length) {
      throw new TagMismatch(`a tag for a missing item ${JSON.stringify(index)}`)
    }
    json[index as number] = restoreTagged(json[index as number], tag[at + 1] as Tag)
  }
  return json
}

function restoreEvery(json: unknown, tag: Tag): unknown {
  if (!Array.isArray(json)) throw new TagMismatch('a tag for every item of a value that is not an array')
  for (let index = 0; index < json.length; index++) json[index] = restoreTagged(json[index], tag)
  return json
}

function restoreLeaf(json: unknown, tag: string): unknown {
  switch (tag) {
    case 'D':
      if (json !== null && typeof json !== 'number') break
      return new Date(json ?? Number.NaN)
    case 'u':
      return undefined
    case 'n':
      if (json === '-0') return -0
      if (json === 'NaN' || json === 'Infinity' || json === '-Infinity') return Number(json)
      break
    case 'b':
      if (typeof json === 'string' && /^-?\d+$/.test(json)) return BigInt(json)
      break
    case 'r':
      if (Array.isArray(json) && typeof json[0] === 'string' && typeof json[1] === 'string') return new RegExp(json[0], json[1])
      break
    case 'B':
      return decodeBinary(json, (why) => {
        throw new TagMismatch(why)
      })
    default:
      // Tags are added in later versions without a new protocol version (old frames still decode):
      // an unknown one most likely comes from a newer xcluster.
      throw new TagMismatch(
        `unknown tag ${JSON.stringify(tag).slice(0, 40)}; the sender may run a newer xcluster than this side: run the same version on both sides`,
      )
  }
  throw new TagMismatch(`a value that does not fit its tag ${JSON.stringify(tag)}`)
}
