/**
 * How the RPC layer quotes what the other side sent (a version, a frame type, a method name) in a
 * message: bounded before it is looked at. A peer may send a 64 MiB string or an array nested
 * 10,000 deep; `JSON.stringify` or `String()` of those takes the memory of a copy, or overflows
 * the stack (at ~4–5k levels on Node 20, and the sender may run with a larger `--stack-size`).
 * So a string is cut before it is quoted, and an array or object is named, never walked.
 */

/** The longest quote of peer data in a message, in characters (before the `…` and the length). */
export const MAX_QUOTE_CHARS = 60

/**
 * A short, safe rendering of an untrusted value, at most about `maxChars` characters long
 * (plus a count of what was cut); never throws.
 *
 * @example
 * describeUntrusted('v'.repeat(1e6), 4) // → '"vvvv"… (1000000 characters)'
 * describeUntrusted([[[]]])             // → 'an array (1 item)'
 */
export function describeUntrusted(value: unknown, maxChars = MAX_QUOTE_CHARS): string {
  switch (typeof value) {
    case 'string': {
      if (value.length <= maxChars) {
        const quoted = JSON.stringify(value)
        // Escapes (`\u0000`) can make a short string's quote six times longer.
        return quoted.length <= maxChars * 2 ? quoted : `${quoted.slice(0, maxChars)}…`
      }
      return `${JSON.stringify(value.slice(0, maxChars)).slice(0, maxChars * 2)}… (${value.length} characters)`
    }
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value)
    case 'bigint':
      return value.toString().length <= maxChars ? `${value}n` : 'a BigInt'
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default:
      if (value === null) return 'null'
      try {
        if (Array.isArray(value)) return `an array (${value.length} ${value.length === 1 ? 'item' : 'items'})`
      } catch {
        // A revoked Proxy throws even on Array.isArray.
      }
      return 'an object'
  }
}
