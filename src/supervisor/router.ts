import { RpcAbortError } from '../rpc/errors.js'
import { NoWorkerError } from './errors.js'
import type { CallOptions, WorkerChannel } from './channel.js'
import { armWait } from './wait.js'
import { uploadToAllMessage } from './messages.js'
import { isAsyncIterable } from '../rpc/stream-producer.js'

/** One worker's outcome in a `cluster.all` call, shaped like `Promise.allSettled`'s entries. */
export type SettledCall<T = unknown> =
  | { workerId: number; status: 'fulfilled'; value: T }
  | { workerId: number; status: 'rejected'; reason: unknown }

// How errors name the callee of a call that has not picked its worker yet.
const ANY_WORKER = 'any worker (none was listening yet)'

interface Waiter {
  take(channel: WorkerChannel): void
  fail(): void
}

/**
 * Routes master → worker calls. `any` picks the accepting worker with the fewest calls in
 * flight, round robin among equals; when none accepts yet it waits (bounded by the call's
 * deadline) instead of failing, because workers are usually just starting or restarting.
 */
export class CallRouter {
  readonly #channels = new Map<number, WorkerChannel>()
  readonly #waiters = new Set<Waiter>()
  readonly #defaultTimeout: number
  #cursor = 0
  #closedReason: Error | undefined

  constructor(defaultTimeout: number) {
    this.#defaultTimeout = defaultTimeout
  }

  add(channel: WorkerChannel): void {
    this.#channels.set(channel.workerId, channel)
  }

  remove(workerId: number): void {
    this.#channels.delete(workerId)
  }

  get(workerId: number): WorkerChannel | undefined {
    return this.#channels.get(workerId)
  }

  channels(): IterableIterator<WorkerChannel> {
    return this.#channels.values()
  }

  /** A channel began accepting: hand it the calls that were waiting for any worker. */
  wake(): void {
    for (const waiter of this.#waiters) {
      const channel = this.#pick()
      if (!channel) return
      waiter.take(channel)
    }
  }

  /** No worker will accept again (stopped or failed): fail the waiting calls with `reason`. */
  close(reason: Error): void {
    this.#closedReason = reason
    for (const waiter of this.#waiters) waiter.fail()
  }

  /** Call one worker, whichever is least busy. */
  any(method: string, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    const channel = this.#pick()
    if (channel) return channel.call(method, args, options)
    if (this.#closedReason) return Promise.reject(new NoWorkerError({ method, ended: this.#closedReason }))
    return this.#wait(method, options).then((picked) => {
      return picked.channel.call(method, args, { ...options, timeout: picked.timeLeft })
    })
  }

  /** Call every worker that is starting or accepting; settles with each one's outcome. */
  all(method: string, args: unknown[], options: CallOptions = {}): Promise<SettledCall[]> {
    if (Array.isArray(args)) {
      const upload = args.findIndex(isAsyncIterable)
      if (upload !== -1) return Promise.reject(new TypeError(uploadToAllMessage(method, upload)))
    }
    const targets = [...this.#channels.values()].filter((c) => c.state === 'starting' || c.state === 'accepting')
    return Promise.all(
      targets.map((channel) =>
        channel.call(method, args, options).then(
          (value): SettledCall => ({ workerId: channel.workerId, status: 'fulfilled', value }),
          (reason: unknown): SettledCall => ({ workerId: channel.workerId, status: 'rejected', reason }),
        ),
      ),
    )
  }

  #pick(): WorkerChannel | undefined {
    const channels = [...this.#channels.values()]
    let best: WorkerChannel | undefined
    for (let i = 0; i < channels.length; i++) {
      const channel = channels[(this.#cursor + i) % channels.length]!
      if (channel.state !== 'accepting') continue
      if (!best || channel.inFlight < best.inFlight) best = channel
    }
    this.#cursor = (this.#cursor + 1) % Math.max(1, channels.length)
    return best
  }

  #wait(method: string, options: CallOptions): Promise<{ channel: WorkerChannel; timeLeft: number }> {
    const { signal } = options
    if (signal?.aborted) return Promise.reject(new RpcAbortError(method, ANY_WORKER, signal.reason))
    const timeout = options.timeout ?? this.#defaultTimeout
    return new Promise((resolve, reject) => {
      const wait = armWait({ method, callee: ANY_WORKER, timeout, signal }, (error) => {
        this.#waiters.delete(waiter)
        reject(error)
      })
      const settle = () => {
        wait.release()
        this.#waiters.delete(waiter)
      }
      const waiter: Waiter = {
        take(channel) {
          settle()
          resolve({ channel, timeLeft: wait.timeLeft() })
        },
        fail: () => {
          settle()
          reject(new NoWorkerError({ method, ended: this.#closedReason }))
        },
      }
      this.#waiters.add(waiter)
    })
  }
}
