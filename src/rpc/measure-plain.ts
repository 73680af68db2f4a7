/**
 * A read-only walk for the codec's sending side: when a value is plain JSON (strings, finite
 * numbers, booleans, null, plain objects and arrays; nothing the fast path would tag), it returns
 * its size as `copyTagged` counts it, and the value can travel as it is, without the copy.
 *
 * The copy exists so that a frame queued until the end of the tick cannot change when the caller
 * mutates its arguments after the call. A frame the outbox sends at once (the first of its tick:
 * every sequential call and reply) is serialized by the transport before the call returns, so it
 * needs no copy; skipping it saved a third of the encoding side of a 10 KB echo (bench/rpc.ts).
 */
import { MAX_DEPTH } from './tagged-value.js'

/** Returned by {@link measurePlain} when the value is not plain JSON: take the copying path. */
export const NOT_PLAIN = -1

/** The value's size as `copyTagged` estimates it, or {@link NOT_PLAIN}. */
export function measurePlain(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2
    case 'number':
      return Number.isFinite(value) && !(value === 0 && 1 / value < 0) ? 8 : NOT_PLAIN
    case 'boolean':
      return 5
    case 'object': {
      if (value === null) return 4
      if (depth > MAX_DEPTH) return NOT_PLAIN
      const prototype = Object.getPrototypeOf(value)
      if (prototype === Array.prototype) {
        const items = value as unknown[]
        let size = items.length + 2
        for (let index = 0; index < items.length; index++) {
          const item = measurePlain(items[index], depth + 1)
          if (item === NOT_PLAIN) return NOT_PLAIN
          size += item
        }
        return size
      }
      if (prototype !== Object.prototype && prototype !== null) return NOT_PLAIN
      let size = 2
      // `for…in` rather than Object.keys(): no array per object (a 10 KB object of 83 rows in
      // 5.4 µs instead of 7.9). It would also visit enumerable inherited keys, which only a
      // polluted Object.prototype has: they would count towards the size (an overestimate) or,
      // not plain, send the value down the copying path, which reads own keys only.
      for (const key in value) {
        if (key === '__proto__') return NOT_PLAIN
        const item = measurePlain((value as Record<string, unknown>)[key], depth + 1)
        if (item === NOT_PLAIN) return NOT_PLAIN
        size += item + key.length + 4
      }
      return size
    }
    default:
      // undefined (tagged), bigint (tagged), functions and symbols (refused): the copying path.
      return NOT_PLAIN
  }
}
