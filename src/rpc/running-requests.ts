/**
 * The requests a server is running (its handler's promise or stream not done yet), by id, and
 * how many of them are built-ins (`$` methods). `maxConcurrentRequests` bounds the two apart:
 * a peer at its limit of user requests still answers a heartbeat, and a flood of built-in calls
 * that wait (an actor's `sendAndWait` through the master) is bounded too.
 */
import { type Context, kMethod } from './call-context.js'
import { type CallId, isBuiltIn } from './protocol.js'

export class RunningRequests {
  readonly #contexts = new Map<CallId, Context>()
  #builtIns = 0

  /** Every running request. */
  get size(): number {
    return this.#contexts.size
  }

  /** The running requests of built-in (`$`) methods. */
  get builtIns(): number {
    return this.#builtIns
  }

  get(id: CallId): Context | undefined {
    return this.#contexts.get(id)
  }

  set(id: CallId, context: Context): void {
    this.#contexts.set(id, context)
    if (isBuiltIn(context[kMethod])) this.#builtIns++
  }

  delete(id: CallId): void {
    const context = this.#contexts.get(id)
    if (context === undefined) return
    this.#contexts.delete(id)
    if (isBuiltIn(context[kMethod])) this.#builtIns--
  }

  values(): IterableIterator<Context> {
    return this.#contexts.values()
  }

  clear(): void {
    this.#contexts.clear()
    this.#builtIns = 0
  }
}
