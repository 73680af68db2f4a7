/**
 * The producing end of streams: a request whose handler returned an async iterable is answered
 * with an `s` frame, then its items as the consumer grants credit for them (protocol.ts). The
 * iterator is pulled only while there is credit, and while the items not credited back yet encode
 * to less than the consumer's byte window, so a slow consumer pauses the producer's generator
 * instead of making either side buffer: at most `window` items, and `windowBytes` bytes plus one
 * item, are ever on their way or unread.
 *
 * Items pulled in one go are batched into one `i` frame (up to {@link MAX_BATCH_BYTES}), sent when
 * the batch is full, the credit spent, the iterable done, or at the latest when the event loop
 * turns (`setImmediate`), so a generator that waits between items still sends each one promptly.
 * The request ends with its ordinary reply: `r` when done, `x` with what the iterator threw.
 * A cancel (the consumer's `break`, abort or deadline) or the peer's close calls the iterator's
 * `return()`, so a generator's `finally` runs.
 *
 * Upload streams (a caller's async iterable argument) are produced by the same code in the other
 * direction; only their framing differs (`UPLOAD`): items go as `u`, the end as `d`, and no `s`
 * opens them (the request announced them).
 */
import { ProtocolError } from './errors.js'
import type { Encoded } from './codec.js'
import * as messages from './messages.js'
import type { Outbox } from './outbox.js'
import type { PeerState } from './peer-state.js'
import type { CallId, Meta, StreamItemsFrame, UploadItemsFrame } from './protocol.js'
import { replyError, replyValue } from './reply.js'
import { MAX_STREAM_WINDOW } from './stream-frames.js'
import { overGrantReason } from './stream-messages.js'

/** An items frame is sent once its items pass this size (or `maxPayload`, when smaller). */
export const MAX_BATCH_BYTES = 64 * 1024

/** Whether a handler's result (or what its promise resolved to) is a stream to answer with. */
export const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'

/** How one direction's streams are framed. */
export interface StreamRole {
  /** The items frame's type. */
  readonly items: 'i' | 'u'
  /** What the items are, for the encoder's messages. */
  readonly kind: 'result' | 'arguments'
  /** Whether the stream is opened with an `s` frame (a download answers its request so). */
  readonly isAnnounced: boolean
  /** Sends the end of a stream whose iterable is done. */
  end(state: PeerState, outbox: Outbox, id: CallId, method: string): void
  /** Sends the end of a stream that failed with `error`. */
  fail(state: PeerState, outbox: Outbox, id: CallId, method: string, error: unknown): void
}

/** A handler's stream: it answers the request, and its end is the request's reply (`r`, `x`). */
export const DOWNLOAD: StreamRole = {
  items: 'i',
  kind: 'result',
  isAnnounced: true,
  end: (state, outbox, id, method) => replyValue(state, outbox, id, method, undefined),
  fail: (state, outbox, id, method, error) => replyError(state, outbox, id, method, error),
}

/** A caller's async iterable argument: its end is a `d` frame, with the error when it threw. */
export const UPLOAD: StreamRole = {
  items: 'u',
  kind: 'arguments',
  isAnnounced: false,
  end: (state, outbox, id) => {
    if (!state.closeError) outbox.enqueue(['d', id], 16)
  },
  fail: (state, outbox, id, method, error) => replyError(state, outbox, id, method, error, 'd'),
}

/** The streams one peer is producing, by stream id (a download's is its request's id). */
export class StreamProducers {
  readonly #state: PeerState
  readonly #outbox: Outbox
  readonly #role: StreamRole
  readonly #streams = new Map<CallId, StreamProducer>()

  constructor(state: PeerState, outbox: Outbox, role: StreamRole) {
    this.#state = state
    this.#outbox = outbox
    this.#role = role
  }

  get size(): number {
    return this.#streams.size
  }

  /**
   * Answers request `id` with a stream of `iterable`'s items; `onDone` runs once it has ended on
   * its own (done, or failed), not when stopped.
   */
  open(id: CallId, method: string, iterable: AsyncIterable<unknown>, onDone: () => void): void {
    let iterator: AsyncIterator<unknown>
    try {
      iterator = iterable[Symbol.asyncIterator]()
    } catch (error) {
      this.#role.fail(this.#state, this.#outbox, id, method, error)
      onDone()
      return
    }
    const producer = new StreamProducer(this.#state, this.#outbox, this.#role, id, method, iterator, () => {
      this.#streams.delete(id)
      onDone()
    })
    this.#streams.set(id, producer)
    if (this.#role.isAnnounced) this.#outbox.enqueue(['s', id], 16)
  }

  /**
   * The consumer of stream `id` grants `items` more (the first credit also sets the byte window);
   * a credit for no open stream is a late one, dropped.
   */
  credit(id: CallId, items: number, bytes: number | undefined): void {
    this.#streams.get(id)?.credit(items, bytes)
  }

  /** Stops stream `id` (cancelled): its iterator's `return()` runs, nothing more is sent. */
  stop(id: CallId): void {
    const producer = this.#streams.get(id)
    if (producer === undefined) return
    this.#streams.delete(id)
    producer.stop()
  }

  /** Stops every stream (the peer closed). */
  stopAll(): void {
    const producers = [...this.#streams.values()]
    this.#streams.clear()
    for (const producer of producers) producer.stop()
  }
}

class StreamProducer {
  readonly #state: PeerState
  readonly #outbox: Outbox
  readonly #role: StreamRole
  readonly #id: CallId
  readonly #method: string
  readonly #iterator: AsyncIterator<unknown>
  readonly #onDone: () => void
  /** Items the consumer has granted and not yet been sent (or batched). */
  #credit = 0
  #hasCredit = false
  /** Bytes the items sent and not credited back may reach before pulling pauses. */
  #windowBytes = Infinity
  /** The encoded sizes of the items sent (or batched) and not credited back, oldest first from `#ackedAt`. */
  #sizes: number[] = []
  #ackedAt = 0
  #unackedBytes = 0
  #isPulling = false
  #isStopped = false
  #values: unknown[] = []
  #metas: Meta[] | undefined = undefined
  #batchBytes = 0
  #flushTimer: NodeJS.Immediate | undefined = undefined

