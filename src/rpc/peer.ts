/**
 * One end of an RPC link. Transport-independent: it is given a `send` function and fed every
 * incoming message with `receive()`; it knows nothing of cluster or processes.
 */
import {
  EncodeError,
  PayloadTooLargeError,
  ProtocolError,
  RemoteError,
  RpcAbortError,
  RpcTimeoutError,
  UnknownMethodError,
  type PayloadKind,
} from '../errors.js'
import { decodeValue, encodeValue, OversizeValue, UnencodableValue, type Encoded } from './codec.js'
import * as messages from './messages.js'
import { PendingCall, PendingCalls } from './pending.js'
import {
  checkFrame,
  createPacket,
  PROTOCOL_TAG,
  PROTOCOL_VERSION,
  type CallId,
  type ErrorFrame,
  type Frame,
  type RequestFrame,
} from './protocol.js'
import { createContextClass, kCancel, kCancelled, kMethod, type Context, type ContextClass } from './call-context.js'
import {
  checkMaxPayload,
  checkTimeout,
  DEFAULT_HOLD_TIMEOUT,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_TIMEOUT,
  type PeerSettings,
  type RpcCallOptions,
  type RpcPeer,
  type RpcPeerOptions,
  type RpcPendingCallInfo,
} from './peer-options.js'
import { createErrorRegistry, deserializeError, serializeError, type ErrorClass } from './serialize-error.js'

export { DEFAULT_MAX_PAYLOAD, DEFAULT_TIMEOUT } from './peer-options.js'
export type { RpcCallContext, RpcCallOptions, RpcPeer, RpcPeerOptions, RpcPendingCallInfo } from './peer-options.js'

// A packet is sent at once when its frames pass this size, instead of at the end of the tick.
const MAX_PACKET_BYTES = 1024 * 1024 // 1 MiB

/**
 * Creates one end of an RPC link.
 *
 * @example
 * ```ts
 * const child = fork('worker.js')
 * const peer = createRpcPeer({ send: (message) => child.send(message), label: 'worker 1' })
 * child.on('message', (message) => peer.receive(message))
 * child.on('exit', (code, signal) => peer.close(new WorkerExitedError({ workerId: 1, exitCode: code, signal })))
 * console.log(await peer.call('add', [1, 2])) // 3
 * ```
 */
export function createRpcPeer(options: RpcPeerOptions): RpcPeer {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected createRpcPeer() options to be an object, got \`${String(options)}\``)
  }
  if (typeof options.send !== 'function') {
    throw new TypeError(`Expected \`send\` to be a function, got \`${String(options.send)}\` (${typeof options.send})`)
  }
  checkTimeout(options.timeout, 'timeout')
  checkMaxPayload(options.maxPayload)
  if (options.handlers !== undefined && (typeof options.handlers !== 'object' || options.handlers === null)) {
    throw new TypeError(`Expected \`handlers\` to be an object, got \`${String(options.handlers)}\``)
  }
  return new Peer(options)
}

type Handler = (this: unknown, ...args: unknown[]) => unknown

