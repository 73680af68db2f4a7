/**
 * The incoming side of a peer, for requests: runs the handler of each with its own context (the
 * handler's `this`), answers it (reply.ts), and aborts the context's signal when the caller
 * cancels or the peer closes. With `holdRequests`, requests that come before the handlers wait
 * for them (held-requests.ts). One-way messages, which need none of this, are in notifications.ts.
 */
import { ProtocolError, RpcAbortError, RpcOverloadedError, UnknownMethodError } from './errors.js'
import { kCancel, kCancelled, kMethod } from './call-context.js'
import { decodeArguments } from './codec.js'
import { isThenable, type HandlerTable } from './handler-table.js'
import { HeldRequests } from './held-requests.js'
import { RunningRequests } from './running-requests.js'
import * as messages from './messages.js'
import type { Outbox } from './outbox.js'
import { checkTimeout, DEFAULT_HOLD_TIMEOUT, type RpcPeerOptions } from './peer-options.js'
import type { PeerState } from './peer-state.js'
import { type CallId, isBuiltIn, type RequestFrame, type UploadEndFrame, type UploadItemsFrame } from './protocol.js'
import { describeThrown, replyError, replyValue } from './reply.js'
import { DOWNLOAD, isAsyncIterable, StreamProducers } from './stream-producer.js'
import { UploadConsumers } from './upload-consumers.js'

export class Server {
  readonly #state: PeerState
  readonly #outbox: Outbox
  readonly #table: HandlerTable
  /** Called whenever a request is done with, so the peer can tell whether it is idle. */
  readonly #onSettled: () => void
  /** Requests being handled asynchronously, by id. */
  readonly #running = new RunningRequests()
  /** `undefined` when not holding requests. */
  #held: HeldRequests | undefined
  readonly #holdTimeout: number
  /** Requests answered with a stream; their contexts stay in `#running` until the stream ends. */
  readonly #streams: StreamProducers
  /** The async iterable arguments (upload streams) of running requests. */
  readonly #uploads: UploadConsumers