  constructor(
    state: PeerState,
    outbox: Outbox,
    role: StreamRole,
    id: CallId,
    method: string,
    iterator: AsyncIterator<unknown>,
    onDone: () => void,
  ) {
    this.#state = state
    this.#outbox = outbox
    this.#role = role
    this.#id = id
    this.#method = method
    this.#iterator = iterator
    this.#onDone = onDone
  }

  credit(items: number, bytes: number | undefined): void {
    if (this.#isStopped) return
    if (!this.#hasCredit) {
      this.#hasCredit = true
      if (bytes !== undefined) this.#windowBytes = bytes
    } else this.#creditBack(items)
    // An honest consumer never has more than its window outstanding; a hostile one must not make
    // this side send without bound.
    if (this.#credit + items > MAX_STREAM_WINDOW) {
      const reason = overGrantReason(this.#method, this.#credit + items, MAX_STREAM_WINDOW)
      this.#state.reportMalformed(reason)
      this.#fail(new ProtocolError(messages.malformedMessage(this.#state.label, reason)), true)
      return
    }
    this.#credit += items
    if (!this.#isPulling) void this.#pull()
  }

  /** The consumer read the oldest `items` items sent: their bytes no longer count. */
  #creditBack(items: number): void {
    const end = Math.min(this.#sizes.length, this.#ackedAt + items)
    for (let at = this.#ackedAt; at < end; at++) this.#unackedBytes -= this.#sizes[at]!
    this.#ackedAt = end
    if (this.#ackedAt === this.#sizes.length) {
      this.#sizes = []
      this.#ackedAt = 0
    } else if (this.#ackedAt >= 1024) {
      this.#sizes = this.#sizes.slice(this.#ackedAt)
      this.#ackedAt = 0
    }
  }

  stop(): void {
    if (this.#isStopped) return
    this.#isStopped = true
    this.#dropBatch()
    this.#returnIterator()
  }

  /** Pulls items while there is credit; a rejection of the iterator ends the stream with it. */
  async #pull(): Promise<void> {
    this.#isPulling = true
    try {
      while (this.#credit > 0 && this.#unackedBytes < this.#windowBytes) {
        const step = await this.#iterator.next()
        if (this.#isStopped) return
        if (step.done) {
          this.#end()
          return
        }
        let encoded: Encoded
        try {
          encoded = this.#state.encode(step.value, this.#role.kind, this.#method)
        } catch (error) {
          this.#fail(error, true)
          return
        }
        this.#credit--
        this.#sizes.push(encoded.size)
        this.#unackedBytes += encoded.size
        this.#add(encoded)
      }
      this.#flush()
    } catch (error) {
      if (!this.#isStopped) this.#fail(error, false)
    } finally {
      this.#isPulling = false
    }
  }

  #add(encoded: Encoded): void {
    const limit = Math.min(MAX_BATCH_BYTES, this.#state.maxPayload)
    if (this.#values.length > 0 && this.#batchBytes + encoded.size > limit) this.#flush()
    if (encoded.s !== undefined) {
      this.#metas ??= this.#values.map(() => null)
      this.#metas.push(encoded.s)
    } else this.#metas?.push(null)
    this.#values.push(encoded.v)
    this.#batchBytes += encoded.size + 1
    if (this.#batchBytes >= limit) this.#flush()
    else this.#flushTimer ??= setImmediate(this.#onFlushTimer)
  }

  readonly #onFlushTimer = (): void => {
    this.#flushTimer = undefined
    if (!this.#isStopped) this.#flush()
  }

  #flush(): void {
    if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer)
    this.#flushTimer = undefined
    if (this.#values.length === 0) return
    const type = this.#role.items
    const frame: StreamItemsFrame | UploadItemsFrame =
      this.#metas === undefined ? [type, this.#id, this.#values] : [type, this.#id, this.#values, this.#metas]
    const size = this.#batchBytes
    this.#dropBatch()
    this.#outbox.enqueue(frame, size)
  }

  #dropBatch(): void {
    if (this.#flushTimer !== undefined) clearImmediate(this.#flushTimer)
    this.#flushTimer = undefined
    this.#values = []
    this.#metas = undefined
    this.#batchBytes = 0
  }

  /** The iterable is done: the items batched go first, then the reply `r` that ends the stream. */
  #end(): void {
    this.#flush()
    this.#isStopped = true
    this.#role.end(this.#state, this.#outbox, this.#id, this.#method)
    this.#onDone()
  }

  /**
   * The stream fails with `error`: the items batched go first, then the reply `x`. `shouldReturn`:
   * the iterator did not throw it, so `return()` it (its `finally` runs).
   */
  #fail(error: unknown, shouldReturn: boolean): void {
    this.#flush()
    this.#isStopped = true
    if (shouldReturn) this.#returnIterator()
    this.#role.fail(this.#state, this.#outbox, this.#id, this.#method, error)
    this.#onDone()
  }

  #returnIterator(): void {
    try {
      // A generator paused in `yield` runs its `finally` now; one busy in an `await` runs it once
      // that settles (generator semantics). What `return()` throws has nobody left to tell.
      const returned = this.#iterator.return?.()
      if (returned !== undefined) Promise.resolve(returned).catch(() => {})
    } catch {
      // As above.
    }
  }
}
