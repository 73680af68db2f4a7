/**
 * The messages of streams (a handler that returns an async iterable), as messages.ts has those of
 * calls. Each entry says when it happens; each names the call, the other party and the fix.
 */

// A stream frame (`s`, `i`, `g`) of the wrong shape arrived. Reported on the receiver.
export const streamFrameReason = (type: string, what: string): string => `a stream frame (${JSON.stringify(type)}) ${what}`

// The caller iterated a call (`for await (… of proxy.method())`) whose handler returned a plain
// value, not an async iterable. Raised on the caller, by the iteration.
export const notAStreamMessage = (method: string): string =>
  `Call ${method}() was answered with a value, not a stream, so it cannot be iterated; await it instead, or make ` +
  'its handler return an async iterable (e.g. an `async function*`) and declare it as `AsyncIterable<T>` in the contract.'

// A stream's deadline (the call's `timeout`) passed before the stream ended. Raised on the
// consumer; the producer is told to stop (its `finally` runs).
export const streamTimeoutMessage = (method: string, peer: string, timeout: number): string =>
  `The stream of ${method}() from ${peer} did not end within its deadline of ${timeout} ms (a stream's deadline ` +
  'covers the whole stream); raise it with `.$with({ timeout })` (Infinity for none) or stop reading sooner.'

// The producer sent more items than the consumer granted. Reported on the consumer; the stream fails.
export const overCreditReason = (method: string, granted: number, received: number): string =>
  `the stream of ${method}() sent ${received} items where only ${granted} were granted`

// Items arrived for a call that was not answered with a stream (no `s` frame first). Reported on
// the consumer; the call fails.
export const itemsWithoutStreamReason = (method: string): string => `items arrived for ${method}(), which was not answered with a stream`

// An `s` frame arrived twice for one call. Reported on the consumer; the second is dropped.
export const reopenedStreamReason = (method: string): string => `the stream of ${method}() was opened twice`

// An item of a stream could not be decoded. Reported on the consumer; the stream fails.
export const undecodableItemReason = (method: string): string => `an item of the stream of ${method}() could not be decoded`

// The consumer granted more credit than any window allows. Reported on the producer; the stream
// ends with this error.
export const overGrantReason = (method: string, credit: number, max: number): string =>
  `the consumer of the stream of ${method}() granted ${credit} items of credit in all, over the most any window allows (${max})`

// How a bounds message names items received: "the items of the stream of rows()".
export const describeItems = (method: string | undefined): string =>
  method === undefined ? 'items of no pending stream' : `the items of the stream of ${method}()`

// The message of the ProtocolError a consumer's iteration throws when the producer broke the protocol.
export const brokenStreamMessage = (method: string, peer: string, reason: string): string =>
  `The stream of ${method}() from ${peer} broke the protocol (${reason}) and was stopped; this is a bug or a ` +
  'version mismatch on that side (both sides must run the same xcluster).'

// A request's upload list names an argument that holds no stream id, or an id already open.
// Reported on the handler's side; the request is answered with a ProtocolError.
export const badUploadReason = (method: string): string =>
  `the upload streams of ${method}() do not each name a new stream id in an argument`

// The message of the ProtocolError a handler's reading of an upload throws when the caller broke
// the protocol (more items than granted, an undecodable item, a frame out of bounds).
export const brokenUploadMessage = (method: string, peer: string, reason: string): string =>
  `The upload stream of ${method}() from ${peer} broke the protocol (${reason}) and was stopped; this is a bug or a ` +
  'version mismatch on that side (both sides must run the same xcluster).'

// How a bounds message names upload items received: "the items of the upload stream of save()".
export const describeUploadItems = (method: string | undefined): string =>
  method === undefined ? 'items of no open upload stream' : `the items of the upload stream of ${method}()`

// A call passed more async iterable arguments than a call may carry. Raised on the caller.
export const tooManyUploadsMessage = (method: string, max: number): string =>
  `Call ${method}() passes more than ${max} async iterable arguments (upload streams); pass at most ${max}, ` +
  'or merge them into one stream.'
