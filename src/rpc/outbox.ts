/**
 * Where every frame a peer sends goes, and how frames become packets (see protocol.ts). The first
 * frame of a tick is sent at once, so one-at-a-time calls wait for nothing; the frames that follow
 * in the same tick are coalesced into one packet at its end (one `process.send` instead of many),
 * or sooner once they pass `MAX_PACKET_BYTES`. Knows nothing of calls: when the transport refuses
 * a packet it hands the frames to `onRefused`, which fails the calls among them.
 */
import type { Encoded } from './codec.js'
import { createPacket, type Frame } from './protocol.js'

// A packet is sent at once when its frames pass this size, instead of at the end of the tick.
// Coalescing pays for small frames (a 64 KiB packet holds ~2,000 `add(a, b)` calls); for big
// ones it only delays: the other side cannot start on the first frame until the whole packet has
// been written and parsed, where separate messages let both processes work at once
// (bench/rpc.ts, `pipelined … echo 10 KB object`; figures in docs/benchmarks.md).
export const MAX_PACKET_BYTES = 64 * 1024

export class Outbox {
  readonly #send: (message: unknown) => void
  readonly #onRefused: (frames: Frame[], error: unknown) => void
  /** Frames waiting for the end of the tick. */
  #queue: Frame[] = []
  #queueBytes = 0
  #isFlushScheduled = false
  #isClosed = false

  /**
   * `send` is the transport; `onRefused` gets the frames of a packet `send` threw on, with what
   * it threw.
   */
  constructor(send: (message: unknown) => void, onRefused: (frames: Frame[], error: unknown) => void) {
    this.#send = send
    this.#onRefused = onRefused
  }

  /**
   * Whether the next frame enqueued is sent (and so serialized by the transport) at once, not
   * held until the end of the tick: then its payload needs no copy.
   */
  get isSendingAtOnce(): boolean {
    return !this.#isFlushScheduled
  }

  /** Sends a frame now or at the end of the tick; `size` is its payload's encoded size in bytes. */
  enqueue(frame: Frame, size: number): void {
    if (!this.#isFlushScheduled) {
      // The first frame of a tick goes out at once, so one-at-a-time calls wait for nothing; the
      // frames that follow in the same tick are coalesced into one packet at its end.
      this.#isFlushScheduled = true
      queueMicrotask(this.#flush)
      this.#sendFrames([frame])
      return
    }
    this.#queue.push(frame)
    this.#queueBytes += size
    if (this.#queueBytes >= MAX_PACKET_BYTES) this.#sendQueued()
  }

  /** Drops what is queued and sends nothing more. */
  close(): void {
    this.#isClosed = true
    this.#queue = []
    this.#queueBytes = 0
  }

  readonly #flush = (): void => {
    this.#isFlushScheduled = false
    this.#sendQueued()
  }

  /** Sends every frame queued in this tick as one packet: one `process.send` instead of many. */
  #sendQueued(): void {
    const frames = this.#queue
    if (frames.length === 0) return
    this.#queue = []
    this.#queueBytes = 0
    this.#sendFrames(frames)
  }

  #sendFrames(frames: Frame[]): void {
    if (this.#isClosed) return
    try {
      this.#send(createPacket(frames))
    } catch (error) {
      // The transport refused the packet (e.g. the channel closed): the calls in it cannot be
      // answered, so they fail now rather than at their deadline.
      this.#onRefused(frames, error)
    }
  }
}

/** Appends an encoded value's slots to a frame, leaving out what decodes as undefined anyway. */
export function withValue<F extends unknown[]>(head: F, encoded: Encoded): F {
  if (encoded.s !== undefined) head.push(encoded.v, encoded.s)
  else if (encoded.v !== undefined) head.push(encoded.v)
  return head
}
