// A method declared to return AsyncIterable<T> is a stream: its handler is an async generator,
// and the caller reads it with for await.
import { defineContract } from '../../src/index.js'

export interface Row {
  id: number
  createdAt: Date
}

export const api = defineContract<{
  worker: {
    /** Rows `from` … `to - 1`, one at a time, as a database cursor would give them. */
    rows(from: number, to: number): AsyncIterable<Row>
    /** Reads the master's `words()` stream and counts its letters. */
    countLetters(): Promise<number>
  }
  master: {
    words(): AsyncIterable<string>
    log(line: string): void
  }
}>()
