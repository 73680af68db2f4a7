/**
 * Typed proxies over an invoke function: `proxy.add(1, 2)` becomes `invoke('add', [1, 2])`.
 * The master runtime reuses them for `cluster.worker(id).call`, `cluster.any` and `cluster.all`.
 */
import type { CallOptions, CallProxy } from './contract.js'
import { withStreamIteration } from './stream-call.js'

/** What a call proxy calls for each method call. */
export type Invoke = (method: string, args: unknown[], options: CallOptions | undefined) => Promise<unknown>

function checkCallOptions(options: unknown): asserts options is CallOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected $with() options to be an object like { timeout, signal }, got \`${String(options)}\``)
  }
  const { signal } = options as CallOptions
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`Expected \`signal\` to be an AbortSignal, got \`${String(signal)}\``)
  }
}

/**
 * Creates a call proxy. Any string property is a method except `then` (so a proxy is never
 * mistaken for a promise) and `$`-prefixed names (`$with` is the only one defined).
 *
 * @example
 * ```ts
 * const call = createCallProxy<WorkerApi<typeof api>>((method, args, options) => peer.call(method, args, options))
 * await call.add(1, 2) // 3
 * await call.$with({ timeout: 100 }).add(1, 2)
 * ```
 */
export function createCallProxy<Api extends object>(invoke: Invoke, options?: CallOptions): CallProxy<Api> {
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>()
  const $with = (extra: CallOptions): CallProxy<Api> => {
    checkCallOptions(extra)
    return createCallProxy<Api>(invoke, { ...options, ...extra })
  }
  return new Proxy(Object.create(null) as CallProxy<Api>, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined
      if (key.startsWith('$')) return key === '$with' ? $with : undefined
      let method = methods.get(key)
      if (method === undefined) {
        // A call's promise is also async iterable, for methods that answer with a stream.
        method = (...args: unknown[]) => withStreamIteration(invoke(key, args, options), key)
        methods.set(key, method)
      }
      return method
    },
    set() {
      return false
    },
  })
}

/** Creates a notification proxy: `proxy.log('x')` becomes `notify('log', ['x'])`. */
export function createNotifyProxy<Api extends object>(notify: (method: string, args: unknown[]) => void): Api {
  const methods = new Map<string, (...args: unknown[]) => void>()
  return new Proxy(Object.create(null) as Api, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then' || key.startsWith('$')) return undefined
      let method = methods.get(key)
      if (method === undefined) {
        method = (...args: unknown[]) => notify(key, args)
        methods.set(key, method)
      }
      return method
    },
    set() {
      return false
    },
  })
}
