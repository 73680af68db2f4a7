/**
 * The handler's side of upload streams: a request whose `uploads` slot lists async iterable
 * arguments gets, in each of those slots, a stream consumer (stream-consumer.ts, the same one a
 * caller reads a download with) in place of the stream id the caller sent. It grants credit with
 * `a` frames as the handler reads, within this side's `uploadWindow`, so the caller's iterable is
 * pulled no faster than the handler reads it; the handler's `break` sends `h`, which stops the
 * caller's iterator.
 *
 * The uploads live as long as their request: once it is answered they end quietly (the caller
 * stops its iterators when the reply arrives, so no `h` is needed); when the caller cancels it
 * (abort, deadline) or the peer closes (the caller's process exited), the reading fails at once
 * with the same error the handler's `this.signal` carries.
 */
import { decodeValue } from './codec.js'
import { ProtocolError } from './errors.js'
import type { Outbox } from './outbox.js'
import type { PeerState } from './peer-state.js'
import type { CallId, UploadEndFrame, UploadItemsFrame } from './protocol.js'
import { deserializeError } from './serialize-error.js'
import { StreamConsumer } from './stream-consumer.js'
import { badUploadReason, brokenUploadMessage, describeUploadItems } from './stream-messages.js'

interface Upload {
  consumer: StreamConsumer
  method: string
}

export class UploadConsumers {
  readonly #state: PeerState
  readonly #outbox: Outbox
  /** Open uploads, by the caller's stream id. */
  readonly #streams = new Map<CallId, Upload>()
  /** The stream ids of each request that has uploads, by request id. */
  readonly #byRequest = new Map<CallId, CallId[]>()

  constructor(state: PeerState, outbox: Outbox) {
    this.#state = state
    this.#outbox = outbox
  }

  /**
   * Puts a stream in each upload slot of request `requestId`'s arguments (the list's shape was
   * checked on receipt); returns why the slots are malformed, or `undefined`.
   */
  open(requestId: CallId, method: string, uploads: number[], args: unknown[]): string | undefined {
    const ids: CallId[] = []
    for (const index of uploads) {
      const id = args[index]
      if (typeof id !== 'number' || !Number.isSafeInteger(id) || this.#streams.has(id) || ids.includes(id)) return badUploadReason(method)
      ids.push(id)
    }
    const windowBytes = this.#state.uploadWindowBytes
    for (let at = 0; at < ids.length; at++) {
      const id = ids[at]!
      const upload: Upload = { method, consumer: undefined as unknown as StreamConsumer }
      upload.consumer = new StreamConsumer(method, this.#state.uploadWindow, {
        grant: (items, isFirst) => {
          if (this.#streams.get(id) !== upload || this.#state.closeError) return
          this.#outbox.enqueue(isFirst ? ['a', id, items, windowBytes] : ['a', id, items], 16)
        },
        // The handler stopped reading: the caller's iterator is returned.
        cancel: () => {
          if (this.#streams.get(id) !== upload) return
          this.#streams.delete(id)
          if (!this.#state.closeError) this.#outbox.enqueue(['h', id], 16)
        },
      })
      this.#streams.set(id, upload)
      args[uploads[at]!] = upload.consumer
    }
    this.#byRequest.set(requestId, ids)
    return undefined
  }

  /** Items of upload `frame[1]`; a late frame (the upload stopped) is dropped. */
  receive(frame: UploadItemsFrame): void {
    const upload = this.#streams.get(frame[1])
    if (upload === undefined) return
    const reason = upload.consumer.receive(frame[2], frame[3])
    if (reason === undefined) return
    this.#state.reportMalformed(reason)
    this.fail(frame[1], new ProtocolError(brokenUploadMessage(upload.method, this.#state.label, reason)))
  }

  /** Upload `frame[1]` ended: its iterable is done, or threw the error the frame carries. */
  end(frame: UploadEndFrame): void {
    const upload = this.#streams.get(frame[1])
    if (upload === undefined) return
    this.#streams.delete(frame[1])
    if (frame.length <= 2) {
      upload.consumer.end()
      return
    }
    let error: unknown
    try {
      error = deserializeError(decodeValue(frame[2], frame[3]), this.#state.registry)
    } catch (cause) {
      const reason = `the error ending the upload stream of ${upload.method}() could not be decoded`
      this.#state.reportMalformed(reason, cause)
      error = new ProtocolError(brokenUploadMessage(upload.method, this.#state.label, reason), { cause })
    }
    upload.consumer.fail(error, true)
  }

  /** Fails upload `id` at once with `error` (it broke the protocol) and stops the caller's iterator. */
  fail(id: CallId, error: Error): void {
    const upload = this.#streams.get(id)
    if (upload === undefined) return
    this.#streams.delete(id)
    if (!this.#state.closeError) this.#outbox.enqueue(['h', id], 16)
    upload.consumer.fail(error)
  }

  /** What upload items for stream `id` are, for a message about them. */
  describeItems(id: CallId): string {
    return describeUploadItems(this.#streams.get(id)?.method)
  }

  /**
   * Request `requestId` is done with: its uploads end, quietly when it was answered (the caller
   * stops them), with `error` at once when it was cancelled or the peer closed.
   */
  finish(requestId: CallId, error?: Error): void {
    const ids = this.#byRequest.get(requestId)
    if (ids === undefined) return
    this.#byRequest.delete(requestId)
    for (const id of ids) {
      const upload = this.#streams.get(id)
      if (upload === undefined) continue
      this.#streams.delete(id)
      if (error === undefined) upload.consumer.end()
      else upload.consumer.fail(error)
    }
  }

  /** Fails every upload with the close error. */
  finishAll(error: Error): void {
    for (const requestId of [...this.#byRequest.keys()]) this.finish(requestId, error)
  }
}
