/**
 * The outgoing side of a peer: calls, notifications and events it sends, and the calls waiting
 * for their reply (pending.ts), settled by a reply frame, their deadline, their abort signal, a
 * refused packet or `close()`. A call that gives up early also tells the other side with a cancel
 * frame, so its handler's signal aborts. Arguments that are async iterables travel as upload
 * streams (stream-producer.ts, `UPLOAD`), pulled as the handler's side grants credit; they stop
 * (their iterator's `return()` runs) when the call settles, however it settles.
 */
import { ProtocolError, RpcAbortError, RpcTimeoutError } from './errors.js'
import { decodeValue, type Encoded } from './codec.js'
import * as messages from './messages.js'
import { withValue, type Outbox } from './outbox.js'
import { checkTimeout, type RpcCallOptions, type RpcPendingCallInfo } from './peer-options.js'
import type { PeerState } from './peer-state.js'
import { PendingCall, PendingCalls } from './pending.js'
import { MAX_NAME_LENGTH, type CallId, type ErrorFrame, type Frame, type ResultFrame, type StreamItemsFrame } from './protocol.js'
import { deserializeError } from './serialize-error.js'
import { StreamConsumer } from './stream-consumer.js'
import { checkStreamWindow } from './stream-frames.js'
import { StreamProducers, UPLOAD } from './stream-producer.js'
import { takeUploads, type UploadArgs } from './upload-args.js'
import * as streamMessages from './stream-messages.js'

export class Client {
  readonly #state: PeerState
  readonly #outbox: Outbox
  /** Called whenever a call settles, so the peer can tell whether it is idle. */
  readonly #onSettled: () => void
  readonly #pending: PendingCalls
  /** The async iterable arguments of pending calls, by stream id (from the same counter as call ids). */
  readonly #uploads: StreamProducers
  #lastId = 0

  constructor(state: PeerState, outbox: Outbox, onSettled: () => void) {
    this.#state = state
    this.#outbox = outbox
    this.#onSettled = onSettled
    this.#pending = new PendingCalls((call) => this.#expire(call))
    this.#uploads = new StreamProducers(state, outbox, UPLOAD)
  }

  /** Calls sent and not settled. */
  get size(): number {
    return this.#pending.size
  }

  list(): RpcPendingCallInfo[] {
    return this.#pending.list().map(({ id, method, startedAt, timeout }) => ({ id, method, startedAt, timeout }))
  }

  call(method: string, args: readonly unknown[], options?: RpcCallOptions): Promise<unknown> {
    const state = this.#state
    if (state.closeError) return Promise.reject(state.closeError)
    if (typeof method !== 'string') {
      return Promise.reject(new TypeError(`Expected the method name to be a string, got \`${String(method)}\``))
    }
    if (method.length > MAX_NAME_LENGTH)
      return Promise.reject(new RangeError(messages.nameTooLongMessage('method', method.length, MAX_NAME_LENGTH)))
    if (!Array.isArray(args)) {
      return Promise.reject(new TypeError(`Expected the arguments of ${method}() to be an array, got \`${String(args)}\``))
    }
    let timeout = state.timeout
    let signal: AbortSignal | undefined
    let window: number | undefined
    let windowBytes: number | undefined
    if (options !== undefined) {
      try {
        checkTimeout(options.timeout, 'timeout')
        checkStreamWindow(options.window, options.windowBytes)
      } catch (error) {
        return Promise.reject(error)
      }
      if (options.timeout !== undefined) timeout = options.timeout
      window = options.window
      windowBytes = options.windowBytes
      signal = options.signal
      if (signal?.aborted) return Promise.reject(new RpcAbortError(method, state.label, signal.reason))
    }
    // Upload streams: each async iterable argument travels as its stream's id, numbered after the call's.
    let uploads: UploadArgs | undefined
    let encoded: Encoded
    try {
      uploads = takeUploads(method, args, this.#lastId + 2)
      encoded = state.encode(uploads?.args ?? args, 'arguments', method, this.#outbox.uncopiedFrom)
    } catch (error) {
      return Promise.reject(error)
    }
    const id = ++this.#lastId
    if (uploads !== undefined) this.#lastId += uploads.indexes.length
    const call = new PendingCall(id, method, timeout, performance.now())
    const promise = call.createPromise()
    this.#pending.add(call)
    if (window !== undefined) call.window = window
    if (windowBytes !== undefined) call.windowBytes = windowBytes
    if (signal !== undefined) {
      call.signal = signal
      call.onAbort = () => this.#abort(call)
      signal.addEventListener('abort', call.onAbort, { once: true })
    }
    if (uploads === undefined) {
      this.#outbox.enqueue(
        encoded.s === undefined ? ['q', id, method, encoded.v] : ['q', id, method, encoded.v, encoded.s],
        encoded.size,
        encoded.isUncopied,
      )
      return promise
    }
    const { indexes, iterables } = uploads
    this.#outbox.enqueue(['q', id, method, encoded.v, encoded.s ?? null, indexes], encoded.size + 8 * indexes.length, encoded.isUncopied)
    this.#openUploads(call, iterables)
    return promise
  }

  /** Starts producing the upload streams of `call`, ids `call.id + 1` on; each waits for credit. */
  #openUploads(call: PendingCall, iterables: AsyncIterable<unknown>[]): void {
    const ids: CallId[] = []
    call.uploads = ids
    for (let at = 0; at < iterables.length; at++) {
      const streamId = call.id + 1 + at
      ids.push(streamId)
      // An upload that ends on its own (done, failed) is forgotten by the producers.
      this.#uploads.open(streamId, call.method, iterables[at]!, () => {})
    }
  }

