/**
 * Requests that arrived before the handlers were set (the `holdRequests` option): kept in arrival
 * order until `setHandlers()` takes them, or until each has waited `holdTimeout` ms, when it is
 * handed to `onExpired` to be answered. One unref'd timer, armed for the oldest request, serves
 * them all, so holding never keeps the process alive.
 */
import type { CallId, RequestFrame } from './protocol.js'

export class HeldRequests {
  readonly #timeout: number
  readonly #onExpired: (frames: RequestFrame[]) => void
  #frames: RequestFrame[] = []
  /** When each request arrived (`performance.now()`), in the same order. */
  #since: number[] = []
  #timer: NodeJS.Timeout | undefined = undefined

  /** `onExpired` gets the requests that waited `timeout` ms, already removed, oldest first. */
  constructor(timeout: number, onExpired: (frames: RequestFrame[]) => void) {
    this.#timeout = timeout
    this.#onExpired = onExpired
  }

  get size(): number {
    return this.#frames.length
  }

  hold(frame: RequestFrame): void {
    this.#frames.push(frame)
    this.#since.push(performance.now())
    if (this.#timer === undefined) this.#arm()
  }

  /** Drops the request with this id, if held: its caller gave up. */
  remove(id: CallId): void {
    const index = this.#frames.findIndex((held) => held[1] === id)
    if (index === -1) return
    this.#frames.splice(index, 1)
    this.#since.splice(index, 1)
  }

  /** Removes and returns every held request, oldest first, and stops the timer. */
  takeAll(): RequestFrame[] {
    const frames = this.#frames
    this.#frames = []
    this.#since = []
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    return frames
  }

  /** Arms the timer for the oldest held request. */
  #arm(): void {
    const oldest = this.#since[0]
    if (oldest === undefined) return
    const delay = Math.max(0, Math.ceil(oldest + this.#timeout - performance.now()))
    this.#timer = setTimeout(this.#sweep, delay)
    this.#timer.unref()
  }

  readonly #sweep = (): void => {
    this.#timer = undefined
    const now = performance.now()
    const expired: RequestFrame[] = []
    while (this.#since[0] !== undefined && this.#since[0] + this.#timeout <= now) {
      this.#since.shift()
      expired.push(this.#frames.shift()!)
    }
    this.#arm()
    this.#onExpired(expired)
  }
}
