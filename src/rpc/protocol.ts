/**
 * The wire format, shared by both sides. Change `PROTOCOL_VERSION` whenever a shape here changes.
 *
 * Everything travels as a **packet**: one `process.send` message carrying one or more frames.
 * The first frame of a tick is sent at once (one-at-a-time calls wait for nothing); the frames
 * that follow in the same tick are coalesced into one packet at its end, which is how pipelined
 * calls beat one `process.send` per message.
 *
 * ```
 * master → worker   { "__xcluster": 2, "f": [["q", 1, "add", [1, 2]], ["q", 2, "add", [3, 4]]] }
 * worker → master   { "__xcluster": 2, "f": [["r", 1, 3], ["r", 2, 7]] }
 * ```
 */
import { describeUntrusted } from './describe-untrusted.js'
import { nameTooLongReason, unknownFrameTypeReason } from './messages.js'
import { checkStreamFrame, checkUploadList } from './stream-frames.js'

import { PROTOCOL_TAG, PROTOCOL_VERSION } from './protocol-tag.js'

export { PROTOCOL_TAG, PROTOCOL_VERSION }

/** One `process.send` message. */
export interface Packet {
  /** Tag and protocol version. */
  [PROTOCOL_TAG]: typeof PROTOCOL_VERSION
  /** The frames, in the order they were queued. */
  f: Frame[]
}

/**
 * An encoded value travels as two slots: the value in JSON-safe form and, only when the value
 * needed it, its meta: `{ t }`, the fast path's tags (Date, Map, Set, BigInt…; see
 * tagged-value.ts), or superjson's `meta` for what only superjson carries (cycles, Errors, class
 * instances). A value slot left out decodes as `undefined`; a `null` meta counts as none.
 */
export type Meta = unknown

/**
 * Call ids are numbers counted per peer: unique among one link's calls, which is all a reply or a
 * cancel needs. (A nanoid per call cost about a quarter of the CPU of a pipelined round trip:
 * generating it, 23 more bytes to write and parse twice, string hashing; see bench/rpc.ts.)
 */
export type CallId = number

/**
 * Frames are tuples, each position named below: they encode and parse about twice as fast as
 * objects with keys.
 */
/**
 * A call that expects a reply. `$`-prefixed methods are built-ins (`$heartbeat`), never user handlers.
 * `uploads`, only when some arguments are async iterables (upload streams, below): the index of
 * each such argument, whose slot in `args` carries the id of its stream instead.
 */
export type RequestFrame = [type: 'q', id: CallId, method: string, args: unknown, meta?: Meta, uploads?: number[]]
/** Whether `method` names a built-in (`$`-prefixed): no user handler can be reached by such a name. */
export const isBuiltIn = (method: string): boolean => method.startsWith('$')

/** A one-way call: no reply, no id. */
export type NotifyFrame = [type: 'n', method: string, args: unknown, meta?: Meta]
/** The successful reply to request `id`: the handler's return value. */
export type ResultFrame = [type: 'r', id: CallId, value?: unknown, meta?: Meta]
/** The failed reply to request `id`: the error, serialized (serialize-error.ts) then encoded. */
export type ErrorFrame = [type: 'x', id: CallId, error: unknown, meta?: Meta]
/** The caller gave up on request `id` (abort or deadline): the handler's signal aborts, no reply is sent. */
export type CancelFrame = [type: 'c', id: CallId]
/** A typed event, delivered to `onEvent` on the other side. */
export type EventFrame = [type: 'e', name: string, payload?: unknown, meta?: Meta]

/*
 * Streams (stream-producer.ts, stream-consumer.ts). A handler that returns an async iterable
 * answers request `id` with a stream: `s` opens it, `i` frames carry its items, and the request's
 * ordinary reply ends it: `r` when the iterable is done (its return value is dropped), `x` when it
 * threw. The consumer grants credit with `g`, and its `c` stops the producer (its `finally` runs).
 *
 * ```
 * worker → master   ["s", 7]                          request 7 is answered with a stream
 * master → worker   ["g", 7, 32]                      you may send 32 items
 * worker → master   ["i", 7, [{"n":1}, {"n":2}]]      two items
 * worker → master   ["r", 7]                          the end
 * ```
 */
/** Request `id` is answered with a stream: no item is sent before the consumer grants credit. */
export type StreamOpenFrame = [type: 's', id: CallId]
/**
 * Items of the stream answering request `id`, in order: `values` one per item, JSON-safe; `metas`,
 * only when an item needed one, the meta of each (`null` for none; see `Meta`).
 */
