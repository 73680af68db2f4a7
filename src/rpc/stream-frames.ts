/**
 * The stream frames' bounds and their check on receipt (the frames are in protocol.ts). Every id
 * and credit comes from the other side, so each is checked before anything looks it up: an id must
 * be a number, a credit a positive integer no larger than any window a consumer may ask for, and an
 * items frame a non-empty list with, when present, one meta per item. What the ids then name (no
 * such stream, more items than granted) is checked by the producer and consumer themselves.
 * @internal
 */
import { streamFrameReason } from './stream-messages.js'

/**
 * How many items a stream's producer may send ahead of what its consumer has read, unless the call
 * says otherwise (`$with({ window })`). With items of up to `maxPayload` bytes (4 MiB by default),
 * the consumer buffers at most `window × maxPayload` bytes per stream; lower it for big items.
 */
export const DEFAULT_STREAM_WINDOW = 32

/** The largest window a call may ask for, and the largest credit a producer accepts in all. */
export const MAX_STREAM_WINDOW = 65_536

/** Checks the shape of an `s`, `i` or `g` frame; returns why it is malformed, or `undefined`. */
export function checkStreamFrame(frame: unknown[]): string | undefined {
  if (typeof frame[1] !== 'number') return streamFrameReason(frame[0] as string, 'lacks a numeric stream id')
  switch (frame[0]) {
    case 'i': {
      const values = frame[2]
      if (!Array.isArray(values) || values.length === 0) return streamFrameReason('i', 'carries no list of items')
      const metas = frame[3]
      if (metas !== undefined && !(Array.isArray(metas) && metas.length === values.length)) {
        return streamFrameReason('i', 'has a meta list that does not match its items')
      }
      return undefined
    }
    case 'g': {
      const items = frame[2]
      return Number.isSafeInteger(items) && (items as number) > 0 && (items as number) <= MAX_STREAM_WINDOW
        ? undefined
        : streamFrameReason('g', `grants no whole number of items from 1 to ${MAX_STREAM_WINDOW}`)
    }
    default:
      return undefined
  }
}

/** Checks a call's `window` option at the boundary. */
export function checkStreamWindow(window: unknown): void {
  if (window !== undefined && !(Number.isSafeInteger(window) && (window as number) > 0 && (window as number) <= MAX_STREAM_WINDOW)) {
    throw new RangeError(
      `Expected \`window\` to be a whole number of items from 1 to ${MAX_STREAM_WINDOW}, got \`${String(window)}\` (${typeof window})`,
    )
  }
}
