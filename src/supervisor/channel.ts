import type { RpcPeer } from '../rpc/peer.js'
import { RpcAbortError } from '../rpc/errors.js'
import { WorkerDrainingError } from './errors.js'
import type { XclusterStartTiming } from './start-timing.js'
import { type ArmedWait, armWait } from './wait.js'

/** Per-call options the master accepts on every proxy. */
export interface CallOptions {
  timeout?: number
  signal?: AbortSignal
  /** For a call answered with a stream: its window (rpc/peer-options.ts). */
  window?: number
  windowBytes?: number
}

/**
 * Where a worker stands for calls: `starting` holds them until it listens, `accepting` sends
 * them, `draining` refuses new ones while in-flight ones finish, `closed` rejects with the
 * reason it closed (a `WorkerExitedError` once the process is gone).
 */
export type ChannelState = 'starting' | 'accepting' | 'draining' | 'closed'

interface HeldCall {
  method: string
  args: unknown[]
  signal: AbortSignal | undefined
  window: number | undefined
  windowBytes: number | undefined
  wait: ArmedWait
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** The master's end of one worker's RPC channel, gated by the worker's lifecycle. */
export class WorkerChannel {
  readonly workerId: number
  readonly pid: number
  readonly slotId: string
  readonly peer: RpcPeer
  readonly #kill: () => void
  readonly #defaultTimeout: number
  readonly #label: string
  #state: ChannelState = 'starting'
  #held = new Set<HeldCall>()
  #closeReason: Error | undefined
  #onAccept: () => void
  readonly #beforeDrain: () => Promise<void>
  #isAttached = false
  /** When the master called `fork()` for this worker, in ms since the epoch (sub-ms precision). */
  readonly forkedAt: number
  /** The phases of the worker's start, once its first server listened and it said so. */
  startTiming: XclusterStartTiming | undefined

  constructor(init: {
    workerId: number
    pid: number
    slotId: string
    forkedAt: number
    peer: RpcPeer
    defaultTimeout: number
    onAccept(): void
    /** Work to move off the worker before it counts as drained (its actors). */
    beforeDrain?(): Promise<void>
    kill(): void
  }) {
    this.#kill = init.kill
    this.workerId = init.workerId
    this.pid = init.pid
    this.slotId = init.slotId
    this.forkedAt = init.forkedAt
    this.peer = init.peer
    this.#defaultTimeout = init.defaultTimeout
    this.#label = `worker ${init.workerId} (pid ${init.pid})`
    this.#onAccept = init.onAccept
    this.#beforeDrain = init.beforeDrain ?? (() => Promise.resolve())
  }

  get state(): ChannelState {
    return this.#state
  }

  /**
   * Whether the worker runs xcluster's worker side (`serve()`/`ready()`): a plain worker that never
   * loads it cannot answer heartbeats and must not be taken for hung.
   */
  get isAttached(): boolean {
    return this.#isAttached
  }

  markAttached(): void {
    this.#isAttached = true
  }

  /** A heartbeat is on the wire: the peer counts it, the user's figures must not. */
  isHeartbeatPending = false

  /** The user's calls sent and not settled, plus those held until the worker listens. */
  get inFlight(): number {
    return this.peer.inFlight - (this.isHeartbeatPending ? 1 : 0) + this.#held.size
  }

  call(method: string, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    switch (this.#state) {
      case 'accepting':
        return this.peer.call(method, args, options)
      case 'starting':
        return this.#hold(method, args, options)
      case 'draining':
        return Promise.reject(new WorkerDrainingError({ workerId: this.workerId, method }))
      case 'closed':
        return Promise.reject(this.#closeReason)
    }
  }

  /** The worker listens: send what was held, each with the time its deadline has left. */
  accept(): void {
    if (this.#state !== 'starting') return
    this.#state = 'accepting'
    for (const held of this.#held) {
      held.wait.release()
      this.peer
        .call(held.method, held.args, {
          timeout: held.wait.timeLeft(),
          signal: held.signal,
          window: held.window,
          windowBytes: held.windowBytes,
        })
        .then(held.resolve, held.reject)
    }
    this.#held.clear()
    this.#onAccept()
  }

  /**
   * Refuse new calls; move its actors off it; resolve once every call in flight, in either
   * direction, has settled.
   */
  drain(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve()
    this.#state = 'draining'
    this.#rejectHeld((held) => new WorkerDrainingError({ workerId: this.workerId, method: held.method }))
    // The actors' hand-back is a call of its own, so onIdle() afterwards also waits for it.
    return this.#beforeDrain().then(
      () => this.peer.onIdle(),
      () => this.peer.onIdle(),
    )
  }

  /** SIGKILL the process: the last resort when the machine that owns it is gone. */
  kill(): void {
    this.#kill()
  }

  /** Reject everything pending with `reason` at once; later calls reject with it too. */
  close(reason: Error): void {
    if (this.#state === 'closed') return
    this.#state = 'closed'
    this.#closeReason = reason
    this.#rejectHeld(() => reason)
    this.peer.close(reason)
  }

  #hold(method: string, args: unknown[], options: CallOptions): Promise<unknown> {
    const { signal } = options
    if (signal?.aborted) return Promise.reject(new RpcAbortError(method, this.#label, signal.reason))
    const timeout = options.timeout ?? this.#defaultTimeout
    return new Promise((resolve, reject) => {
      const wait = armWait({ method, callee: this.#label, timeout, signal }, (error) => {
        this.#held.delete(held)
        reject(error)
      })
      const held: HeldCall = { method, args, signal, window: options.window, windowBytes: options.windowBytes, wait, resolve, reject }
      this.#held.add(held)
    })
  }

  #rejectHeld(reasonFor: (held: HeldCall) => Error): void {
    for (const held of this.#held) {
      held.wait.release()
      held.reject(reasonFor(held))
    }
    this.#held.clear()
  }
}
