/**
 * The receiving side's size and depth bound. Node has already parsed an incoming packet (that
 * memory is spent), but nothing of ours walks, decodes or delivers a payload before it is measured
 * here: a payload over `maxPayload`, or nested deeper than {@link MAX_RECEIVED_DEPTH}, is refused
 * for that peer instead of reaching superjson, the tag walk or a handler.
 *
 * The measure is a lower bound of the payload's JSON size (a string counts its UTF-16 units,
 * never more than its UTF-8 bytes; a number one byte), so a payload a sender measured as within
 * the same limit is never refused here. It stops as soon as the budget is spent, so a 64 MiB
 * string costs one `length` read and a million-item array is not walked past the budget. On
 * ordinary traffic it is one short walk per frame (`add(1, 2)`: three values).
 */

/**
 * Nesting deeper than this is refused on receipt. Above what our own sender can encode on a
 * default stack (superjson overflows between 1,000 and 2,000 levels), below where the receiver's
 * own recursive walks and `JSON.stringify` overflow (~4–5k on Node 20).
 */
export const MAX_RECEIVED_DEPTH = 2_000

/** What `measureReceived` returns when the value nests deeper than {@link MAX_RECEIVED_DEPTH}. */
export const TOO_DEEP = -1

// The walk's running total and limit: module state rather than an object per call, as this runs
// for every frame received. The walk is synchronous and calls nothing outside, so never reentered.
let walkedSize = 0
let walkLimit = 0

// Where each frame type carries its payload (its meta follows); 0 for none.
const PAYLOAD_SLOT: Readonly<Record<string, number>> = { q: 3, n: 2, r: 2, x: 2, e: 2, c: 0, i: 2, s: 0, g: 0, u: 2, d: 2, a: 0, h: 0 }

/**
 * The JSON size of `value` in bytes (a lower bound), or a number over `limit` once it is passed
 * (the walk stops there), or {@link TOO_DEEP}.
 */
export function measureReceived(value: unknown, limit: number): number {
  walkedSize = 0
  walkLimit = limit
  return walk(value, 0) ? walkedSize : TOO_DEEP
}

/**
 * The size of a well-formed frame's payload and meta together, as {@link measureReceived}
 * measures it; 0 for a frame that carries none (a cancel).
 */
export function measureFrame(frame: readonly unknown[], limit: number): number {
  const at = PAYLOAD_SLOT[frame[0] as string] ?? 0
  if (at === 0) return 0
  walkedSize = 0
  walkLimit = limit
  if (!walk(frame[at], 0)) return TOO_DEEP
  if (walkedSize <= limit && frame.length > at + 1 && !walk(frame[at + 1], 0)) return TOO_DEEP
  return walkedSize
}

/** Adds `value`'s size to the total; false when it nests too deep. Stops once over the limit. */
function walk(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      walkedSize += value.length + 2
      return true
    case 'object': {
      if (value === null) {
        walkedSize += 4
        return true
      }
      if (depth >= MAX_RECEIVED_DEPTH) return false
      if (Array.isArray(value)) {
        const length = value.length
        // Brackets and commas: `[]` is 2, `[a,b]` 3 around its items.
        walkedSize += length === 0 ? 2 : length + 1
        for (let index = 0; index < length && walkedSize <= walkLimit; index++) {
          if (!walk(value[index], depth + 1)) return false
        }
        return true
      }
      // `for…in` rather than Object.keys(): no array per object (a 10 KB payload of 200 small
      // objects measured in ~25 µs instead of ~45 µs). It also visits enumerable inherited keys,
      // which a received object has none of unless Object.prototype itself was polluted.
      walkedSize += 1
      for (const key in value) {
        if (walkedSize > walkLimit) break
        walkedSize += key.length + 4
        if (!walk((value as Record<string, unknown>)[key], depth + 1)) return false
      }
      return true
    }
    default:
      // Numbers, booleans; and what JSON cannot carry but another transport might.
      walkedSize += 1
      return true
  }
}
