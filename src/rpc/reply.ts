/**
 * How the incoming side answers a request: a result frame with the handler's value, or an error
 * frame with what it threw, serialized (serialize-error.ts). Every request gets an answer: a value
 * that cannot be sent becomes an error, and an error whose own fields cannot be sent goes without
 * them. Nothing is sent once the peer is closed.
 */
import { RemoteError } from './errors.js'
import { encodeValue, type Encoded } from './codec.js'
import * as messages from './messages.js'
import { withValue, type Outbox } from './outbox.js'
import type { PeerState } from './peer-state.js'
import type { CallId, ErrorFrame } from './protocol.js'
import { serializeError } from './serialize-error.js'

/** Answers request `id` with the handler's return value. */
export function replyValue(state: PeerState, outbox: Outbox, id: CallId, method: string, value: unknown): void {
  if (state.closeError) return
  let encoded: Encoded
  try {
    encoded = state.encode(value, 'result', method)
  } catch (error) {
    replyError(state, outbox, id, method, error)
    return
  }
  outbox.enqueue(withValue(['r', id], encoded), encoded.size)
}

/** Answers request `id` with what its handler threw (or why it could not run). */
export function replyError(state: PeerState, outbox: Outbox, id: CallId, method: string, thrown: unknown): void {
  if (state.closeError) return
  const error =
    thrown instanceof Error
      ? thrown
      : Object.assign(new RemoteError(messages.nonErrorThrownMessage(method, describeThrown(thrown))), { value: thrown })
  let encoded: Encoded
  try {
    encoded = encodeValue(serializeError(error), state.maxPayload, 'error')
  } catch {
    // A field that cannot travel (a function, a socket…) or a huge one: send the error without
    // its own fields rather than no answer at all.
    try {
      encoded = encodeValue(serializeError(error, false), state.maxPayload, 'error')
    } catch (retryError) {
      encoded = encodeValue(serializeError(state.toSendError('result', method, retryError), false), state.maxPayload, 'error')
    }
  }
  outbox.enqueue(withValue(['x', id], encoded) as unknown as ErrorFrame, encoded.size)
}

/** A thrown non-error as the message shows it: quoted when a string, cut at 200 characters. */
function describeThrown(value: unknown): string {
  try {
    const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
    return text.length > 200 ? `${text.slice(0, 200)}…` : text
  } catch {
    return Object.prototype.toString.call(value)
  }
}
