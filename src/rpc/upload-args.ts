/**
 * The caller's side of upload streams, before anything is sent: which arguments of a call are
 * async iterables, and the argument list that travels instead, each of those replaced by the id of
 * its stream (client.ts then produces them, stream-producer.ts with the `UPLOAD` role).
 */
import { MAX_UPLOADS_PER_CALL } from './stream-frames.js'
import { tooManyUploadsMessage } from './stream-messages.js'
import { isAsyncIterable } from './stream-producer.js'

/** A call's arguments with its upload streams taken out. */
export interface UploadArgs {
  /** The arguments to encode: a copy, with a stream id in each upload's place. */
  args: unknown[]
  /** The index of each upload among the arguments (the request frame's `uploads` slot). */
  indexes: number[]
  /** The async iterables, in the same order. */
  iterables: AsyncIterable<unknown>[]
}

/**
 * Takes the async iterable arguments out of a call to `method`, numbering their streams from
 * `firstId`; `undefined` when there are none (most calls: the arguments are not copied).
 * @throws RangeError when there are more than {@link MAX_UPLOADS_PER_CALL}
 */
export function takeUploads(method: string, given: readonly unknown[], firstId: number): UploadArgs | undefined {
  let taken: UploadArgs | undefined
  for (let index = 0; index < given.length; index++) {
    const arg = given[index]
    if (typeof arg !== 'object' || arg === null || !isAsyncIterable(arg)) continue
    taken ??= { args: given.slice(), indexes: [], iterables: [] }
    if (taken.indexes.length === MAX_UPLOADS_PER_CALL) throw new RangeError(tooManyUploadsMessage(method, MAX_UPLOADS_PER_CALL))
    taken.args[index] = firstId + taken.indexes.length
    taken.indexes.push(index)
    taken.iterables.push(arg)
  }
  return taken
}
