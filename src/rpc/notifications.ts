/**
 * The one-way messages a peer receives: notifications, which run a handler with nobody waiting
 * for an answer (so its failure, or a method nobody serves, goes to `onNotifyError`), and events,
 * which go to `onEvent`. Neither is ever held, tracked or answered.
 */
import { RemoteError, UnknownMethodError } from './errors.js'
import { decodeArguments, decodeValue } from './codec.js'
import { isThenable, type HandlerTable } from './handler-table.js'
import * as messages from './messages.js'
import type { PeerState } from './peer-state.js'
import { type EventFrame, isBuiltIn, type NotifyFrame } from './protocol.js'

/** Runs a notification's handler; reports what goes wrong, as no one waits for the outcome. */
export function handleNotification(state: PeerState, table: HandlerTable, frame: NotifyFrame): void {
  const method = frame[1]
  const found = table.lookup(method)
  // A built-in notification this side does not know comes from another xcluster version: harmless.
  if (found === undefined && isBuiltIn(method)) return
  if (found === undefined) {
    state.reportNotifyError(new UnknownMethodError(method, table.knownMethods()), method)
    return
  }
  let args: unknown[]
  try {
    args = decodeArguments(frame[2], frame[3])
  } catch (error) {
    state.reportMalformed(`the arguments of notification ${method}() could not be decoded`, error)
    return
  }
  const failed = (error: unknown): void =>
    state.reportNotifyError(new RemoteError(messages.notificationFailedMessage(method, state.label), { cause: error }), method)
  try {
    const result = found.handler.apply(new found.Context(method), args)
    if (isThenable(result)) result.then(undefined, failed)
  } catch (error) {
    failed(error)
  }
}

/** Hands an event to the `onEvent` listener. */
export function handleEvent(state: PeerState, onEvent: ((name: string, payload: unknown) => void) | undefined, frame: EventFrame): void {
  let payload: unknown
  try {
    payload = decodeValue(frame[2], frame[3])
  } catch (error) {
    state.reportMalformed(`the payload of event ${JSON.stringify(frame[1])} could not be decoded`, error)
    return
  }
  try {
    onEvent?.(frame[1], payload)
  } catch (error) {
    // The listener is the user's: its failure goes to onNotifyError, not to the other side's account.
    state.reportNotifyError(new Error(messages.eventListenerFailedMessage(frame[1]), { cause: error }), frame[1])
  }
}