  /** The handler's side grants upload stream `id` more items (the first credit: and its byte window). */
  creditUpload(id: CallId, items: number, bytes: number | undefined): void {
    this.#uploads.credit(id, items, bytes)
  }

  /** The handler stopped reading upload stream `id`: its iterator is returned. */
  haltUpload(id: CallId): void {
    this.#uploads.stop(id)
  }

  /** Detaches a settled call: its abort listener, and its upload streams, stopped. */
  #release(call: PendingCall): void {
    call.release()
    const uploads = call.uploads
    if (uploads === undefined) return
    call.uploads = undefined
    for (const id of uploads) this.#uploads.stop(id)
  }

  notify(method: string, args: readonly unknown[]): void {
    const state = this.#state
    if (state.closeError) throw state.closeError
    if (typeof method !== 'string') throw new TypeError(`Expected the method name to be a string, got \`${String(method)}\``)
    if (method.length > MAX_NAME_LENGTH) throw new RangeError(messages.nameTooLongMessage('method', method.length, MAX_NAME_LENGTH))
    const encoded = state.encode(args, 'arguments', method)
    this.#outbox.enqueue(encoded.s === undefined ? ['n', method, encoded.v] : ['n', method, encoded.v, encoded.s], encoded.size)
  }

  emit(event: string, payload: unknown): void {
    const state = this.#state
    if (state.closeError) throw state.closeError
    if (typeof event !== 'string') throw new TypeError(`Expected the event name to be a string, got \`${String(event)}\``)
    if (event.length > MAX_NAME_LENGTH) throw new RangeError(messages.nameTooLongMessage('event', event.length, MAX_NAME_LENGTH))
    const encoded = state.encode(payload, 'event', event)
    this.#outbox.enqueue(withValue(['e', event], encoded), encoded.size)
  }

  /** Settles the call a reply frame answers. */
  settle(frame: ResultFrame | ErrorFrame): void {
    const call = this.#pending.take(frame[1])
    // No call: a late reply to a call that timed out or was aborted.
    if (call === undefined) return
    this.#release(call)
    let value: unknown
    try {
      value = decodeValue(frame[2], frame[3])
    } catch (error) {
      const problem = messages.malformedMessage(this.#state.label, `the reply to ${call.method}() could not be decoded`)
      call.reject(new ProtocolError(problem, { cause: error }))
      this.#state.reportMalformed(`the reply to ${call.method}() could not be decoded`, error)
      this.#onSettled()
      return
    }
    const error = frame[0] === 'r' ? undefined : deserializeError(value, this.#state.registry)
    this.#state.observer?.called(call.method, performance.now() - call.sentAt, error)
    if (error === undefined) call.resolve(value)
    else if (call.stream !== undefined) call.stream.fail(error, true)
    else call.reject(error)
    this.#onSettled()
  }

  /**
   * Call `id` is answered with a stream: its promise resolves to the consumer, and from now on what
   * settles the call (its reply, deadline, abort, the close) ends the stream instead.
   */
  openStream(id: CallId): void {
    const call = this.#pending.get(id)
    if (call === undefined) return
    if (call.stream !== undefined) {
      this.#state.reportMalformed(streamMessages.reopenedStreamReason(call.method))
      return
    }
    const stream = new StreamConsumer(call.method, call.window, {
      grant: (items, isFirst) => {
        if (this.#pending.get(id) === call) this.#outbox.enqueue(isFirst ? ['g', id, items, call.windowBytes] : ['g', id, items], 16)
      },
      cancel: () => this.#cancelStream(call),
    })
    const resolve = call.resolve
    call.stream = stream
    call.resolve = () => stream.end()
    call.reject = (error) => stream.fail(error)
    resolve(stream)
  }

  /** Items of the stream answering call `id`; one that breaks the protocol fails the stream. */
  receiveItems(frame: StreamItemsFrame): void {
    const call = this.#pending.get(frame[1])
    // No call: items still on their way when the stream was cancelled.
    if (call === undefined) return
    const reason =
      call.stream === undefined ? streamMessages.itemsWithoutStreamReason(call.method) : call.stream.receive(frame[2], frame[3])
    if (reason === undefined) return
    this.#state.reportMalformed(reason)
    this.fail(call.id, new ProtocolError(streamMessages.brokenStreamMessage(call.method, this.#state.label, reason)))
  }

  /** What items for call `id` are, for a message about them. */
  describeItems(id: CallId): string {
    return streamMessages.describeItems(this.#pending.get(id)?.method)
  }

  /** The consumer stopped reading (`break`): the call ends, and the producer is told to stop. */
  #cancelStream(call: PendingCall): void {
    if (this.#pending.take(call.id) === undefined) return
    this.#release(call)
    if (!this.#state.closeError) this.#outbox.enqueue(['c', call.id], 16)
    this.#onSettled()
  }

  /** What a reply to call `id` is, for a message about it: `the reply to add()`. */
  describeReply(id: CallId): string {
    const call = this.#pending.get(id)
    return call === undefined ? 'a reply to no pending call' : `the reply to ${call.method}()`
  }

  /** Rejects call `id` with `error` (its reply or items arrived but were refused). */
  fail(id: CallId, error: Error): void {
    const call = this.#pending.take(id)
    if (call === undefined) return
    this.#release(call)
    // A stream that may still be producing must be told to stop.
    if (call.stream !== undefined && !this.#state.closeError) this.#outbox.enqueue(['c', id], 16)
    call.reject(error)
    this.#onSettled()
  }

  /** Fails the calls among frames the transport refused to send, with what it threw. */
  failRefused(frames: Frame[], error: unknown): void {
    for (const frame of frames) {
      if (frame[0] !== 'q') continue
      const call = this.#pending.take(frame[1])
      if (call === undefined) continue
      this.#release(call)
      call.reject(error)
    }
    this.#onSettled()
  }

  /** Rejects every pending call with the close error. */
  close(error: Error): void {
    for (const call of this.#pending.takeAll()) {
      this.#release(call)
      call.reject(error)
    }
  }

  #abort(call: PendingCall): void {
    if (this.#pending.take(call.id) === undefined) return
    const reason = call.signal?.reason
    this.#release(call)
    this.#outbox.enqueue(['c', call.id], 16)
    call.reject(new RpcAbortError(call.method, this.#state.label, reason))
    this.#onSettled()
  }

  #expire(call: PendingCall): void {
    this.#release(call)
    if (!this.#state.closeError) this.#outbox.enqueue(['c', call.id], 16)
    const error = new RpcTimeoutError(call.method, this.#state.label, call.timeout)
    if (call.stream !== undefined) error.message = streamMessages.streamTimeoutMessage(call.method, this.#state.label, call.timeout)
    call.reject(error)
    this.#onSettled()
  }
}
