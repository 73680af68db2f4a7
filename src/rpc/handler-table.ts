/**
 * The methods one peer serves, and the context class each runs with (call-context.ts). Two
 * tables: the user's handlers, set once, and the built-ins in `internal`, reachable only under
 * `$` names so no user method can shadow them and no request can reach a user's `$` property.
 * Only own function properties count: `__proto__`, `constructor` and inherited names never resolve.
 */
import { createContextClass, type ContextClass } from './call-context.js'
import { isBuiltIn } from './protocol.js'

export type Handler = (this: unknown, ...args: unknown[]) => unknown

/** A method found: the function to run, and the class of its `this`. */
export interface FoundMethod {
  handler: Handler
  Context: ContextClass
}

export class HandlerTable {
  readonly #internal: object | undefined
  readonly #InternalContext: ContextClass
  #handlers: object | undefined = undefined
  #Context: ContextClass | undefined = undefined

  constructor(internal: object | undefined) {
    this.#internal = internal
    this.#InternalContext = createContextClass(internal ?? {})
  }

  /** Sets the user's handlers; throws when they are not an object or were already set. */
  set(handlers: object): void {
    if (typeof handlers !== 'object' || handlers === null) {
      throw new TypeError(`Expected \`handlers\` to be an object, got \`${String(handlers)}\``)
    }
    if (this.#handlers !== undefined) throw new TypeError('The handlers of this RPC peer are already set; set them once.')
    this.#handlers = handlers
    this.#Context = createContextClass(handlers)
  }

  /** The method serving `method`, or `undefined` when none does (or no handlers are set yet). */
  lookup(method: string): FoundMethod | undefined {
    if (isBuiltIn(method)) {
      const handler = getOwnFunction(this.#internal, method)
      return handler && { handler, Context: this.#InternalContext }
    }
    const handler = getOwnFunction(this.#handlers, method)
    return handler && this.#Context && { handler, Context: this.#Context }
  }

  /** The user's method names, for "unknown method" messages. */
  knownMethods(): string[] {
    const handlers = this.#handlers ?? {}
    return Object.keys(handlers).filter((key) => !isBuiltIn(key) && getOwnFunction(handlers, key) !== undefined)
  }
}

const getOwnFunction = (source: object | undefined, name: string): Handler | undefined => {
  if (source === undefined || !Object.hasOwn(source, name)) return undefined
  const value = (source as Record<string, unknown>)[name]
  return typeof value === 'function' ? (value as Handler) : undefined
}

/** Whether a handler returned a promise (or any thenable) to wait for. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