export type StreamItemsFrame = [type: 'i', id: CallId, values: unknown[], metas?: Meta[]]
/**
 * The consumer of stream `id` grants `items` more items (a positive integer, see stream-frames.ts).
 * The first credit of a stream sets the window, and `bytes` with it: the producer pauses while
 * the items it sent and that were not credited back since encode to `bytes` or more. Each later
 * credit of `items` credits back the oldest `items` items sent.
 */
export type StreamCreditFrame = [type: 'g', id: CallId, items: number, bytes?: number]

/*
 * Upload streams: an argument that is an async iterable travels as a stream from the caller to the
 * handler, under the same credit window, with frames of their own (a stream id names an upload in
 * the caller's id space, as a call id does, so its frames must not be mistaken for a download's).
 * The request lists the arguments that are uploads, each slot holding its stream id; the handler's
 * side grants credit with `a`, the caller sends items with `u` and ends with `d`; `h` (the handler
 * stopped reading) stops the caller's iterator. The request's reply, or its cancel, ends them all.
 *
 * ```
 * master → worker   ["q", 8, "upload", [9], null, [0]]   argument 0 is upload stream 9
 * worker → master   ["a", 9, 1024, 1048576]              you may send 1,024 items (1 MiB)
 * master → worker   ["u", 9, [{"n":1}, {"n":2}]]         two items
 * master → worker   ["d", 9]                             the end
 * worker → master   ["r", 8, 2]                          the reply
 * ```
 */
/** Items of upload stream `id`, as `i` carries a download's. */
export type UploadItemsFrame = [type: 'u', id: CallId, values: unknown[], metas?: Meta[]]
/** The handler's side grants upload stream `id` more items, as `g` does a download. */
export type UploadCreditFrame = [type: 'a', id: CallId, items: number, bytes?: number]
/** The end of upload stream `id`: without an error when the caller's iterable is done, with what it threw otherwise. */
export type UploadEndFrame = [type: 'd', id: CallId, error?: unknown, meta?: Meta]
/** The handler stopped reading upload stream `id` (`break`): the caller's iterator is returned. */
export type UploadHaltFrame = [type: 'h', id: CallId]
export type Frame =
  | RequestFrame
  | NotifyFrame
  | ResultFrame
  | ErrorFrame
  | CancelFrame
  | EventFrame
  | StreamOpenFrame
  | StreamItemsFrame
  | StreamCreditFrame
  | UploadItemsFrame
  | UploadCreditFrame
  | UploadEndFrame
  | UploadHaltFrame

/** Wraps frames into a packet. */
export function createPacket(frames: Frame[]): Packet {
  return { [PROTOCOL_TAG]: PROTOCOL_VERSION, f: frames }
}

/**
 * Tells whether a message is one of ours (tagged), whatever its version or shape. Use it to skip
 * xcluster's packets in your own `process.on('message')` listeners.
 *
 * @example
 * ```ts
 * process.on('message', (message) => {
 *   if (isXclusterMessage(message)) return
 *   console.log('my own message', message)
 * })
 * ```
 */
export function isXclusterMessage(message: unknown): boolean {
  return typeof message === 'object' && message !== null && Object.hasOwn(message, PROTOCOL_TAG)
}

/**
 * The longest method or event name a frame may carry, in characters. Names come from contracts;
 * the bound keeps every message that quotes one (an unknown method's reply, a report) small, where
 * a hostile 3 MiB name made the reply itself too large to send.
 */
export const MAX_NAME_LENGTH = 256

/**
 * Checks one frame's shape; returns why it is malformed, or `undefined` when it is fine.
 * Payload contents are measured (measure-received.ts), then checked when decoded.
 */
export function checkFrame(frame: unknown): string | undefined {
  if (!Array.isArray(frame)) return 'a frame is not an array'
  switch (frame[0]) {
    case 'q':
      if (typeof frame[1] !== 'number' || typeof frame[2] !== 'string') return 'a request lacks a numeric id or a method name'
      if (frame[2].length > MAX_NAME_LENGTH) return nameTooLongReason('request', frame[2].length, MAX_NAME_LENGTH)
      return frame[5] === undefined ? undefined : checkUploadList(frame[5])
    case 'n':
    case 'e':
      if (typeof frame[1] !== 'string') return 'a notification or event lacks a name'
      return frame[1].length > MAX_NAME_LENGTH
        ? nameTooLongReason(frame[0] === 'n' ? 'notification' : 'event', frame[1].length, MAX_NAME_LENGTH)
        : undefined
    case 'r':
    case 'x':
    case 'c':
      return typeof frame[1] === 'number' ? undefined : 'a reply or cancel lacks a numeric id'
    case 's':
    case 'i':
    case 'g':
    case 'u':
    case 'a':
    case 'd':
    case 'h':
      return checkStreamFrame(frame)
    default:
      return unknownFrameTypeReason(describeUntrusted(frame[0]))
  }
}
