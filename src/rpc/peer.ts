/**
 * One end of an RPC link. Transport-independent: it is given a `send` function and fed every
 * incoming message with `receive()`; it knows nothing of cluster or processes.
 *
 * This file is the facade: `createRpcPeer` checks the options, and `Peer` composes the parts,
 * checks each incoming packet and routes its frames, closes them all at once, and tells when
 * nothing is in flight. The parts: the outbox (outbox.ts) sends frames, coalesced per tick; the
 * client (client.ts) makes calls and settles them; the server (server.ts) answers requests;
 * notifications.ts delivers one-way messages; peer-state.ts holds what they share.
 */
import { Client } from './client.js'
import { describeUntrusted } from './describe-untrusted.js'
import { ProtocolError } from './errors.js'
import { MAX_RECEIVED_DEPTH, measureFrame, TOO_DEEP } from './measure-received.js'
import * as messages from './messages.js'
import { HandlerTable } from './handler-table.js'
import { handleEvent, handleNotification } from './notifications.js'
import { Outbox } from './outbox.js'
import type { PeerSettings, RpcCallOptions, RpcPeer, RpcPeerOptions, RpcPendingCallInfo } from './peer-options.js'
import { checkPeerSettings, PeerState } from './peer-state.js'
import { checkFrame, PROTOCOL_TAG, PROTOCOL_VERSION, type Frame } from './protocol.js'
import { Server } from './server.js'
import { describeThrown } from './reply.js'

// Problems of one packet reported one by one; past this they are counted in one last report, so
// a packet of a million bad frames cannot flood `onProtocolError`.
const MAX_REPORTS_PER_PACKET = 8

export { DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_PAYLOAD, DEFAULT_TIMEOUT } from './peer-options.js'
export type { RpcCallObserver } from './call-observer.js'
export type { RpcCallContext, RpcCallOptions, RpcPeer, RpcPeerOptions, RpcPendingCallInfo, UploadWindow } from './peer-options.js'

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
  checkPeerSettings(options)
  if (options.handlers !== undefined && (typeof options.handlers !== 'object' || options.handlers === null)) {
    throw new TypeError(`Expected \`handlers\` to be an object, got \`${String(options.handlers)}\``)
  }
  return new Peer(options)
}

class Peer implements RpcPeer {
  readonly #state: PeerState
  readonly #outbox: Outbox
  readonly #client: Client
  readonly #server: Server
  /** Serves notifications as well as the server's requests. */
  readonly #table: HandlerTable
  readonly #onEvent: ((name: string, payload: unknown) => void) | undefined
  #idleWaiters: (() => void)[] = []

  constructor(options: RpcPeerOptions) {
    const onSettled = (): void => this.#checkIdle()
    this.#table = new HandlerTable(options.internal)
    this.#state = new PeerState(options)
    this.#onEvent = options.onEvent
    this.#outbox = new Outbox(options.send, (frames, error) => this.#client.failRefused(frames, error))
    this.#client = new Client(this.#state, this.#outbox, onSettled)
    this.#server = new Server(this.#state, this.#outbox, this.#table, options, onSettled)
    if (options.handlers !== undefined) this.setHandlers(options.handlers)
  }

  configure(options: PeerSettings): void {
    this.#state.configure(options)
  }

  reportMalformed(reason: string): void {
    this.#state.reportMalformed(reason)
  }

  get inFlight(): number {
    return this.#client.size
  }

  get handling(): number {
    return this.#server.handling
  }

  pendingCalls(): RpcPendingCallInfo[] {
    return this.#client.list()
  }

  get closeReason(): Error | undefined {
    return this.#state.closeError
  }

  call(method: string, args: readonly unknown[], options?: RpcCallOptions): Promise<unknown> {
    return this.#client.call(method, args, options)
  }

  notify(method: string, args: readonly unknown[]): void {
    this.#client.notify(method, args)
  }

  emit(event: string, payload: unknown): void {
    this.#client.emit(event, payload)
  }

  setHandlers(handlers: object): void {
    this.#server.setHandlers(handlers)
  }

  receive(message: unknown): boolean {
    if (typeof message !== 'object' || message === null) return false
    const state = this.#state
    try {
      const version = (message as Record<string, unknown>)[PROTOCOL_TAG]
      if (version === undefined || !Object.hasOwn(message, PROTOCOL_TAG)) return false
      if (state.closeError) return true
      if (version !== PROTOCOL_VERSION) {
        state.reportVersionMismatch(describeUntrusted(version), PROTOCOL_VERSION)
        return true
      }
      const frames = (message as Record<string, unknown>).f
      if (!Array.isArray(frames)) {
        state.reportMalformed('the packet has no frame list')
        return true
      }
      this.#receiveFrames(frames)
    } catch (error) {
      // Whatever the other side sent, it is reported for that side, never thrown into the
      // caller's event loop (the master's, for a worker's message).
      state.reportMalformed(messages.handlingFailedReason(describeThrown(error)), error)
    }
    return true
  }

