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
 * @internal
 */

/**
 * Nesting deeper than this is refused on receipt. Above what our own sender can encode on a
 * default stack (superjson overflows between 1,000 and 2,000 levels), below where the receiver's
 * own recursive walks and `JSON.stringify` overflow (~4–5k on Node 20).
 */
export const MAX_RECEIVED_DEPTH = 2_000

/** What `measureReceived` returns when the value nests deeper than {@link MAX_RECEIVED_DEPTH}. */
export const TOO_DEEP = -1

interface Budget {
  size: number
  limit: number
}

/**
 * The JSON size of `value` in bytes (a lower bound), or a number over `limit` once it is passed
 * (the walk stops there), or {@link TOO_DEEP}.
 */
export function measureReceived(value: unknown, limit: number): number {
  const budget: Budget = { size: 0, limit }
  return walk(value, 0, budget) ? budget.size : TOO_DEEP
}

/** Adds `value`'s size to the budget; false when it nests too deep. Stops once over the limit. */
function walk(value: unknown, depth: number, budget: Budget): boolean {
  switch (typeof value) {
    case 'string':
      budget.size += value.length + 2
      return true
    case 'object': {
      if (value === null) {
        budget.size += 4
        return true
      }
      if (depth >= MAX_RECEIVED_DEPTH) return false
      if (Array.isArray(value)) {
        const length = value.length
        // Brackets and commas: `[]` is 2, `[a,b]` 3 around its items.
        budget.size += length === 0 ? 2 : length + 1
        for (let index = 0; index < length && budget.size <= budget.limit; index++) {
          if (!walk(value[index], depth + 1, budget)) return false
        }
        return true
      }
      const keys = Object.keys(value)
      budget.size += keys.length === 0 ? 2 : keys.length + 1
      for (let index = 0; index < keys.length && budget.size <= budget.limit; index++) {
        const key = keys[index]!
        budget.size += key.length + 3
        if (!walk((value as Record<string, unknown>)[key], depth + 1, budget)) return false
      }
      return true
    }
    default:
      // Numbers, booleans; and what JSON cannot carry but another transport might.
      budget.size += 1
      return true
  }
}
