/**
 * The stream frames' bounds and their check on receipt (the frames are in protocol.ts). Every id
 * and credit comes from the other side, so each is checked before anything looks it up: an id must
 * be a number, a credit a positive integer no larger than any window a consumer may ask for, and an
 * items frame a non-empty list with, when present, one meta per item. What the ids then name (no
 * such stream, more items than granted) is checked by the producer and consumer themselves.
 */
import { streamFrameReason } from './stream-messages.js'

/**
 * How many items a stream's producer may send ahead of what its consumer has read, unless the call
 * says otherwise (`$with({ window })`): enough that small items travel in big batches.
 */
export const DEFAULT_STREAM_WINDOW = 1024

/**
 * How many bytes of items (as the producer encodes them) may be on their way or unread, unless the
 * call says otherwise (`$with({ windowBytes })`): 1 MiB, so big items are bounded by size rather
 * than by count (16 items of 64 KiB). The producer may pass it by one item.
 */
export const DEFAULT_STREAM_WINDOW_BYTES = 1024 * 1024 // 1 MiB

/** The largest window a call may ask for, and the largest credit a producer accepts in all. */
export const MAX_STREAM_WINDOW = 65_536

/** The largest byte window a call may ask for: 1 GiB. */
export const MAX_STREAM_WINDOW_BYTES = 2 ** 30

/** The most async iterable arguments (upload streams) one call may pass. */
export const MAX_UPLOADS_PER_CALL = 16

/**
 * Checks the shape of a stream frame (`s`, `i`, `g`, and an upload's `u`, `a`, `d`, `h`); returns
 * why it is malformed, or `undefined`.
 */
export function checkStreamFrame(frame: unknown[]): string | undefined {
  if (typeof frame[1] !== 'number') return streamFrameReason(frame[0] as string, 'lacks a numeric stream id')
  switch (frame[0]) {
    case 'i':
    case 'u': {
      const values = frame[2]
      if (!Array.isArray(values) || values.length === 0) return streamFrameReason(frame[0], 'carries no list of items')
      const metas = frame[3]
      if (metas !== undefined && !(Array.isArray(metas) && metas.length === values.length)) {
        return streamFrameReason(frame[0], 'has a meta list that does not match its items')
      }
      return undefined
    }
    case 'g':
    case 'a': {
      if (!isWholeNumberUpTo(frame[2], MAX_STREAM_WINDOW)) {
        return streamFrameReason(frame[0], `grants no whole number of items from 1 to ${MAX_STREAM_WINDOW}`)
      }
      return frame[3] === undefined || isWholeNumberUpTo(frame[3], MAX_STREAM_WINDOW_BYTES)
        ? undefined
        : streamFrameReason(frame[0], `sets no byte window from 1 to ${MAX_STREAM_WINDOW_BYTES}`)
    }
    default:
      return undefined
  }
}

/**
 * Checks a request's `uploads` slot: a non-empty list of distinct argument indices, at most
 * {@link MAX_UPLOADS_PER_CALL}. Whether each slot holds a stream id is checked once decoded.
 */
export function checkUploadList(uploads: unknown): string | undefined {
  if (!Array.isArray(uploads) || uploads.length === 0 || uploads.length > MAX_UPLOADS_PER_CALL) {
    return `a request's upload list is not a list of 1 to ${MAX_UPLOADS_PER_CALL} argument indices`
  }
  for (let at = 0; at < uploads.length; at++) {
    const index = uploads[at]
    if (!(Number.isSafeInteger(index) && index >= 0 && index < 1024) || uploads.indexOf(index) !== at) {
      return "a request's upload list holds something other than distinct argument indices"
    }
  }
  return undefined
}

const isWholeNumberUpTo = (value: unknown, max: number): boolean =>
  Number.isSafeInteger(value) && (value as number) > 0 && (value as number) <= max

/** Checks a call's `window` and `windowBytes` options at the boundary. */
export function checkStreamWindow(window: unknown, windowBytes: unknown): void {
  checkWindow(window, windowBytes, 'window', 'windowBytes')
}

/** Checks an `uploadWindow` option (`{ items?, bytes? }`) at the boundary. */
export function checkUploadWindow(uploadWindow: unknown): void {
  if (uploadWindow === undefined) return
  if (typeof uploadWindow !== 'object' || uploadWindow === null) {
    throw new TypeError(`Expected \`uploadWindow\` to be an object ({ items?, bytes? }), got \`${String(uploadWindow)}\``)
  }
  for (const key of Object.keys(uploadWindow)) {
    if (key !== 'items' && key !== 'bytes') {
      throw new TypeError(`Unknown option \`uploadWindow.${key.slice(0, 64)}\`; expected one of: items, bytes`)
    }
  }
  const { items, bytes } = uploadWindow as { items?: unknown; bytes?: unknown }
  checkWindow(items, bytes, 'uploadWindow.items', 'uploadWindow.bytes')
}

function checkWindow(items: unknown, bytes: unknown, itemsName: string, bytesName: string): void {
  if (items !== undefined && !isWholeNumberUpTo(items, MAX_STREAM_WINDOW)) {
    throw new RangeError(
      `Expected \`${itemsName}\` to be a whole number of items from 1 to ${MAX_STREAM_WINDOW}, got \`${String(items)}\` (${typeof items})`,
    )
  }
  if (bytes !== undefined && !isWholeNumberUpTo(bytes, MAX_STREAM_WINDOW_BYTES)) {
    throw new RangeError(
      `Expected \`${bytesName}\` to be a whole number of bytes from 1 to ${MAX_STREAM_WINDOW_BYTES}, got ` +
        `\`${String(bytes)}\` (${typeof bytes})`,
    )
  }
}
