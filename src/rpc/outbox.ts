/**
 * Where every frame a peer sends goes, and how frames become packets (see protocol.ts). The first
 * frame of a tick is sent at once, so one-at-a-time calls wait for nothing; the frames that follow
 * in the same tick are coalesced into packets (one `process.send` for many frames), sent at its
 * end or sooner once they pass `MAX_PACKET_BYTES` or the packet's frame count. While the peer
 * handles a packet of several frames (`hold()`), even the first waits, so the replies to a burst
 * leave together. Knows nothing of calls: when the transport refuses
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

// A packet of small frames is also sent once it holds this many, and the next one of the same
// tick may hold twice as many, up to MAX_PACKET_FRAMES: the first packets of a burst get the
// other side working while this side encodes the rest (both processes busy at once, where one
// packet per burst left each idle while the other worked), and the later, bigger ones keep the
// writes few (a write to the pipe was the largest single cost of a pipelined call here).
// Figures: docs/benchmarks.md, "RPC packets and Maps".
export const FIRST_PACKET_FRAMES = 8
export const MAX_PACKET_FRAMES = 256

// A plain JSON payload this large travels uncopied and at once even when frames of the tick are
// being coalesced (after the queued ones, in order): a packet of such frames saves little of
// Node's per-message cost, and the copy that queueing it would need cost as much as its JSON
// (a 10 KB echo with 64 in flight: copyObject and its garbage were a fifth of the CPU).
export const UNCOPIED_FROM_BYTES = 4 * 1024

export class Outbox {
  readonly #send: (message: unknown) => void
  readonly #onRefused: (frames: Frame[], error: unknown) => void
  /** Frames waiting for the end of the tick. */
  #queue: Frame[] = []
  #queueBytes = 0
  #isFlushScheduled = false
  /** Between `hold()` and `release()`: nothing goes at once, not even the first frame. */
  #isHeld = false
  #isClosed = false
  /** How many frames the next packet of this tick may hold (FIRST_PACKET_FRAMES, doubling). */
  #packetFrames = FIRST_PACKET_FRAMES

  /**
   * `send` is the transport; `onRefused` gets the frames of a packet `send` threw on, with what
   * it threw.
   */
  constructor(send: (message: unknown) => void, onRefused: (frames: Frame[], error: unknown) => void) {
    this.#send = send
    this.#onRefused = onRefused
  }

  /**
   * From what size a payload may travel uncopied (`encodeValue`): any, when the next frame is sent
   * (and so serialized by the transport) at once, not held until the end of the tick; else
   * {@link UNCOPIED_FROM_BYTES}, and such a frame is then sent at once too (`enqueue`).
   */
  get uncopiedFrom(): number {
    return this.#isQueueing ? UNCOPIED_FROM_BYTES : 0
  }

  /** The next frame would be queued, not sent at once: a flush is due, or the peer holds. */
  get #isQueueing(): boolean {
    return this.#isFlushScheduled || this.#isHeld
  }

  /**
   * Sends a frame now or at the end of the tick; `size` is its payload's encoded size in bytes.
   * `isUncopied`: the payload is the caller's own value (`Encoded.isUncopied`), so the frame goes
   * now, after the frames queued before it.
   */
  enqueue(frame: Frame, size: number, isUncopied = false): void {
    if (isUncopied && this.#isQueueing) {
      this.#sendQueued()
      this.#sendFrames([frame])
      return
    }
    if (this.#isHeld) {
      this.#push(frame, size)
      return
    }
    if (!this.#isFlushScheduled) {
      // The first frame of a tick goes out at once, so one-at-a-time calls wait for nothing; the
      // frames that follow in the same tick are coalesced into one packet at its end.
      this.#isFlushScheduled = true
      queueMicrotask(this.#flush)
      this.#sendFrames([frame])
      return
    }
    this.#push(frame, size)
  }

  #push(frame: Frame, size: number): void {
    this.#queue.push(frame)
    this.#queueBytes += size
    if (this.#queueBytes >= MAX_PACKET_BYTES || this.#queue.length >= this.#packetFrames) {
      this.#sendQueued()
      if (this.#packetFrames < MAX_PACKET_FRAMES) this.#packetFrames *= 2
    }
  }

  /**
   * Queues every frame until `release()`, the first of the tick too. The peer holds while it
   * handles a packet of several frames: the replies to a burst of requests then leave as one
   * packet, not the first alone and the rest at the end of the tick (two writes per burst).
   */
  hold(): void {
    this.#isHeld = true
  }

  /** Ends `hold()`: sends what was queued. The burst is over: the next packet starts small again. */
  release(): void {
    this.#isHeld = false
    this.#sendQueued()
    this.#packetFrames = FIRST_PACKET_FRAMES
  }

  /** Drops what is queued and sends nothing more. */
  close(): void {
    this.#isClosed = true
    this.#queue = []
    this.#queueBytes = 0
  }

  readonly #flush = (): void => {
    this.#isFlushScheduled = false
    this.#packetFrames = FIRST_PACKET_FRAMES
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
