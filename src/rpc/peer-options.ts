/**
 * The public shape of an RPC peer: its options, the per-call options, and the peer interface.
 * The implementation is in peer.ts.
 */
import type { RpcCallObserver } from './call-observer.js'
import type { ErrorClass } from './serialize-error.js'

/** How long a call waits for its reply unless told otherwise: 30 s. */
export const DEFAULT_TIMEOUT = 30_000 // 30 s
/** How long a request waits for handlers when held: 5 s. */
export const DEFAULT_HOLD_TIMEOUT = 5_000 // 5 s
/** How many requests of the other side a peer runs at once: 10 000. */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 10_000
/** The largest encoded payload a peer sends: 4 MiB. */
export const DEFAULT_MAX_PAYLOAD = 4 * 1024 * 1024 // 4 MiB

/** Options of one call. */
export interface RpcCallOptions {
  /**
   * Deadline in ms; `Infinity` for none. On expiry the call rejects with `RpcTimeoutError` and the
   * other side's handler sees its signal abort.
   * @default the peer's `timeout` (30 000)
   */
  timeout?: number
  /** Aborts the call: it rejects with `RpcAbortError` and the other side's handler sees its signal abort. */
  signal?: AbortSignal
  /**
   * For a call answered with a stream: how many items the producer may send ahead of what this
   * side has read (1 to 65 536). This side buffers at most that many items.
   * @default 1024
   */
  window?: number
  /**
   * For a call answered with a stream: how many bytes of items (as the producer encodes them) may
   * be on their way or unread at once; the producer may pass it by one item.
   * @default 1_048_576 (1 MiB)
   */
  windowBytes?: number
}

/** What a handler sees as `this`: its call's context, then (through the prototype) the handlers object. */
export interface RpcCallContext {
  /** Aborts when the caller aborts or its deadline passes; a long handler can stop then. */
  readonly signal: AbortSignal
}

export interface RpcPeerOptions {
  /**
   * Sends one message to the other side, e.g. `(message) => child.send(message)`. It must
   * serialize the message before it returns (`process.send` does): the payloads of a frame sent at
   * once are not copied, and the caller may change its arguments right after the call.
   */
  send(message: unknown): void
  /**
   * The methods this side serves: own function properties only (`__proto__`, `constructor`,
   * inherited and `$`-prefixed names are never reachable). Handlers run with `this` set to an
   * `RpcCallContext` whose prototype is this object.
   */
  handlers?: object
  /**
   * Hold incoming requests until `setHandlers()` instead of answering "unknown method" (built-ins
   * in `internal` are answered at once). A held request is dropped if the caller cancels it.
   * @default false
   */
  holdRequests?: boolean
  /**
   * How long a held request waits for `setHandlers()`, in ms; past it, it is answered with an
   * `UnknownMethodError` saying that nothing serves it yet.
   * @default 5_000
   */
  holdTimeout?: number
  /** Built-in methods, `$`-prefixed (e.g. `$heartbeat`); only `$` names are looked up here. */
  internal?: Record<string, (...args: any[]) => unknown>
  /**
   * Default deadline of a call, in ms; `Infinity` for none.
   * @default 30_000
   */
  timeout?: number
  /**
   * Largest encoded payload (arguments, result, event), in bytes. Checked on the sending side
   * (`PayloadTooLargeError`, nothing is sent) and again on receipt, before anything is decoded:
   * a payload over this side's limit is refused (`ProtocolError` to `onProtocolError`; a request
   * is answered with it, a reply rejects its call). Give both sides the same limit.
   * @default 4_194_304 (4 MiB)
   */
  maxPayload?: number
  /**
   * The window this side grants each upload stream (an async iterable argument of a call its
   * handlers serve): the caller's iterable is pulled no further ahead of the handler's reading
   * than `items` items, or than `bytes` bytes of them as encoded. The side that buffers decides,
   * as with HTTP/2 and gRPC flow control; a caller's `$with({ window })` sets the window of the
   * streams it reads, not of those it sends.
   * @default { items: 1024, bytes: 1_048_576 }
   */
  uploadWindow?: UploadWindow
  /**
   * How many requests of the other side this side runs at once: those whose handler's promise or
   * stream is not done yet, and those held for handlers. One more is answered at once with an
   * `RpcOverloadedError` and its handler is not run, so a caller in a runaway loop cannot make
   * this side hold an unbounded number of handlers. A handler that returns a value (not a
   * promise or stream) is done before the next request is read and never counts, but at the
   * limit it is refused too: what a handler returns is not known before it runs. Built-in `$`
   * methods are bounded apart, by the same number: a peer whose user handlers fill the limit still
   * answers heartbeats. `Infinity` for no limit.
   * @default 10_000
   */
  maxConcurrentRequests?: number
  /** Error classes to rebuild as themselves when a handler on the other side throws one. */
  errors?: readonly ErrorClass[]
  /** Called for each event the other side emits. */
  onEvent?(name: string, payload: unknown): void
  /**
   * Called with a `ProtocolError` when a malformed tagged message arrives; it is dropped.
   * @default process.emitWarning
   */
  onProtocolError?(error: Error): void
  /**
   * Called when a notification names no handler or its handler fails (nobody waits for a reply).
   * @default process.emitWarning
   */
  onNotifyError?(error: Error, method: string): void
  /**
   * Names the other side in error messages.
   * @default 'the other side'
   */
  label?: string
  /** Told how long each answered call took, in both directions (metrics). @default none: no timing */
  observer?: RpcCallObserver
}

