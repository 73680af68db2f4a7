/**
 * Splitting a worker's output into lines. The output is untrusted input: a worker may print one
 * endless line, invalid UTF-8, or a multi-byte character split across two pipe chunks.
 */

/** The longest line kept, in bytes of UTF-8; the rest of a longer line is dropped. @default 16 KiB (Docker's json-file splits lines there too) */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/** The text that ends a line cut at `maxBytes`. */
export const cutMarker = (maxBytes: number): string => ` … [line cut at ${maxBytes} bytes]`

/**
 * Turns chunks of bytes into whole lines (without their `\n` or `\r\n`), the same lines however
 * the bytes were chunked. Splitting works on bytes, not text: `\n` never occurs inside a UTF-8
 * sequence, so a character split across chunks is decoded whole once its line is complete, and
 * at most `maxBytes` of a line are ever held. A line that reaches `maxBytes` is emitted at once,
 * cut (at a character boundary) and marked, so that a follower sees it without waiting for a
 * newline that may never come; the rest of it, up to the next newline, is dropped.
 *
 * @example
 * const lines = new LineSplitter((line) => console.log(line))
 * lines.push(Buffer.from('hello\nwor'))
 * lines.push(Buffer.from('ld\n'))   // → 'hello', 'world'
 * lines.end()                        // emits a last line without newline, if any
 */
export class LineSplitter {
  readonly #onLine: (line: string) => void
  readonly #maxBytes: number
  #pending: Buffer[] = []
  #pendingBytes = 0
  /** Set after a line was cut: bytes are dropped until its newline. */
  #isDropping = false

  constructor(onLine: (line: string) => void, maxBytes = DEFAULT_MAX_LINE_BYTES) {
    this.#onLine = onLine
    this.#maxBytes = maxBytes
  }

  push(chunk: Buffer): void {
    let start = 0
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start)
      const end = newline === -1 ? chunk.length : newline
      if (!this.#isDropping) this.#take(chunk.subarray(start, end))
      if (newline === -1) return
      if (this.#isDropping) this.#isDropping = false
      else this.#emitPending()
      start = newline + 1
    }
  }

  /** The stream ended: a last line without newline is emitted (a cut one already was). */
  end(): void {
    if (this.#pendingBytes > 0 && !this.#isDropping) this.#emitPending()
    this.#isDropping = false
    this.#pending = []
    this.#pendingBytes = 0
  }

  #take(bytes: Buffer): void {
    if (bytes.length === 0) return
    const room = this.#maxBytes - this.#pendingBytes
    if (bytes.length < room) {
      this.#pending.push(bytes)
      this.#pendingBytes += bytes.length
      return
    }
    // Reaching the limit exactly is a cut too: the newline that would make it whole has not come.
    this.#pending.push(bytes.subarray(0, room))
    const line = Buffer.concat(this.#pending)
    this.#pending = []
    this.#pendingBytes = 0
    this.#isDropping = true
    this.#onLine(`${decode(line.subarray(0, characterBoundary(line)))}${cutMarker(this.#maxBytes)}`)
  }

  #emitPending(): void {
    let line = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending)
    this.#pending = []
    this.#pendingBytes = 0
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1)
    this.#onLine(decode(line))
  }
}

/** Invalid UTF-8 becomes U+FFFD, never an exception. */
const decode = (bytes: Buffer): string => bytes.toString('utf8')

/** The length of `bytes` without a multi-byte character that the cut split at its end. */
function characterBoundary(bytes: Buffer): number {
  let end = bytes.length
  // Back over continuation bytes (10xxxxxx), at most three, to the lead byte of the last character.
  let back = 0
  while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1]! & 0xc0) === 0x80) back++
  const leadIndex = end - back - 1
  if (leadIndex < 0) return end
  const lead = bytes[leadIndex]!
  const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  if (length > back + 1) end = leadIndex
  return end
}
