/**
 * The base of every xcluster error, and the errors the RPC layer raises. Each class has a stable
 * `code` to branch on (`error.code === 'ERR_RPC_TIMEOUT'`), a proper `name`, and keeps the `cause`.
 * The other layers' errors live with them (`src/supervisor/errors.ts`, `src/worker/errors.ts`);
 * `src/index.ts` re-exports them all.
 *
 * Sections: base · RPC (calls between two peers).
 */
import * as messages from './messages.js'

/** Error options shared by every xcluster error. */
export interface XclusterErrorOptions {
  /** The error that led to this one. */
  cause?: unknown
}

/**
 * Base class of every xcluster error.
 *
 * @example
 * ```ts
 * try { await cluster.any.add(1, 2) } catch (error) {
 *   if (error instanceof XclusterError) console.log(error.code)
 * }
 * ```
 */
export class XclusterError extends Error {
  /** Stable, documented error code, e.g. `'ERR_RPC_TIMEOUT'`. */
  code: string

  constructor(message: string, code: string, options?: XclusterErrorOptions) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined)
    this.code = code
  }
}

/**
 * Gives each class a non-enumerable `name` on its prototype, as built-in errors have, so that
 * `name` survives minification and is not copied around as an own field.
 * @internal
 */
export function setErrorName(ErrorClass: { prototype: Error }, name: string): void {
  Object.defineProperty(ErrorClass.prototype, 'name', { value: name, writable: true, configurable: true })
}
setErrorName(XclusterError, 'XclusterError')

// --- RPC ------------------------------------------------------------------------------------------

/** A call got no reply before its deadline. Code `ERR_RPC_TIMEOUT`. */
export class RpcTimeoutError extends XclusterError {
  /** The method called. */
  method: string
  /** The deadline that passed, in ms. */
  timeout: number

  constructor(method: string, peer: string, timeout: number) {
    super(messages.timeoutMessage(method, peer, timeout), 'ERR_RPC_TIMEOUT')
    this.method = method
    this.timeout = timeout
  }
}
setErrorName(RpcTimeoutError, 'RpcTimeoutError')

/** A call was aborted by its `AbortSignal`; `cause` is the signal's reason. Code `ERR_RPC_ABORTED`. */
export class RpcAbortError extends XclusterError {
  method: string

  /**
   * `side: 'callee'` builds the reason a handler's `this.signal` carries when the caller gave up.
   */
  constructor(method: string, peer: string, reason: unknown, side: 'caller' | 'callee' = 'caller') {
    super(
      side === 'caller' ? messages.abortMessage(method, peer) : messages.cancelledMessage(method, peer),
      'ERR_RPC_ABORTED',
      reason === undefined ? undefined : { cause: reason },
    )
    this.method = method
  }
}
setErrorName(RpcAbortError, 'RpcAbortError')

/**
 * An error thrown by a handler on the other side whose class was not registered (registered
 * classes and built-in ones such as `TypeError` are rebuilt as themselves instead).
 *
 * `name`, `message`, `stack` (the remote one), `cause` and every own enumerable field are the
 * remote error's — including `code` when the remote error had one; otherwise `code` is
 * `ERR_REMOTE`.
 */
export class RemoteError extends XclusterError {
  constructor(message: string, options?: XclusterErrorOptions) {
    super(message, 'ERR_REMOTE', options)
  }
}
setErrorName(RemoteError, 'RemoteError')

/** The other side has no own handler by that name. Code `ERR_UNKNOWN_METHOD`. */
export class UnknownMethodError extends XclusterError {
  method: string

  /** `known` lists the methods served, for the message; `message` replaces the message. */
  constructor(method: string, known: readonly string[], message?: string) {
    super(message ?? messages.unknownMethodMessage(method, known), 'ERR_UNKNOWN_METHOD')
    this.method = method
  }
}
setErrorName(UnknownMethodError, 'UnknownMethodError')

/** What a size or encoding error is about: a call's arguments, a reply, or an event. */
export type PayloadKind = 'arguments' | 'result' | 'event'

/**
 * An encoded payload is over `maxPayload`; checked on the sending side, nothing was sent.
 * Code `ERR_PAYLOAD_TOO_LARGE`.
 */
export class PayloadTooLargeError extends XclusterError {
  /** The method (or event) whose payload was too large. */
  method: string
  kind: PayloadKind
  /** Encoded size in bytes. */
  size: number
  /** The limit, in bytes. */
  limit: number

  constructor(kind: PayloadKind, method: string, peer: string, size: number, limit: number) {
    super(
      kind === 'arguments'
        ? messages.argumentsTooLargeMessage(method, peer, size, limit)
        : kind === 'result'
          ? messages.resultTooLargeMessage(method, size, limit)
          : messages.eventTooLargeMessage(method, peer, size, limit),
      'ERR_PAYLOAD_TOO_LARGE',
    )
    this.method = method
    this.kind = kind
    this.size = size
    this.limit = limit
  }
}
setErrorName(PayloadTooLargeError, 'PayloadTooLargeError')

/**
 * A value cannot be encoded (a function, a symbol, an own `__proto__` key); nothing was sent.
 * Code `ERR_ENCODE`.
 */
export class EncodeError extends XclusterError {
  method: string
  kind: PayloadKind

  constructor(kind: PayloadKind, method: string, peer: string, reason: string, options?: XclusterErrorOptions) {
    super(
      kind === 'arguments'
        ? messages.argumentsEncodeMessage(method, peer, reason)
        : kind === 'result'
          ? messages.resultEncodeMessage(method, reason)
          : messages.eventEncodeMessage(method, peer, reason),
      'ERR_ENCODE',
      options,
    )
    this.method = method
    this.kind = kind
  }
}
setErrorName(EncodeError, 'EncodeError')

/** A message tagged as ours did not follow the protocol; it was dropped. Code `ERR_PROTOCOL`. */
export class ProtocolError extends XclusterError {
  constructor(message: string, options?: XclusterErrorOptions) {
    super(message, 'ERR_PROTOCOL', options)
  }
}
setErrorName(ProtocolError, 'ProtocolError')

/**
 * The other side was already running its `maxConcurrentRequests` requests of this link: this one
 * was answered at once and its handler never ran. Code `ERR_RPC_OVERLOADED`.
 */
export class RpcOverloadedError extends XclusterError {
  method: string
  /** The other side's `maxConcurrentRequests`. */
  limit: number

  constructor(method: string, limit: number) {
    super(messages.overloadedMessage(method, limit), 'ERR_RPC_OVERLOADED')
    this.method = method
    this.limit = limit
  }
}
setErrorName(RpcOverloadedError, 'RpcOverloadedError')

/** The link was closed in this process (`link.close()`). Code `ERR_RPC_CLOSED`. */
export class RpcClosedError extends XclusterError {
  constructor(peer: string) {
    super(messages.closedMessage(peer), 'ERR_RPC_CLOSED')
  }
}
setErrorName(RpcClosedError, 'RpcClosedError')

/**
 * The RPC errors rebuilt as themselves on the other side (a handler that rethrows an
 * `RpcTimeoutError` is seen as one by the caller); the layers above add their own.
 * @internal
 */
export const RPC_ERROR_CLASSES: readonly (abstract new (...args: never[]) => Error)[] = [
  XclusterError,
  RpcTimeoutError,
  RpcAbortError,
  RemoteError,
  UnknownMethodError,
  PayloadTooLargeError,
  EncodeError,
  ProtocolError,
  RpcClosedError,
  RpcOverloadedError,
]
