/**
 * What a handler runs with as `this`: one context per request, whose prototype is the handlers
 * object (so `this.otherHandler()` works) and whose `signal` aborts when the caller gives up.
 */
import type { RpcCallContext } from './peer-options.js'

export const kCancel = Symbol('cancel')
export const kCancelled = Symbol('cancelled')
export const kMethod = Symbol('method')

/** A request being handled; its instances are the handlers' `this`. */
export interface Context extends RpcCallContext {
  [kCancelled]: boolean
  [kMethod]: string
  [kCancel](reason: unknown): void
}
export type ContextClass = new (method: string) => Context

/** A context class whose prototype chain ends in the handlers, so `this.otherHandler()` works. */
export function createContextClass(handlers: object): ContextClass {
  class CallContext {
    #controller: AbortController | undefined = undefined
    #reason: unknown = undefined;
    [kCancelled] = false;
    [kMethod]: string

    constructor(method: string) {
      this[kMethod] = method
    }

    // Created on first use: most handlers never look at it.
    get signal(): AbortSignal {
      this.#controller ??= new AbortController()
      if (this[kCancelled] && !this.#controller.signal.aborted) this.#controller.abort(this.#reason)
      return this.#controller.signal
    }

    [kCancel](reason: unknown): void {
      this[kCancelled] = true
      this.#reason = reason
      this.#controller?.abort(reason)
    }
  }
  Object.setPrototypeOf(CallContext.prototype, handlers)
  return CallContext
}