  /**
   * Checks and handles each frame on its own: one that is malformed, too large or whose handling
   * fails is reported, and the frames after it are still handled. Only the first
   * `MAX_REPORTS_PER_PACKET` problems of a packet are reported one by one. The outbox holds what
   * they send until the last is handled, so the answers to a packet leave together.
   */
  #receiveFrames(frames: unknown[]): void {
    if (frames.length < 2) {
      this.#receiveEach(frames)
      return
    }
    this.#outbox.hold()
    try {
      this.#receiveEach(frames)
    } finally {
      this.#outbox.release()
    }
  }

  #receiveEach(frames: unknown[]): void {
    const state = this.#state
    let problems = 0
    for (const frame of frames) {
      let problem: string | undefined
      let cause: unknown
      try {
        problem = checkFrame(frame)
        if (problem === undefined && this.#isWithinBounds(frame as Frame)) this.#handleFrame(frame as Frame)
      } catch (error) {
        problem = messages.handlingFailedReason(describeThrown(error))
        cause = error
      }
      if (problem !== undefined && ++problems <= MAX_REPORTS_PER_PACKET) state.reportMalformed(problem, cause)
      if (state.closeError) break
    }
    if (problems > MAX_REPORTS_PER_PACKET) state.reportMalformed(messages.moreMalformedReason(problems - MAX_REPORTS_PER_PACKET))
  }

  /**
   * Measures a frame's payload against this side's `maxPayload` and depth bound before anything
   * walks it; one out of bounds is refused and reported, and its request answered or call rejected.
   */
  #isWithinBounds(frame: Frame): boolean {
    const limit = this.#state.maxPayload
    const size = measureFrame(frame, limit)
    if (size !== TOO_DEEP && size <= limit) return true
    const label = this.#state.label
    const what =
      frame[0] === 'r' || frame[0] === 'x'
        ? this.#client.describeReply(frame[1])
        : frame[0] === 'i'
          ? this.#client.describeItems(frame[1])
          : frame[0] === 'u' || frame[0] === 'd'
            ? this.#server.describeUpload(frame[1])
            : messages.describeReceived(frame)
    const error = new ProtocolError(
      size === TOO_DEEP
        ? messages.payloadTooDeepReceivedMessage(what, label, MAX_RECEIVED_DEPTH)
        : messages.payloadTooLargeReceivedMessage(what, label, size, limit),
    )
    this.#state.reportProtocolError(error)
    if (frame[0] === 'q') this.#server.refuse(frame, error)
    else if (frame[0] === 'r' || frame[0] === 'x' || frame[0] === 'i') this.#client.fail(frame[1], error)
    else if (frame[0] === 'u' || frame[0] === 'd') this.#server.failUpload(frame[1], error)
    return false
  }

  #handleFrame(frame: Frame): void {
    switch (frame[0]) {
      case 'q':
        this.#server.handleRequest(frame)
        return
      case 'r':
      case 'x':
        this.#client.settle(frame)
        return
      case 'c':
        this.#server.cancel(frame[1])
        return
      case 'n':
        handleNotification(this.#state, this.#table, frame)
        return
      case 'e':
        handleEvent(this.#state, this.#onEvent, frame)
        return
      case 's':
        this.#client.openStream(frame[1])
        return
      case 'i':
        this.#client.receiveItems(frame)
        return
      case 'g':
        this.#server.credit(frame[1], frame[2], frame[3])
        return
      case 'u':
        this.#server.receiveUpload(frame)
        return
      case 'd':
        this.#server.endUpload(frame)
        return
      case 'a':
        this.#client.creditUpload(frame[1], frame[2], frame[3])
        return
      case 'h':
        this.#client.haltUpload(frame[1])
        return
    }
  }

  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #isIdle(): boolean {
    return this.#client.size === 0 && this.#server.isIdle
  }

  #checkIdle(): void {
    if (this.#idleWaiters.length === 0 || !this.#isIdle()) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }

  close(error: Error): void {
    if (this.#state.closeError) return
    this.#state.closeError = error
    this.#outbox.close()
    this.#client.close(error)
    this.#server.close(error)
    this.#checkIdle()
  }
}
