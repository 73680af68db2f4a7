/**
 * Every message the RPC layer shows a user, in one place. Each entry says when it happens; each
 * message names the call, the other party and what to do about it.
 *
 * `peer` is the label of the other party as the peer knows it (`'worker 3'`, `'the master'`).
 */

const formatMethod = (method: string): string => `${method}()`

// A call's deadline passed before the other side answered. Raised on the caller.
export const timeoutMessage = (method: string, peer: string, timeout: number): string =>
  `Call ${formatMethod(method)} to ${peer} timed out after ${timeout} ms without a reply; ` +
  'raise the deadline per call with `.$with({ timeout })` (or per cluster), or find out why the handler is slow.'

// The caller's AbortSignal fired before the reply arrived. Raised on the caller; the other side
// is told so the handler's `this.signal` aborts too.
export const abortMessage = (method: string, peer: string): string =>
  `Call ${formatMethod(method)} to ${peer} was aborted by its AbortSignal before a reply arrived.`

// Seen by a handler as `this.signal.reason`: the caller aborted or its deadline passed.
export const cancelledMessage = (method: string, peer: string): string =>
  `Call ${formatMethod(method)} from ${peer} was cancelled by the caller (aborted, or its deadline passed); ` +
  'stop the work: the reply is no longer awaited.'

// The other side has no own handler by that name (includes `__proto__`, `constructor`, …).
// Built on the callee, sent back, shown on the caller.
export const unknownMethodMessage = (method: string, known: readonly string[]): string => {
  const list = known.length === 0 ? 'none' : known.slice(0, 20).join(', ') + (known.length > 20 ? ', …' : '')
  return (
    `No handler for ${JSON.stringify(method)}: only own methods of the handlers given to serve() (worker) ` +
    `or supervise() (master) can be called (known: ${list}); check the contract and the handlers.`
  )
}

// A request was held waiting for serve() (the worker called ready() first), and serve() did not
// come within the hold timeout. Built on the callee, shown on the caller.
export const notServingMessage = (method: string, holdTimeout: number): string =>
  `No handler for ${JSON.stringify(method)}: nothing was served within ${holdTimeout} ms of the request ` +
  '(the worker called ready() but not serve()); call serve(contract, handlers) in the worker.'

// A notification named a method the receiver does not have. Reported on the receiver (no reply).
export const unknownNotificationMessage = (method: string, peer: string): string =>
  `Dropped notification ${formatMethod(method)} from ${peer}: there is no own handler by that name; check the contract.`

// A notification handler threw or rejected. Reported on the receiver (nobody waits for a reply).
export const notificationFailedMessage = (method: string, peer: string): string =>
  `The handler of notification ${formatMethod(method)} from ${peer} failed; see \`cause\`.`

// The encoded arguments of a call or notification exceed `maxPayload`. Raised on the sender,
// before anything is sent.
export const argumentsTooLargeMessage = (method: string, peer: string, size: number, limit: number): string =>
  `Call ${formatMethod(method)} to ${peer} was not sent: its arguments encode to ${size} bytes, over the ` +
  `${limit}-byte limit; send less per call (e.g. a file path or a chunk) or raise \`maxPayload\`.`

// A handler's result (or thrown error) encodes to more than `maxPayload`. Built on the callee,
// sent back instead of the result, shown on the caller.
export const resultTooLargeMessage = (method: string, size: number, limit: number): string =>
  `The reply to ${formatMethod(method)} was not sent: the handler's result encodes to ${size} bytes, over the ` +
  `${limit}-byte limit; return less per call or raise \`maxPayload\` on the side that serves it.`

// An event payload exceeds `maxPayload`. Raised on the emitter.
export const eventTooLargeMessage = (event: string, peer: string, size: number, limit: number): string =>
  `Event ${JSON.stringify(event)} to ${peer} was not sent: its payload encodes to ${size} bytes, over the ` +
  `${limit}-byte limit; emit less data or raise \`maxPayload\`.`

// An argument holds a value that cannot cross the channel (function, symbol, `__proto__` key).
// Raised on the sender, before anything is sent.
export const argumentsEncodeMessage = (method: string, peer: string, reason: string): string =>
  `Call ${formatMethod(method)} to ${peer} was not sent: ${reason}; pass plain data (Date, Map, Set, BigInt, ` +
  'RegExp, Error, Buffer, typed arrays, undefined and nested objects/arrays are fine).'

// A handler returned a value that cannot cross the channel. Built on the callee, shown on the caller.
export const resultEncodeMessage = (method: string, reason: string): string =>
  `The reply to ${formatMethod(method)} was not sent: ${reason}; handlers must return plain data.`

// An event payload cannot cross the channel. Raised on the emitter.
export const eventEncodeMessage = (event: string, peer: string, reason: string): string =>
  `Event ${JSON.stringify(event)} to ${peer} was not sent: ${reason}; emit plain data.`

// Why a value cannot be encoded; `path` is like `argument 0.user.onClick`.
export const unencodableReason = (path: string, what: string): string => `${path} is a ${what}, which cannot be encoded`

// An instance of a class the codec cannot carry: it would arrive as a plain object of its own
// enumerable fields (a class with only #private fields as `{}`). `what` is like `class Point`.
export const classInstanceReason = (path: string, what: string): string =>
  `${path} is an instance of ${what}, which cannot be encoded (it would arrive as a plain object of its own ` +
  'enumerable fields, without its class, methods or #private fields): send an object of its fields instead, ' +
  'or give the class a toJSON() method'

// superjson refused a value (for example an own `__proto__` key).
export const refusedReason = (detail: string): string => `the value was refused by the encoder (${detail})`

