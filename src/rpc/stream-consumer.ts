/**
 * The consuming end of a stream: what a call answered with a stream resolves to, and what
 * `for await` reads. It grants the producer credit as it is read: the whole window when reading
 * starts, then, each time half of it has been read or all that arrived is read, that many more, so
 * the producer is never more than `window` items (and about `windowBytes` bytes, which the
 * producer counts) ahead, and this side never buffers more than that.
 *
 * Its call stays pending in the client while it streams (pending.ts), so everything that settles a
 * call ends the stream too: its deadline, its AbortSignal and the peer's close (a worker's exit)
 * fail the iteration at once, dropping what is buffered; an error the producer threw arrives after
 * the items sent before it. `break` (the iterator's `return()`) cancels the call, which stops the
 * producer.
 */
import { decodeValue } from './codec.js'
import type { Meta } from './protocol.js'
import { overCreditReason, undecodableItemReason } from './stream-messages.js'

/** What a consumer asks of its client: send credit, and cancel the call. */
export interface StreamLink {
  /** Grants the producer `items` more items; `isFirst` for the grant that sets the window. */
  grant(items: number, isFirst: boolean): void
  /** Cancels the call: the producer stops and nothing more arrives. */
  cancel(): void
}

interface Waiter {
  resolve(result: IteratorResult<unknown>): void
  reject(error: unknown): void
}

const DONE: IteratorResult<unknown> = Object.freeze({ done: true, value: undefined })

/**
 * A stream being received. Iterate it once; `return()` (a `break`) stops the producer.
 */
export class StreamConsumer implements AsyncIterableIterator<unknown> {
  readonly #method: string
  readonly #window: number
  readonly #link: StreamLink
  /** Items received and not yet read, from `#head` on. */
  #buffer: unknown[] = []
  #head = 0
  #waiters: Waiter[] = []
  /** Items the producer may still send. */
  #credit = 0
  /** Items read since the last grant. */
  #read = 0
  #isReading = false
  /** No more items will arrive: ended, failed or cancelled. */
  #isFinished = false
  /** Thrown once the buffer is read (or at once), then the stream is done. */
  #error: { value: unknown } | undefined = undefined

  constructor(method: string, window: number, link: StreamLink) {
    this.#method = method
    this.#window = window
    this.#link = link
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<unknown>> {
    if (!this.#isReading) {
      this.#isReading = true
      if (!this.#isFinished) {
        this.#credit = this.#window
        this.#link.grant(this.#window, true)
      }
    }
    if (this.#head < this.#buffer.length) return Promise.resolve({ done: false, value: this.#take() })
    if (this.#error !== undefined) return Promise.reject(this.#takeError())
    if (this.#isFinished) return Promise.resolve(DONE)
    // Everything received is read: credit it all back, so a producer paused by its byte window
    // (which this side cannot measure as it does) always goes on.
    this.#grantRead()
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }))
  }

  /** Stops reading: the producer is told to stop (its `finally` runs), what is buffered is dropped. */
  return(): Promise<IteratorResult<unknown>> {
    if (!this.#isFinished) {
      this.#isFinished = true
      this.#link.cancel()
    }
    this.#error = undefined
    this.#dropBuffer()
    this.#settleWaiters()
    return Promise.resolve(DONE)
  }

  /**
   * Takes in an items frame's values; returns why they break the protocol (more than granted, or
   * undecodable), or `undefined`. The frame's shape was checked on receipt (stream-frames.ts).
   */
  receive(values: unknown[], metas: Meta[] | undefined): string | undefined {
    if (this.#isFinished) return undefined
    if (values.length > this.#credit) return overCreditReason(this.#method, this.#credit, values.length)
    this.#credit -= values.length
    for (let index = 0; index < values.length; index++) {
      let value: unknown
      try {
        value = decodeValue(values[index], metas?.[index])
      } catch {
        return undecodableItemReason(this.#method)
      }
      const waiter = this.#waiters.shift()
      if (waiter !== undefined) {
        this.#countRead()
        waiter.resolve({ done: false, value })
      } else this.#buffer.push(value)
    }
    return undefined
  }

  /** The producer's iterable is done: reading ends once the buffer is read. */
  end(): void {
    if (this.#isFinished) return
    this.#isFinished = true
    this.#settleWaiters()
  }

  /**
   * The stream failed. `isAfterItems` (the producer threw): the items sent before the error are
   * read first. Otherwise (deadline, abort, close, a broken protocol) it fails at once.
   */
  fail(error: unknown, isAfterItems = false): void {
    if (this.#isFinished) return
    this.#isFinished = true
    this.#error = { value: error }
    if (!isAfterItems) this.#dropBuffer()
    this.#settleWaiters()
  }

  #take(): unknown {
    const value = this.#buffer[this.#head]
    this.#buffer[this.#head++] = undefined
    // Compact now and then rather than shift() each item.
    if (this.#head === this.#buffer.length) {
      this.#buffer = []
      this.#head = 0
    } else if (this.#head >= 1024) {
      this.#buffer = this.#buffer.slice(this.#head)
      this.#head = 0
    }
    this.#countRead()
    return value
  }

  /** One more item read: grant credit back in batches of half the window. */
  #countRead(): void {
    if (++this.#read * 2 >= this.#window) this.#grantRead()
  }

  #grantRead(): void {
    if (this.#isFinished || this.#read === 0) return
    this.#credit += this.#read
    this.#link.grant(this.#read, false)
    this.#read = 0
  }

  #takeError(): unknown {
    const error = this.#error!.value
    this.#error = undefined
    return error
  }

  #dropBuffer(): void {
    this.#buffer = []
    this.#head = 0
  }

  /** Once finished: waiters get the error (the first one) or the end. */
  #settleWaiters(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const waiter of waiters) {
      if (this.#error !== undefined) waiter.reject(this.#takeError())
      else waiter.resolve(DONE)
    }
  }
}
