/**
 * How the incoming side answers a request: a result frame with the handler's value, or an error
 * frame with what it threw, serialized (serialize-error.ts). Every request gets an answer: a value
 * that cannot be sent becomes an error, and an error whose own fields cannot be sent goes without
 * them. Nothing is sent once the peer is closed.
 */
import { RemoteError } from './errors.js'
import { encodeValue, OversizeValue, type Encoded } from './codec.js'
import { describeUntrusted } from './describe-untrusted.js'
import * as messages from './messages.js'
import { withValue, type Outbox } from './outbox.js'
import type { PeerState } from './peer-state.js'
import type { CallId, ErrorFrame } from './protocol.js'
import { serializeError, type SerializedError } from './serialize-error.js'

/** Answers request `id` with the handler's return value. */
export function replyValue(state: PeerState, outbox: Outbox, id: CallId, method: string, value: unknown): void {
  if (state.closeError) return
  let encoded: Encoded
  try {
    encoded = state.encode(value, 'result', method, outbox.uncopiedFrom)
  } catch (error) {
    replyError(state, outbox, id, method, error)
    return
  }
  outbox.enqueue(withValue(['r', id], encoded), encoded.size, encoded.isUncopied)
}

/**
 * Answers request `id` with what its handler threw (or why it could not run). Never throws: an
 * error that cannot be encoded goes without its own fields, then as the encoding error itself,
 * then as a fixed message that quotes nothing, so every request gets an answer that fits.
 * `type` `d`: ends upload stream `id` with what the caller's iterable threw, the same way.
 */
export function replyError(state: PeerState, outbox: Outbox, id: CallId, method: string, thrown: unknown, type: 'x' | 'd' = 'x'): void {
  if (state.closeError) return
  let encoded: Encoded
  try {
    const error =
      thrown instanceof Error
        ? thrown
        : Object.assign(new RemoteError(messages.nonErrorThrownMessage(method, describeThrown(thrown))), { value: thrown })
    encoded = encodeError(state, method, error)
  } catch (failure) {
    // Plain data that quotes nothing and has no stack: small whatever went wrong, and JSON-safe as is.
    const detail = failure instanceof OversizeValue ? messages.errorTooLargeReason(failure.size, state.maxPayload) : describeThrown(failure)
    const data: SerializedError = { n: 'RemoteError', k: 'RemoteError', m: messages.unsendableErrorMessage(detail) }
    encoded = { v: data, s: undefined, size: data.m.length + 64 }
  }
  outbox.enqueue(withValue([type, id], encoded) as unknown as ErrorFrame, encoded.size)
}

function encodeError(state: PeerState, method: string, error: Error): Encoded {
  try {
    return encodeValue(serializeError(error), state.maxPayload, 'error')
  } catch {
    // A field that cannot travel (a function, a socket…) or a huge one: send the error without
    // its own fields rather than no answer at all.
  }
  try {
    return encodeValue(serializeError(error, false), state.maxPayload, 'error')
  } catch (retryError) {
    // Its message or stack is too large itself: send what went wrong instead; if even that does
    // not fit (a tiny maxPayload), the last resort tells why the original did not.
    try {
      return encodeValue(serializeError(state.toSendError('result', method, retryError), false), state.maxPayload, 'error')
    } catch {
      throw retryError
    }
  }
}

/**
 * A thrown value as a message shows it, bounded before it is looked at: an Error's message, a
 * string quoted, anything else as `String()` shows a primitive or describeUntrusted names it.
 */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) {
      const message = String(value.message)
      return message.length > MAX_THROWN_CHARS ? `${message.slice(0, MAX_THROWN_CHARS)}… (${message.length} characters)` : message
    }
    if (typeof value === 'string') return describeUntrusted(value, MAX_THROWN_CHARS)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return Object.prototype.toString.call(value)
    }
    return describeUntrusted(value, MAX_THROWN_CHARS)
  } catch {
    return 'a value that cannot be shown'
  }
}

// The longest quote of a thrown value in a message, in characters.
const MAX_THROWN_CHARS = 200
