/**
 * The tag of our messages, apart from the rest of the wire format (protocol.ts re-exports it): the
 * worker preload marks its one message with it, and must not load the frame checks to do so.
 */

/**
 * The key that marks a message as ours; its value is the protocol version. A user's own
 * messages without this key pass through untouched. (Never `cmd: 'NODE_…'`: node:cluster
 * swallows those.)
 */
export const PROTOCOL_TAG = '__xcluster'

/**
 * The version both sides must speak; a packet with another version is dropped and reported.
 * 2: upload streams (the request's `uploads` slot, frames `u`, `a`, `d`, `h`); a version 1 peer
 * would have handed a handler the stream's id in place of the iterable.
 */
export const PROTOCOL_VERSION = 2
