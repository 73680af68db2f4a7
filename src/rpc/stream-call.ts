/**
 * How a call proxy returns a stream synchronously: every call's promise is also async iterable.
 * `for await (const row of cluster.any.rows(query))` iterates the call at once; the iteration waits
 * for the answer, then reads the stream it was answered with (stream-consumer.ts), or throws when
 * the call failed or was answered with a plain value. The call itself is an ordinary request, made
 * at once, with its deadline and AbortSignal, routed, held and drained like any other; only the
 * other side knows, when its handler returns, that the answer is a stream.
 */
import { StreamConsumer } from './stream-consumer.js'
import { notAStreamMessage } from './stream-messages.js'

/** Makes a call's promise async iterable too; the contract's types say which one to use. */
export function withStreamIteration(promise: Promise<unknown>, method: string): Promise<unknown> {
  ;(promise as Promise<unknown> & AsyncIterable<unknown>)[Symbol.asyncIterator] = () => new CallIterator(promise, method)
  return promise
}

/** Iterates a call: waits for its answer, then reads its stream. */
class CallIterator implements AsyncIterator<unknown> {
  readonly #opening: Promise<StreamConsumer>
  #stream: StreamConsumer | undefined = undefined

  constructor(promise: Promise<unknown>, method: string) {
    this.#opening = promise.then((answer) => {
      if (answer instanceof StreamConsumer) return answer
      throw new TypeError(notAStreamMessage(method))
    })
    // Iterating handles the call's failure; it is thrown by next(), never left unhandled.
    this.#opening.catch(() => {})
  }

  next(): Promise<IteratorResult<unknown>> {
    // Once open, straight to the stream: no async frame of our own per item.
    if (this.#stream !== undefined) return this.#stream.next()
    return this.#opening.then((stream) => {
      this.#stream = stream
      return stream.next()
    })
  }

  async return(): Promise<IteratorResult<unknown>> {
    const stream = this.#stream ?? (await this.#opening.catch(() => undefined))
    return stream === undefined ? { done: true, value: undefined } : stream.return()
  }
}
