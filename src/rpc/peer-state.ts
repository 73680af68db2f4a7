/**
 * What every part of one RPC peer shares: the settings `configure()` may change after creation,
 * the label naming the other side, and the close error. One object read by the outgoing side
 * (client.ts) and the incoming side (server.ts), so a setting changed once is seen by both.
 * Its fields are plain and public on purpose: the parts read them on every call.
 */
import { EncodeError, PayloadTooLargeError, ProtocolError, type PayloadKind } from './errors.js'
import { encodeValue, OversizeValue, UnencodableValue, type Encoded } from './codec.js'
import * as messages from './messages.js'
import {
  checkMaxConcurrentRequests,
  checkMaxPayload,
  checkTimeout,
  DEFAULT_MAX_CONCURRENT_REQUESTS,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_TIMEOUT,
  type PeerSettings,
  type RpcPeerOptions,
} from './peer-options.js'
import type { RpcCallObserver } from './call-observer.js'
import { checkUploadWindow, DEFAULT_STREAM_WINDOW, DEFAULT_STREAM_WINDOW_BYTES } from './stream-frames.js'
import { createErrorRegistry, type ErrorClass } from './serialize-error.js'

/**
 * Checks the settings a peer takes at creation and in `configure()`, one list for both.
 * @throws RangeError or TypeError naming the option
 */
export function checkPeerSettings(options: PeerSettings): void {
  checkTimeout(options.timeout, 'timeout')
  checkMaxPayload(options.maxPayload)
  checkUploadWindow(options.uploadWindow)
  checkMaxConcurrentRequests(options.maxConcurrentRequests)
}

export class PeerState {
  /** Names the other side in error messages. */
  readonly label: string
  /** Default deadline of a call, in ms. */
  timeout: number
  /** Largest encoded payload sent, in bytes. */
  maxPayload: number
  /** The window granted to each upload stream (`uploadWindow`): items, and bytes. */
  uploadWindow = DEFAULT_STREAM_WINDOW
  uploadWindowBytes = DEFAULT_STREAM_WINDOW_BYTES
  /** How many requests of the other side run at once before more are refused. */
  maxConcurrentRequests: number
  /** Error classes rebuilt as themselves from the other side's errors. */
  registry: Map<string, ErrorClass>
  onProtocolError: (error: Error) => void
  onNotifyError: (error: Error, method: string) => void
  /** The error given to `close()`; set once, and everything stops when it is. */
  closeError: Error | undefined = undefined
  /** Told of answered calls; `undefined` (no timing at all) unless metrics are on. */
  readonly observer: RpcCallObserver | undefined

  constructor(options: RpcPeerOptions) {
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT
    this.maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD
    this.maxConcurrentRequests = options.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS
    this.registry = createErrorRegistry(options.errors)
    this.onProtocolError = options.onProtocolError ?? ((error) => process.emitWarning(error))
    this.onNotifyError = options.onNotifyError ?? ((error) => process.emitWarning(error))
    this.label = options.label ?? 'the other side'
    this.observer = options.observer
    this.#setUploadWindow(options)
  }

  configure(options: PeerSettings): void {
    checkPeerSettings(options)
    if (options.timeout !== undefined) this.timeout = options.timeout
    if (options.maxConcurrentRequests !== undefined) this.maxConcurrentRequests = options.maxConcurrentRequests
    this.#setUploadWindow(options)
    if (options.maxPayload !== undefined) this.maxPayload = options.maxPayload
    if (options.errors !== undefined) this.registry = createErrorRegistry(options.errors)
    if (options.onProtocolError !== undefined) this.onProtocolError = options.onProtocolError
    if (options.onNotifyError !== undefined) this.onNotifyError = options.onNotifyError
  }

  /** Takes what `options.uploadWindow` sets (checked by the caller); the rest stays. */
  #setUploadWindow(options: PeerSettings): void {
    if (options.uploadWindow?.items !== undefined) this.uploadWindow = options.uploadWindow.items
    if (options.uploadWindow?.bytes !== undefined) this.uploadWindowBytes = options.uploadWindow.bytes
  }

  /** Reports a malformed message (or part of one) to `onProtocolError`; the message is dropped. */
  reportMalformed(reason: string, cause?: unknown): void {
    this.reportProtocolError(new ProtocolError(messages.malformedMessage(this.label, reason), cause === undefined ? undefined : { cause }))
  }

  /** Reports a packet of another protocol version to `onProtocolError`; it is dropped. `shown` is the version, quoted bounded. */
  reportVersionMismatch(shown: string, expected: number): void {
    this.reportProtocolError(new ProtocolError(messages.versionMismatchMessage(this.label, shown, expected)))
  }

  /** Hands a protocol error to `onProtocolError`; a callback that throws is rethrown later, not here. */
  reportProtocolError(error: Error): void {
    try {
      this.onProtocolError(error)
    } catch (callbackError) {
      rethrowLater(callbackError)
    }
  }

  /** Reports a notification that failed or named no handler to `onNotifyError`. */
  reportNotifyError(error: Error, method: string): void {
    try {
      this.onNotifyError(error, method)
    } catch (callbackError) {
      rethrowLater(callbackError)
    }
  }

  /**
   * Encodes what a frame carries under this peer's size cap, or throws the error the sender sees
   * (`PayloadTooLargeError`, `EncodeError`); `name` is the method or event it is for.
   * `uncopiedFrom`: see `encodeValue`.
   */
  encode(value: unknown, kind: PayloadKind, name: string, uncopiedFrom = Infinity): Encoded {
    try {
      return encodeValue(value, this.maxPayload, kind === 'event' ? 'payload' : kind, uncopiedFrom)
    } catch (error) {
      throw this.toSendError(kind, name, error)
    }
  }

  /** Turns what `encodeValue` threw into the error the sender sees. */
  toSendError(kind: PayloadKind, method: string, error: unknown): Error {
    if (error instanceof OversizeValue) return new PayloadTooLargeError(kind, method, this.label, error.size, this.maxPayload)
    if (error instanceof UnencodableValue) {
      return new EncodeError(kind, method, this.label, error.reason, error.detail === undefined ? undefined : { cause: error.detail })
    }
    return error instanceof Error ? error : new Error(String(error))
  }
}

/**
 * A user's error callback threw: rethrow it in a microtask, so the user sees it as an uncaught
 * error and the message being handled is not cut short.
 */
function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}
