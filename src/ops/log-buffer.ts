/** One line a worker wrote, as the master captured it. */
export interface XclusterLogLine {
  /** When the master read it, `Date.now()`. */
  time: number
  /** The node:cluster worker id (`worker #3` in the live view, `worker` in `xcluster status`). */
  workerId: number
  /** The slot the worker fills (`slot-0`…), the same across its restarts. */
  slotId: string
  pid: number
  /** The reload generation the worker belongs to (0 until the first reload). */
  generation: number
  stream: 'stdout' | 'stderr'
  /** The text, without its newline; cut and marked when it was longer than `logs.maxLineBytes`. */
  line: string
}

/** Which lines `recent()` returns. */
export interface XclusterLogFilter {
  /** Only this worker's lines (its node:cluster id). */
  workerId?: number
  /** Only this slot's lines (`slot-0`), across its workers. */
  slotId?: string
  /** At most this many, the newest. @default every kept line */
  lines?: number
}

/** Lines kept at most. @default 1_000 */
export const DEFAULT_BUFFER_LINES = 1_000
/** Bytes of text kept at most (UTF-8 of the lines). @default 1 MiB */
export const DEFAULT_BUFFER_BYTES = 1024 * 1024

/**
 * The recent lines of every worker, oldest first, bounded in lines and in bytes: the oldest
 * lines go first when either bound is passed. A ring, so that keeping a line costs O(1).
 *
 * @example
 * const buffer = new LogBuffer({ lines: 1_000, bytes: 1024 * 1024 })
 * buffer.push(line)
 * buffer.recent({ workerId: 2, lines: 20 })
 */
export class LogBuffer {
  readonly #maxLines: number
  readonly #maxBytes: number
  #ring: Array<{ entry: XclusterLogLine; bytes: number } | undefined>
  /** Index of the oldest line. */
  #head = 0
  #count = 0
  #bytes = 0

  constructor(bounds: { lines: number; bytes: number } = { lines: DEFAULT_BUFFER_LINES, bytes: DEFAULT_BUFFER_BYTES }) {
    this.#maxLines = bounds.lines
    this.#maxBytes = bounds.bytes
    this.#ring = new Array(bounds.lines)
  }

  /** Lines and bytes kept now. */
  get size(): { lines: number; bytes: number } {
    return { lines: this.#count, bytes: this.#bytes }
  }

  push(entry: XclusterLogLine): void {
    if (this.#maxLines === 0) return
    const bytes = Buffer.byteLength(entry.line)
    // A line larger than the whole budget would evict everything and still not fit.
    if (bytes > this.#maxBytes) return
    while (this.#count > 0 && (this.#count >= this.#maxLines || this.#bytes + bytes > this.#maxBytes)) this.#dropOldest()
    this.#ring[(this.#head + this.#count) % this.#maxLines] = { entry, bytes }
    this.#count++
    this.#bytes += bytes
  }

  /** The kept lines that match `filter`, oldest first. */
  recent(filter: XclusterLogFilter = {}): XclusterLogLine[] {
    const matches: XclusterLogLine[] = []
    const limit = filter.lines ?? Infinity
    // From the newest back, so that `lines` stops the walk early.
    for (let i = this.#count - 1; i >= 0 && matches.length < limit; i--) {
      const { entry } = this.#ring[(this.#head + i) % this.#maxLines]!
      if (matchesFilter(entry, filter)) matches.push(entry)
    }
    return matches.reverse()
  }

  #dropOldest(): void {
    const oldest = this.#ring[this.#head]!
    this.#ring[this.#head] = undefined
    this.#head = (this.#head + 1) % this.#maxLines
    this.#count--
    this.#bytes -= oldest.bytes
  }
}

/** Whether `entry` passes the worker and slot parts of `filter`. */
export function matchesFilter(entry: XclusterLogLine, filter: XclusterLogFilter): boolean {
  return (
    (filter.workerId === undefined || entry.workerId === filter.workerId) && (filter.slotId === undefined || entry.slotId === filter.slotId)
  )
}
