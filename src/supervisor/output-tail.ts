import { StringDecoder } from 'node:string_decoder'

/** Lines of a worker's stderr kept for its crash record and for `SupervisorFailedError`. */
export const STDERR_LINES_KEPT = 20
/** Characters of a worker's stderr kept at most, however long its lines: output is untrusted input. */
export const STDERR_CHARS_KEPT = 8 * 1024 // 8 KiB of text
/** A longer line is cut, so that one line cannot fill a message. */
export const STDERR_LINE_MAX = 400 // characters

/**
 * The end of what a worker wrote to one stream, bounded in characters before it is split into
 * lines, so that a worker printing megabytes (or one endless line) costs the master 8 KiB.
 *
 * @example
 * const tail = new OutputTail()
 * worker.process.stderr?.on('data', (chunk) => tail.push(chunk))
 * tail.lines() // → ['Error: boom', '    at main (worker.ts:3:9)']
 */
export class OutputTail {
  // A multi-byte character split across two chunks is decoded whole.
  readonly #decoder = new StringDecoder('utf8')
  #text = ''

  push(chunk: Buffer | string): void {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk)
    this.#text = (this.#text + text.slice(-STDERR_CHARS_KEPT)).slice(-STDERR_CHARS_KEPT)
  }

  /** The last {@link STDERR_LINES_KEPT} non-empty lines, oldest first, each at most {@link STDERR_LINE_MAX} characters. */
  lines(): string[] {
    return this.#text
      .split(/\r?\n/)
      .filter((line) => line.trim() !== '')
      .slice(-STDERR_LINES_KEPT)
      .map((line) =>
        line.length > STDERR_LINE_MAX ? `${line.slice(0, STDERR_LINE_MAX)}… (${line.length - STDERR_LINE_MAX} more characters)` : line,
      )
  }
}