/** A call sent and not settled, as `pendingCalls()` lists it. */
export interface RpcPendingCallInfo {
  /** The call id on this link. */
  id: number
  method: string
  /** When it was made, `Date.now()` ms. */
  startedAt: number
  /** Its deadline in ms (`Infinity` for none). */
  timeout: number
}

export interface RpcPeer {
  /** Calls a method on the other side. Rejects with an `XclusterError` (or the remote error). */
  call(method: string, args: readonly unknown[], options?: RpcCallOptions): Promise<unknown>
  /**
   * One-way call, no reply. Throws `EncodeError`/`PayloadTooLargeError` when the arguments cannot
   * be sent, and the close error once closed.
   */
  notify(method: string, args: readonly unknown[]): void
  /** Emits an event to the other side's `onEvent`. Throws like `notify`. */
  emit(event: string, payload: unknown): void
  /** Feed every incoming message. Returns `true` when it was ours (tagged), even if malformed. */
  receive(message: unknown): boolean
  /** Sets the handlers (when not given as an option) and answers the held requests. */
  setHandlers(handlers: object): void
  /** Calls sent and not settled. */
  readonly inFlight: number
  /** Requests of the other side being handled (their handler's promise or stream not done yet). */
  readonly handling: number
  /** The calls sent and not settled, oldest first: what was lost when the other side died. */
  pendingCalls(): RpcPendingCallInfo[]
  /** Resolves when nothing is in flight in either direction (calls sent, requests being handled). */
  onIdle(): Promise<void>
  /**
   * Rejects every pending call with `error` at once, aborts running handlers, and makes every later
   * call reject (and `notify`/`emit` throw) with it.
   */
  close(error: Error): void
  /** The error given to `close()`, if closed. */
  readonly closeReason: Error | undefined
  /**
   * Changes `timeout`, `maxPayload`, `uploadWindow`, `maxConcurrentRequests` or `errors` after creation (the worker side creates its peer
   * at `ready()`, before `serve()` brings the contract's options).
   * @internal
   */
  configure(options: PeerSettings): void
  /**
   * Reports a malformed message from the other side to `onProtocolError`, for a layer above
   * that finds one (a heartbeat reply that is no sample); `reason` must already be bounded.
   * @internal
   */
  reportMalformed(reason: string): void
}

/** What `configure()` can change (the worker's `serve()` sets them on the peer that `ready()` may have made). */
export type PeerSettings = Pick<
  RpcPeerOptions,
  'timeout' | 'maxPayload' | 'uploadWindow' | 'maxConcurrentRequests' | 'errors' | 'onProtocolError' | 'onNotifyError'
>

/** How far ahead of a handler's reading an upload stream may be (`uploadWindow`). */
export interface UploadWindow {
  /** Items sent and not yet read, at most. @default 1024 */
  items?: number
  /** Bytes of such items as encoded, at most (the caller may pass it by one item). @default 1_048_576 (1 MiB) */
  bytes?: number
}

/** @internal */
export function checkMaxPayload(maxPayload: unknown): void {
  if (maxPayload !== undefined && !(Number.isSafeInteger(maxPayload) && (maxPayload as number) > 0)) {
    throw new RangeError(`Expected \`maxPayload\` to be a positive integer (bytes), got \`${String(maxPayload)}\` (${typeof maxPayload})`)
  }
}

/** @internal */
export function checkMaxConcurrentRequests(limit: unknown): void {
  if (limit !== undefined && !((Number.isSafeInteger(limit) && (limit as number) > 0) || limit === Number.POSITIVE_INFINITY)) {
    throw new RangeError(
      `Expected \`maxConcurrentRequests\` to be a positive integer (or Infinity), got \`${String(limit)}\` (${typeof limit})`,
    )
  }
}

/** @internal */
export function checkTimeout(timeout: unknown, name: string): void {
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new RangeError(`Expected \`${name}\` to be a number of ms above 0 (or Infinity), got \`${String(timeout)}\` (${typeof timeout})`)
  }
}