// A tagged message of this side's protocol version that does not follow the protocol arrived.
// Reported with `onProtocolError` on the receiver, then dropped; the channel keeps working. Same
// version: both sides' code agrees on the format, so the sender is not (this) xcluster, or has a bug.
export const malformedMessage = (peer: string, reason: string): string =>
  `Dropped a malformed xcluster message from ${peer}: ${reason}. The channel keeps working. Both sides speak ` +
  'the same protocol version, so this is not a version mismatch: check that nothing else sends `__xcluster` ' +
  'messages, or report it as an xcluster bug.'

// A packet of another protocol version arrived: the two sides run different xcluster versions.
// Reported with `onProtocolError` on the receiver, then dropped. `shown` is the version as
// describeUntrusted() quotes it.
export const versionMismatchMessage = (peer: string, shown: string, expected: number): string =>
  `Dropped an xcluster message from ${peer}: it speaks protocol version ${shown} where ${expected} was expected. ` +
  'The two sides run different xcluster versions: run the same version in the master and its workers.'

// The arguments of a request could not be decoded. Sent back to the caller as the call's error.
export const undecodableRequestMessage = (method: string, detail: string): string =>
  `The arguments of ${formatMethod(method)} could not be decoded by the receiving side (${detail}); both sides ` +
  'speak the same protocol version, so this is not a version mismatch: report it as an xcluster bug.'

// A handler threw something that is not an Error (a string, a number…). Shown on the caller.
export const nonErrorThrownMessage = (method: string, shown: string): string =>
  `The handler of ${formatMethod(method)} threw a non-Error value: ${shown}`

// Written by the side that refused, read by the caller: "the other side" is the refusing one.
export const overloadedMessage = (method: string, limit: number): string =>
  `The other side refused ${method}(): it is already running ${limit} requests of this link (its maxConcurrentRequests), ` +
  'so the handler was not run. Retry once some have finished, or raise maxConcurrentRequests where the handlers run ' +
  '(serve() in a worker, supervise() in the master).'

// The peer was closed with `close()` before the call; later calls get the close error itself.
export const closedMessage = (peer: string): string =>
  `The RPC link to ${peer} was closed in this process (link.close()); no more calls can be made over it.`

// --- What a peer refuses on receipt (peer data is quoted with describeUntrusted, never whole) ---

// Why a frame was dropped: its type (its first slot) is none of ours.
export const unknownFrameTypeReason = (shown: string): string => `unknown frame type ${shown}`

// Why a frame was dropped: the method or event name it carries is longer than any contract's
// (our own sender refuses such a name with `nameTooLongMessage`).
export const nameTooLongReason = (what: 'request' | 'notification' | 'event', length: number, limit: number): string =>
  `the ${what === 'event' ? 'name of an event' : `method name of a ${what}`} is ${length} characters long, over the ${limit}-character limit`

// Why a frame was dropped: handling it threw where nothing should (a bug of ours, or input
// that got past every check); the peer reports it instead of letting it escape receive().
export const handlingFailedReason = (detail: string): string => `handling a frame failed (${detail})`

// A packet carried more malformed frames than are reported one by one; the rest are counted.
export const moreMalformedReason = (count: number): string =>
  `${count} more malformed ${count === 1 ? 'frame' : 'frames'} in the same packet`

// A payload that arrived is over this side's `maxPayload` (the sender's limit is larger, or the
// sender is not xcluster's). Reported with `onProtocolError`; a request is also answered with it.
export const payloadTooLargeReceivedMessage = (what: string, peer: string, size: number, limit: number): string =>
  `Refused ${what} from ${peer}: it encodes to at least ${size} bytes, over this side's ${limit}-byte limit ` +
  '(`maxPayload`); send less per message, or raise `maxPayload` on both sides.'

// A payload that arrived nests deeper than the receiver walks. Reported and answered as above.
export const payloadTooDeepReceivedMessage = (what: string, peer: string, limit: number): string =>
  `Refused ${what} from ${peer}: it nests deeper than ${limit} levels; send flatter data.`

// What a refused payload was, in the two messages above.
export const describeReceived = (frame: readonly unknown[]): string => {
  const name = typeof frame[frame[0] === 'q' ? 2 : 1] === 'string' ? (frame[frame[0] === 'q' ? 2 : 1] as string) : '?'
  switch (frame[0]) {
    case 'q':
      return `the arguments of ${formatMethod(name)}`
    case 'n':
      return `the arguments of notification ${formatMethod(name)}`
    case 'e':
      return `the payload of event ${JSON.stringify(name)}`
    default:
      return 'a reply'
  }
}

// The caller named a method (or event) longer than the receiver accepts. Raised on the sender,
// before anything is sent.
export const nameTooLongMessage = (what: 'method' | 'event', length: number, limit: number): string =>
  `Expected the ${what} name to be at most ${limit} characters long, got ${length} characters; ` +
  'names come from the contract, so check how this one was built.'

// A handler's error could not be sent back in any form (not even its bare message): the caller
// gets this instead, so the call still settles. `detail` is why, already bounded.
export const unsendableErrorMessage = (detail: string): string =>
  `The handler's error could not be sent back (${detail}); see the callee's logs for the original error.`

// The `onEvent` listener threw for an event. Reported with `onNotifyError` on the receiver.
export const eventListenerFailedMessage = (event: string): string => `An onEvent listener threw for event ${JSON.stringify(event)}`

// Why an error could not be sent back: even bare (no own fields), it is over the limit.
export const errorTooLargeReason = (size: number, limit: number): string =>
  `even without its own fields it encodes to ${size} bytes, over the ${limit}-byte limit`
