/**
 * The wire format, shared by both sides. Change `PROTOCOL_VERSION` whenever a shape here changes.
 *
 * Everything travels as a **packet**: one `process.send` message carrying one or more frames.
 * Frames queued in the same tick are coalesced into one packet, which is how pipelined calls
 * beat one `process.send` per message.
 *
 * ```
 * { "__xcluster": 1, "f": [ { "t": "q", "i": "V1StGXR8_Z5jdHi6B-myT", "m": "add", "a": [1, 2] } ] }
 * ```
 * @internal
 */

/**
 * The key that marks a message as ours; its value is the protocol version. A user's own
 * messages without this key pass through untouched. (Never `cmd: 'NODE_…'`: node:cluster
 * swallows those.)
 */
export const PROTOCOL_TAG = '__xcluster'

/** The version both sides must speak; a packet with another version is dropped and reported. */
export const PROTOCOL_VERSION = 1

/** One `process.send` message. */
export interface Packet {
  /** Tag and protocol version. */
  [PROTOCOL_TAG]: typeof PROTOCOL_VERSION
  /** The frames, in the order they were queued. */
  f: Frame[]
}

/**
 * An encoded value: `a`/`r`/`e` hold superjson's `json` part (or the value itself when it is
 * plain JSON), `s` holds superjson's `meta` when the value needed it (Date, Map, BigInt…).
 */
export type Meta = unknown

/** A call that expects a reply. */
export interface RequestFrame {
  /** Type: request. */
  t: 'q'
  /** Call id (nanoid), echoed by the reply and by a cancel. */
  i: string
  /** Method name. `$`-prefixed names are built-ins (`$heartbeat`), never user handlers. */
  m: string
  /** Arguments, encoded as one array. */
  a: unknown
  /** superjson meta of `a`, when needed. */
  s?: Meta
}

/** A one-way call: no reply, no id. */
export interface NotifyFrame {
  /** Type: notification. */
  t: 'n'
  m: string
  a: unknown
  s?: Meta
}

/** The successful reply to a request. */
export interface ResultFrame {
  /** Type: result. */
  t: 'r'
  /** Id of the request answered. */
  i: string
  /** The handler's return value, encoded. */
  r: unknown
  s?: Meta
}

/** The failed reply to a request. */
export interface ErrorFrame {
  /** Type: error. */
  t: 'x'
  i: string
  /** The error, serialized (see serialize-error.ts) then encoded. */
  e: unknown
  s?: Meta
}

/** The caller gave up (abort or deadline): the handler's signal aborts, no reply is sent. */
export interface CancelFrame {
  /** Type: cancel. */
  t: 'c'
  i: string
}

/** A typed event; delivered to `onEvent` on the other side. */
export interface EventFrame {
  /** Type: event. */
  t: 'e'
  /** Event name. */
  m: string
  /** Payload, encoded. */
  a: unknown
  s?: Meta
}

export type Frame = RequestFrame | NotifyFrame | ResultFrame | ErrorFrame | CancelFrame | EventFrame

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

const hasString = (frame: Record<string, unknown>, key: string): boolean => typeof frame[key] === 'string'

/**
 * Checks one frame's shape; returns why it is malformed, or `undefined` when it is fine.
 * Payload contents are checked when decoded.
 */
export function checkFrame(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return 'a frame is not an object'
  const record = frame as Record<string, unknown>
  switch (record['t']) {
    case 'q':
      return hasString(record, 'i') && hasString(record, 'm') ? undefined : 'a request lacks a string id or method'
    case 'n':
    case 'e':
      return hasString(record, 'm') ? undefined : 'a notification or event lacks a string name'
    case 'r':
    case 'x':
    case 'c':
      return hasString(record, 'i') ? undefined : 'a reply or cancel lacks a string id'
    default:
      return `unknown frame type ${JSON.stringify(String(record['t'])).slice(0, 40)}`
  }
}