  constructor(state: PeerState, outbox: Outbox, table: HandlerTable, options: RpcPeerOptions, onSettled: () => void) {
    this.#state = state
    this.#outbox = outbox
    this.#table = table
    this.#onSettled = onSettled
    this.#streams = new StreamProducers(state, outbox, DOWNLOAD)
    this.#uploads = new UploadConsumers(state, outbox)
    checkTimeout(options.holdTimeout, 'holdTimeout')
    this.#holdTimeout = options.holdTimeout ?? DEFAULT_HOLD_TIMEOUT
    this.#held =
      options.holdRequests && options.handlers === undefined
        ? new HeldRequests(this.#holdTimeout, (expired) => this.#answerExpired(expired))
        : undefined
  }

  /** Requests whose handler's promise or stream is not done yet. */
  get handling(): number {
    return this.#running.size
  }

  /** Nothing is running or held. */
  get isIdle(): boolean {
    return this.#running.size === 0 && (this.#held === undefined || this.#held.size === 0)
  }

  handleRequest(frame: RequestFrame): void {
    const id = frame[1]
    const method = frame[2]
    const state = this.#state
    const builtIn = isBuiltIn(method)
    // Built-ins and user requests are bounded apart: a heartbeat refused because user handlers
    // fill the link would read as a hung worker, and restart it.
    const running = builtIn ? this.#running.builtIns : this.#running.size - this.#running.builtIns + (this.#held?.size ?? 0)
    if (running >= state.maxConcurrentRequests) {
      replyError(state, this.#outbox, id, method, new RpcOverloadedError(method, state.maxConcurrentRequests))
      return
    }
    if (this.#held !== undefined && !builtIn) {
      this.#held.hold(frame)
      return
    }
    // Timed only for a peer with an observer (metrics on): otherwise not one clock read.
    const observer = state.observer
    const arrivedAt = observer === undefined ? 0 : performance.now()
    const found = this.#table.lookup(method)
    if (found === undefined) {
      replyError(state, this.#outbox, id, method, new UnknownMethodError(method, this.#table.knownMethods()))
      observer?.served(method, performance.now() - arrivedAt, false)
      return
    }
    let args: unknown[]
    try {
      args = decodeArguments(frame[3], frame[4])
    } catch (error) {
      // Bounded: a decoder's message may quote the hostile value that broke it.
      const detail = describeThrown(error)
      const problem = new ProtocolError(messages.undecodableRequestMessage(method, detail), { cause: error })
      replyError(state, this.#outbox, id, method, problem)
      state.reportMalformed(`the arguments of ${method}() could not be decoded`, error)
      return
    }
    const hasUploads = frame[5] !== undefined
    if (hasUploads) {
      const reason = this.#uploads.open(id, method, frame[5]!, args)
      if (reason !== undefined) {
        replyError(state, this.#outbox, id, method, new ProtocolError(messages.malformedMessage(state.label, reason)))
        state.reportMalformed(reason)
        return
      }
    }
    const context = new found.Context(method)
    let result: unknown
    try {
      result = found.handler.apply(context, args)
    } catch (error) {
      replyError(state, this.#outbox, id, method, error)
      if (hasUploads) this.#uploads.finish(id)
      observer?.served(method, performance.now() - arrivedAt, true)
      return
    }
    if (!isThenable(result)) {
      if (isAsyncIterable(result)) {
        this.#running.set(id, context)
        this.#openStream(id, method, result)
        observer?.served(method, performance.now() - arrivedAt, true)
        return
      }
      replyValue(state, this.#outbox, id, method, result)
      if (hasUploads) this.#uploads.finish(id)
      observer?.served(method, performance.now() - arrivedAt, true)
      return
    }
    this.#running.set(id, context)
    // Promise.resolve: a thenable whose then() throws becomes a rejection, not a crash here.
    Promise.resolve(result).then(
      (value) => {
        if (context[kCancelled]) return
        observer?.served(method, performance.now() - arrivedAt, true)
        if (isAsyncIterable(value)) {
          this.#openStream(id, method, value)
          return
        }
        this.#running.delete(id)
        replyValue(this.#state, this.#outbox, id, method, value)
        if (hasUploads) this.#uploads.finish(id)
        this.#onSettled()
      },
      (error: unknown) => {
        if (context[kCancelled]) return
        observer?.served(method, performance.now() - arrivedAt, true)
        this.#running.delete(id)
        replyError(this.#state, this.#outbox, id, method, error)
        if (hasUploads) this.#uploads.finish(id)
        this.#onSettled()
      },
    )
  }

  /** Answers request `id` with a stream; it stays running (drained, cancellable) until the stream ends. */
  #openStream(id: CallId, method: string, iterable: AsyncIterable<unknown>): void {
    this.#streams.open(id, method, iterable, () => {
      this.#running.delete(id)
      this.#uploads.finish(id)
      this.#onSettled()
    })
  }

  /** Items of an upload stream (an async iterable argument of a running request). */
  receiveUpload(frame: UploadItemsFrame): void {
    this.#uploads.receive(frame)
  }

  /** The end of an upload stream. */
  endUpload(frame: UploadEndFrame): void {
    this.#uploads.end(frame)
  }

  /** Fails upload stream `id` (its items or end arrived but were refused). */
  failUpload(id: CallId, error: Error): void {
    this.#uploads.fail(id, error)
  }

  /** What upload items for stream `id` are, for a message about them. */
  describeUpload(id: CallId): string {
    return this.#uploads.describeItems(id)
  }

  /** The consumer of stream `id` grants it `items` more items (the first credit: and its byte window). */
  credit(id: CallId, items: number, bytes: number | undefined): void {
    this.#streams.credit(id, items, bytes)
  }

  /** Answers a request refused on receipt (its arguments out of bounds) with why. */
  refuse(frame: RequestFrame, error: Error): void {
    replyError(this.#state, this.#outbox, frame[1], frame[2], error)
  }

  /** The caller gave up on request `id`: abort its handler's signal, or drop it if held. */
  cancel(id: CallId): void {
    const context = this.#running.get(id)
    if (context !== undefined) {
      this.#running.delete(id)
      const reason = new RpcAbortError(context[kMethod], this.#state.label, undefined, 'callee')
      context[kCancel](reason)
      this.#streams.stop(id)
      this.#uploads.finish(id, reason)
      this.#onSettled()
      return
    }
    if (this.#held !== undefined) {
      this.#held.remove(id)
      this.#onSettled()
    }
  }

  /** Sets the handlers and handles the requests held until now. */
  setHandlers(handlers: object): void {
    this.#table.set(handlers)
    const held = this.#held
    this.#held = undefined
    if (held !== undefined) for (const frame of held.takeAll()) this.handleRequest(frame)
    this.#onSettled()
  }

  /** Aborts every running handler's signal with the close error and drops the held requests. */
  close(error: Error): void {
    for (const context of this.#running.values()) context[kCancel](error)
    this.#running.clear()
    this.#streams.stopAll()
    this.#uploads.finishAll(error)
    this.#held?.takeAll()
  }

  #answerExpired(expired: RequestFrame[]): void {
    for (const [, id, method] of expired) {
      const error = new UnknownMethodError(method, [], messages.notServingMessage(method, this.#holdTimeout))
      replyError(this.#state, this.#outbox, id, method, error)
    }
    this.#onSettled()
  }
}
