/**
 * Calls sent and not settled, with their deadlines. One unref'd timer serves every deadline: it
 * is armed for the earliest one and, when it fires, expires what is due and re-arms for the next.
 * With a uniform timeout new deadlines are always later than the armed one, so a call costs no
 * timer work at all. A pending call never keeps the process alive.
 */

import type { StreamConsumer } from './stream-consumer.js'
import { DEFAULT_STREAM_WINDOW, DEFAULT_STREAM_WINDOW_BYTES } from './stream-frames.js'

const noop = (): void => {}

// setTimeout's largest delay (about 24.8 days); longer deadlines re-arm when it fires.
const MAX_TIMER_DELAY = 2 ** 31 - 1

/** One call waiting for its reply. */
export class PendingCall {
  /** Set when the call has a signal: removed from it when the call settles. */
  signal: AbortSignal | undefined = undefined
  onAbort: (() => void) | undefined = undefined
  /** Set once the call is answered with a stream (stream-consumer.ts): what settles it ends that. */
  stream: StreamConsumer | undefined = undefined
  /** The stream window this call asks for, should it be answered with a stream: items, bytes. */
  window = DEFAULT_STREAM_WINDOW
  windowBytes = DEFAULT_STREAM_WINDOW_BYTES
  /** The ids of the upload streams (async iterable arguments) this call sends, stopped when it settles. */
  uploads: number[] | undefined = undefined
  // Replaced once the call is answered with a stream, so that its settling ends the stream.
  resolve: (value: unknown) => void = noop
  reject: (error: unknown) => void = noop
  /** `performance.now()` after which the call expires. */
  readonly deadline: number

  constructor(
    readonly id: number,
    readonly method: string,
    /** In ms. `Infinity` for none. */
    readonly timeout: number,
    /** `performance.now()` when the call was made. */
    readonly sentAt: number,
  ) {
    this.deadline = sentAt + timeout
  }

  /**
   * The call's promise, settled through `resolve`/`reject`. Its executor captures only the call,
   * where one written inside `Client.call()` closed over a dozen of its locals.
   */
  createPromise(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  /** `Date.now()` when the call was made, as of now: no second clock read per call. */
  get startedAt(): number {
    return Date.now() - Math.round(performance.now() - this.sentAt)
  }

  /** Detaches the abort listener; call once the call is settled. */
  release(): void {
    if (this.signal && this.onAbort) this.signal.removeEventListener('abort', this.onAbort)
    this.signal = undefined
    this.onAbort = undefined
  }
}

export class PendingCalls {
  readonly #calls = new Map<number, PendingCall>()
  readonly #onExpired: (call: PendingCall) => void
  #timer: NodeJS.Timeout | undefined = undefined
  #timerAt = Infinity

  /** `onExpired` gets each call whose deadline passed, already removed. */
  constructor(onExpired: (call: PendingCall) => void) {
    this.#onExpired = onExpired
  }

  get size(): number {
    return this.#calls.size
  }

  add(call: PendingCall): void {
    this.#calls.set(call.id, call)
    if (call.deadline < this.#timerAt) this.#arm(call.deadline)
  }

  /** The call, left pending; `undefined` when there is none by that id. */
  get(id: number): PendingCall | undefined {
    return this.#calls.get(id)
  }

  /** Removes and returns the call, or `undefined` when it already settled (a late reply). */
  take(id: number): PendingCall | undefined {
    const call = this.#calls.get(id)
    if (call !== undefined) this.#calls.delete(id)
    return call
  }

  /** Every pending call, oldest first. */
  list(): PendingCall[] {
    return [...this.#calls.values()]
  }

  /** Removes and returns every call, and stops the timer. */
  takeAll(): PendingCall[] {
    const calls = [...this.#calls.values()]
    this.#calls.clear()
    this.#disarm()
    return calls
  }

  #arm(at: number): void {
    this.#disarm()
    this.#timerAt = at
    const delay = Math.min(MAX_TIMER_DELAY, Math.max(0, Math.ceil(at - performance.now())))
    this.#timer = setTimeout(this.#sweep, delay)
    this.#timer.unref()
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Infinity
  }

  readonly #sweep = (): void => {
    this.#timer = undefined
    this.#timerAt = Infinity
    const now = performance.now()
    const expired: PendingCall[] = []
    let next = Infinity
    for (const call of this.#calls.values()) {
      if (call.deadline <= now) expired.push(call)
      else if (call.deadline < next) next = call.deadline
    }
    for (const call of expired) this.#calls.delete(call.id)
    if (next !== Infinity) this.#arm(next)
    for (const call of expired) this.#onExpired(call)
  }
}