const getOwnFunction = (source: object | undefined, name: string): Handler | undefined => {
  if (source === undefined || !Object.hasOwn(source, name)) return undefined
  const value = (source as Record<string, unknown>)[name]
  return typeof value === 'function' ? (value as Handler) : undefined
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'

class Peer implements RpcPeer {
  readonly #send: (message: unknown) => void
  #handlers: object | undefined
  #Context: ContextClass | undefined
  readonly #internal: object | undefined
  readonly #InternalContext: ContextClass
  #timeout: number
  #maxPayload: number
  #registry: Map<string, ErrorClass>
  readonly #onEvent: ((name: string, payload: unknown) => void) | undefined
  #onProtocolError: (error: Error) => void
  #onNotifyError: (error: Error, method: string) => void
  readonly #label: string
  readonly #pending: PendingCalls
  /** Requests being handled asynchronously, by id. */
  readonly #running = new Map<CallId, Context>()
  /** Requests waiting for `setHandlers()`; `undefined` when not holding. */
  #held: RequestFrame[] | undefined
  /** When each held request arrived (`performance.now()`), in the same order. */
  #heldSince: number[] = []
  #holdTimer: NodeJS.Timeout | undefined = undefined
  readonly #holdTimeout: number
  #queue: Frame[] = []
  #lastId = 0
  #queueBytes = 0
  #isFlushScheduled = false
  #closeError: Error | undefined = undefined
  #idleWaiters: (() => void)[] = []

  constructor(options: RpcPeerOptions) {
    this.#send = options.send
    this.#internal = options.internal
    this.#InternalContext = createContextClass(options.internal ?? {})
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT
    this.#maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD
    this.#registry = createErrorRegistry(options.errors)
    this.#onEvent = options.onEvent
    this.#onProtocolError = options.onProtocolError ?? ((error) => process.emitWarning(error))
    this.#onNotifyError = options.onNotifyError ?? ((error) => process.emitWarning(error))
    this.#label = options.label ?? 'the other side'
    this.#pending = new PendingCalls((call) => this.#expire(call))
    this.#held = options.holdRequests && options.handlers === undefined ? [] : undefined
    checkTimeout(options.holdTimeout, 'holdTimeout')
    this.#holdTimeout = options.holdTimeout ?? DEFAULT_HOLD_TIMEOUT
    if (options.handlers !== undefined) this.setHandlers(options.handlers)
  }

  configure(options: PeerSettings): void {
    checkTimeout(options.timeout, 'timeout')
    checkMaxPayload(options.maxPayload)
    if (options.timeout !== undefined) this.#timeout = options.timeout
    if (options.maxPayload !== undefined) this.#maxPayload = options.maxPayload
    if (options.errors !== undefined) this.#registry = createErrorRegistry(options.errors)
    if (options.onProtocolError !== undefined) this.#onProtocolError = options.onProtocolError
    if (options.onNotifyError !== undefined) this.#onNotifyError = options.onNotifyError
  }

  get inFlight(): number {
    return this.#pending.size
  }

  pendingCalls(): RpcPendingCallInfo[] {
    return this.#pending.list().map(({ id, method, startedAt, timeout }) => ({ id, method, startedAt, timeout }))
  }

  get closeReason(): Error | undefined {
    return this.#closeError
  }

  // --- Outgoing -----------------------------------------------------------------------------------

  call(method: string, args: readonly unknown[], options?: RpcCallOptions): Promise<unknown> {
    if (this.#closeError) return Promise.reject(this.#closeError)
    if (typeof method !== 'string') {
      return Promise.reject(new TypeError(`Expected the method name to be a string, got \`${String(method)}\``))
    }
    if (!Array.isArray(args)) {
      return Promise.reject(new TypeError(`Expected the arguments of ${method}() to be an array, got \`${String(args)}\``))
    }
    let timeout = this.#timeout
    let signal: AbortSignal | undefined
    if (options !== undefined) {
      if (options.timeout !== undefined) {
        try {
          checkTimeout(options.timeout, 'timeout')
        } catch (error) {
          return Promise.reject(error)
        }
        timeout = options.timeout
      }
      signal = options.signal
      if (signal?.aborted) return Promise.reject(new RpcAbortError(method, this.#label, signal.reason))
    }
    let encoded: Encoded
    try {
      encoded = encodeValue(args, this.#maxPayload, 'arguments')
    } catch (error) {
      return Promise.reject(this.#toSendError('arguments', method, error))
    }
    const id = ++this.#lastId
    return new Promise((resolve, reject) => {
      const call = new PendingCall(id, method, resolve, reject, timeout, performance.now() + timeout)
      this.#pending.add(call)
      if (signal !== undefined) {
        call.signal = signal
        call.onAbort = () => this.#abort(call)
        signal.addEventListener('abort', call.onAbort, { once: true })
      }
      this.#enqueue(encoded.s === undefined ? ['q', id, method, encoded.v] : ['q', id, method, encoded.v, encoded.s], encoded.size)
    })
  }

  notify(method: string, args: readonly unknown[]): void {
    if (this.#closeError) throw this.#closeError
    if (typeof method !== 'string') throw new TypeError(`Expected the method name to be a string, got \`${String(method)}\``)
    let encoded: Encoded
    try {
      encoded = encodeValue(args, this.#maxPayload, 'arguments')
    } catch (error) {
      throw this.#toSendError('arguments', method, error)
    }
    this.#enqueue(encoded.s === undefined ? ['n', method, encoded.v] : ['n', method, encoded.v, encoded.s], encoded.size)
  }

  emit(event: string, payload: unknown): void {
    if (this.#closeError) throw this.#closeError
    if (typeof event !== 'string') throw new TypeError(`Expected the event name to be a string, got \`${String(event)}\``)
    let encoded: Encoded
    try {
      encoded = encodeValue(payload, this.#maxPayload, 'payload')
    } catch (error) {
      throw this.#toSendError('event', event, error)
    }
    this.#enqueue(withValue(['e', event], encoded), encoded.size)
  }

  #toSendError(kind: PayloadKind, method: string, error: unknown): Error {
    if (error instanceof OversizeValue) return new PayloadTooLargeError(kind, method, this.#label, error.size, this.#maxPayload)
    if (error instanceof UnencodableValue) {
      return new EncodeError(kind, method, this.#label, error.reason, error.detail === undefined ? undefined : { cause: error.detail })
    }
    return error instanceof Error ? error : new Error(String(error))
  }

  #abort(call: PendingCall): void {
    if (this.#pending.take(call.id) === undefined) return
    const reason = call.signal?.reason
    call.release()
    this.#enqueue(['c', call.id], 16)
    call.reject(new RpcAbortError(call.method, this.#label, reason))
    this.#checkIdle()
  }

  #expire(call: PendingCall): void {
    call.release()
    if (!this.#closeError) this.#enqueue(['c', call.id], 16)
    call.reject(new RpcTimeoutError(call.method, this.#label, call.timeout))
    this.#checkIdle()
  }

  #enqueue(frame: Frame, size: number): void {
    if (!this.#isFlushScheduled) {
      // The first frame of a tick goes out at once, so one-at-a-time calls wait for nothing; the
      // frames that follow in the same tick are coalesced into one packet at its end.
      this.#isFlushScheduled = true
      queueMicrotask(this.#flush)
      this.#sendFrames([frame])
      return
    }
    this.#queue.push(frame)
    this.#queueBytes += size
    if (this.#queueBytes >= MAX_PACKET_BYTES) this.#sendQueued()
  }

  readonly #flush = (): void => {
    this.#isFlushScheduled = false
    this.#sendQueued()
  }

  /** Sends every frame queued in this tick as one packet: one `process.send` instead of many. */
  #sendQueued(): void {
    const frames = this.#queue
    if (frames.length === 0) return
    this.#queue = []
    this.#queueBytes = 0
    this.#sendFrames(frames)
  }

  #sendFrames(frames: Frame[]): void {
    if (this.#closeError) return
    try {
      this.#send(createPacket(frames))
    } catch (error) {
      // The transport refused the packet (e.g. the channel closed): the calls in it cannot be
      // answered, so fail them now rather than at their deadline.
      for (const frame of frames) {
        if (frame[0] !== 'q') continue
        const call = this.#pending.take(frame[1])
        if (call === undefined) continue
        call.release()
        call.reject(error)
      }
      this.#checkIdle()
    }
  }

  // --- Incoming -----------------------------------------------------------------------------------

  receive(message: unknown): boolean {
    if (typeof message !== 'object' || message === null) return false
    const version = (message as Record<string, unknown>)[PROTOCOL_TAG]
    if (version === undefined || !Object.hasOwn(message, PROTOCOL_TAG)) return false
    if (this.#closeError) return true
    if (version !== PROTOCOL_VERSION) {
      this.#reportMalformed(`protocol version ${JSON.stringify(version)} where ${PROTOCOL_VERSION} was expected`)
      return true
    }
    const frames = (message as Record<string, unknown>)['f']
    if (!Array.isArray(frames)) {
      this.#reportMalformed('the packet has no frame list')
      return true
    }
    for (const frame of frames as unknown[]) {
      const problem = checkFrame(frame)
      if (problem !== undefined) this.#reportMalformed(problem)
      else this.#handleFrame(frame as Frame)
      if (this.#closeError) break
    }
    return true
  }

  #reportMalformed(reason: string, cause?: unknown): void {
    const error = new ProtocolError(messages.malformedMessage(this.#label, reason), cause === undefined ? undefined : { cause })
    try {
      this.#onProtocolError(error)
    } catch (callbackError) {
      queueMicrotask(() => {
        throw callbackError
      })
    }
  }

  #handleFrame(frame: Frame): void {
    switch (frame[0]) {
      case 'q':
        this.#handleRequest(frame)
        return
      case 'r':
      case 'x': {
        const call = this.#pending.take(frame[1])
        // No call: a late reply to a call that timed out or was aborted.
        if (call === undefined) return
        call.release()
        let value: unknown
        try {
          value = decodeValue(frame[2], frame[3])
        } catch (error) {
          const problem = messages.malformedMessage(this.#label, `the reply to ${call.method}() could not be decoded`)
          call.reject(new ProtocolError(problem, { cause: error }))
          this.#reportMalformed(`the reply to ${call.method}() could not be decoded`, error)
          this.#checkIdle()
          return
        }
        if (frame[0] === 'r') call.resolve(value)
        else call.reject(deserializeError(value, this.#registry))
        this.#checkIdle()
        return
      }
      case 'c': {
        const id = frame[1]
        const context = this.#running.get(id)
        if (context !== undefined) {
          this.#running.delete(id)
          context[kCancel](new RpcAbortError(context[kMethod], this.#label, undefined, 'callee'))
          this.#checkIdle()
          return
        }
        if (this.#held !== undefined) {
          const index = this.#held.findIndex((held) => held[1] === id)
          if (index !== -1) {
            this.#held.splice(index, 1)
            this.#heldSince.splice(index, 1)
          }
          this.#checkIdle()
        }
        return
      }
      case 'n':
        this.#handleNotify(frame[1], frame[2], frame[3])
        return
      case 'e': {
        let payload: unknown
        try {
          payload = decodeValue(frame[2], frame[3])
        } catch (error) {
          this.#reportMalformed(`the payload of event ${JSON.stringify(frame[1])} could not be decoded`, error)
          return
        }
        try {
          this.#onEvent?.(frame[1], payload)
        } catch (error) {
          this.#onNotifyError(new Error(`An onEvent listener threw for event ${JSON.stringify(frame[1])}`, { cause: error }), frame[1])
        }
        return
      }
    }
  }

  #lookup(method: string): { handler: Handler; Context: ContextClass } | undefined {
    if (method.startsWith('$')) {
      const handler = getOwnFunction(this.#internal, method)
      return handler && { handler, Context: this.#InternalContext }
    }
    const handler = getOwnFunction(this.#handlers, method)
    return handler && this.#Context && { handler, Context: this.#Context }
  }

  #knownMethods(): string[] {
    const handlers = this.#handlers ?? {}
    return Object.keys(handlers).filter((key) => !key.startsWith('$') && getOwnFunction(handlers, key) !== undefined)
  }

  #handleRequest(frame: RequestFrame): void {
    const id = frame[1]
    const method = frame[2]
    if (this.#held !== undefined && !method.startsWith('$')) {
      this.#held.push(frame)
      this.#heldSince.push(performance.now())
      if (this.#holdTimer === undefined) this.#armHoldTimer()
      return
    }
    const found = this.#lookup(method)
    if (found === undefined) {
      this.#replyError(id, method, new UnknownMethodError(method, this.#knownMethods()))
      return
    }
    let args: unknown
    try {
      args = decodeValue(frame[3], frame[4])
      if (!Array.isArray(args)) throw new TypeError('the arguments are not an array')
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error)
      this.#replyError(id, method, new ProtocolError(messages.undecodableRequestMessage(method, detail), { cause: error }))
      this.#reportMalformed(`the arguments of ${method}() could not be decoded`, error)
      return
    }
    const context = new found.Context(method)
    let result: unknown
    try {
      result = found.handler.apply(context, args)
    } catch (error) {
      this.#replyError(id, method, error)
      return
    }
    if (!isThenable(result)) {
      this.#replyValue(id, method, result)
      return
    }
    this.#running.set(id, context)
    // Promise.resolve: a thenable whose then() throws becomes a rejection, not a crash here.
    Promise.resolve(result).then(
      (value) => {
        if (context[kCancelled]) return
        this.#running.delete(id)
        this.#replyValue(id, method, value)
        this.#checkIdle()
      },
      (error: unknown) => {
        if (context[kCancelled]) return
        this.#running.delete(id)
        this.#replyError(id, method, error)
        this.#checkIdle()
      },
    )
  }

  #handleNotify(method: string, encodedArgs: unknown, meta: unknown): void {
    const fail = (error: Error): void => {
      try {
        this.#onNotifyError(error, method)
      } catch (callbackError) {
        queueMicrotask(() => {
          throw callbackError
        })
      }
    }
    const found = this.#lookup(method)
    // A built-in notification this side does not know comes from another xcluster version: harmless.
    if (found === undefined && method.startsWith('$')) return
    if (found === undefined) {
      fail(new UnknownMethodError(method, this.#knownMethods()))
      return
    }
    let args: unknown
    try {
      args = decodeValue(encodedArgs, meta)
      if (!Array.isArray(args)) throw new TypeError('the arguments are not an array')
    } catch (error) {
      this.#reportMalformed(`the arguments of notification ${method}() could not be decoded`, error)
      return
    }
    const failed = (error: unknown): void =>
      fail(new RemoteError(messages.notificationFailedMessage(method, this.#label), { cause: error }))
    try {
      const result = found.handler.apply(new found.Context(method), args)
      if (isThenable(result)) result.then(undefined, failed)
    } catch (error) {
      failed(error)
    }
  }

  #replyValue(id: CallId, method: string, value: unknown): void {
    if (this.#closeError) return
    let encoded: Encoded
    try {
      encoded = encodeValue(value, this.#maxPayload, 'result')
    } catch (error) {
      this.#replyError(id, method, this.#toSendError('result', method, error))
      return
    }
    this.#enqueue(withValue(['r', id], encoded), encoded.size)
  }

  #replyError(id: CallId, method: string, thrown: unknown): void {
    if (this.#closeError) return
    const error =
      thrown instanceof Error
        ? thrown
        : Object.assign(new RemoteError(messages.nonErrorThrownMessage(method, describeThrown(thrown))), { value: thrown })
    let encoded: Encoded
    try {
      encoded = encodeValue(serializeError(error), this.#maxPayload, 'error')
    } catch {
      // A field that cannot travel (a function, a socket…) or a huge one: send the error without
      // its own fields rather than no answer at all.
      try {
        encoded = encodeValue(serializeError(error, false), this.#maxPayload, 'error')
      } catch (retryError) {
        encoded = encodeValue(serializeError(this.#toSendError('result', method, retryError), false), this.#maxPayload, 'error')
      }
    }
    this.#enqueue(withValue(['x', id], encoded) as unknown as ErrorFrame, encoded.size)
  }

  /** Arms the timer for the oldest held request; answers those held too long. */
  #armHoldTimer(): void {
    const oldest = this.#heldSince[0]
    if (oldest === undefined) return
    const delay = Math.max(0, Math.ceil(oldest + this.#holdTimeout - performance.now()))
    this.#holdTimer = setTimeout(() => {
      this.#holdTimer = undefined
      const held = this.#held
      if (held === undefined) return
      const now = performance.now()
      while (this.#heldSince[0] !== undefined && this.#heldSince[0] + this.#holdTimeout <= now) {
        this.#heldSince.shift()
        const [, id, method] = held.shift()!
        this.#replyError(id, method, new UnknownMethodError(method, [], messages.notServingMessage(method, this.#holdTimeout)))
      }
      this.#armHoldTimer()
      this.#checkIdle()
    }, delay)
    this.#holdTimer.unref()
  }

  setHandlers(handlers: object): void {
    if (typeof handlers !== 'object' || handlers === null) {
      throw new TypeError(`Expected \`handlers\` to be an object, got \`${String(handlers)}\``)
    }
    if (this.#handlers !== undefined) throw new TypeError('The handlers of this RPC peer are already set; set them once.')
    this.#handlers = handlers
    this.#Context = createContextClass(handlers)
    const held = this.#held
    this.#held = undefined
    this.#heldSince = []
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer)
    this.#holdTimer = undefined
    if (held !== undefined) for (const frame of held) this.#handleRequest(frame)
    this.#checkIdle()
  }

  // --- Lifecycle ----------------------------------------------------------------------------------

  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #isIdle(): boolean {
    return this.#pending.size === 0 && this.#running.size === 0 && (this.#held === undefined || this.#held.length === 0)
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  close(error: Error): void {
    if (this.#closeError) return
    this.#closeError = error
    this.#queue = []
    this.#queueBytes = 0
    for (const call of this.#pending.takeAll()) {
      call.release()
      call.reject(error)
    }
    for (const context of this.#running.values()) context[kCancel](error)
    this.#running.clear()
    if (this.#held !== undefined) this.#held = []
    this.#heldSince = []
    if (this.#holdTimer !== undefined) clearTimeout(this.#holdTimer)
    this.#holdTimer = undefined
    this.#checkIdle()
  }
}

/** Appends an encoded value's slots to a frame, leaving out what decodes as undefined anyway. */
function withValue<F extends unknown[]>(head: F, encoded: Encoded): F {
  if (encoded.s !== undefined) head.push(encoded.v, encoded.s)
  else if (encoded.v !== undefined) head.push(encoded.v)
  return head
}

function describeThrown(value: unknown): string {
  try {
    const text = typeof value === 'string' ? JSON.stringify(value) : String(value)
    return text.length > 200 ? `${text.slice(0, 200)}…` : text
  } catch {
    return Object.prototype.toString.call(value)
  }
}
