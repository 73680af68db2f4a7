/**
 * Errors cross the wire as data and are rebuilt on the other side: registered classes (and
 * built-ins such as `TypeError`, and xcluster's own) as themselves, any other as a
 * `RemoteError` that carries the remote name, message, stack, cause and own enumerable fields.
 */
import { RemoteError, RPC_ERROR_CLASSES } from './errors.js'

/** A class whose instances can be rebuilt; its constructor is not called when rebuilding. */
export type ErrorClass = abstract new (...args: never[]) => Error

/** An error as data. The whole object is then encoded with the codec, so fields may be rich. */
export interface SerializedError {
  /** `error.name`. */
  n: string
  /** The constructor's name: what the registry is keyed by. */
  k: string
  /** `error.message`. */
  m: string
  /** `error.stack`, the remote one. */
  st?: string
  /** `error.cause`: `['e', SerializedError]` for an error, `['v', value]` for anything else. */
  c?: ['e', SerializedError] | ['v', unknown]
  /** Own enumerable fields other than name, message, stack and cause. */
  p?: Record<string, unknown>
}

// A cause chain longer than this is cut: its last link becomes the plain message.
const MAX_CAUSE_DEPTH = 8
const SKIPPED_FIELDS = new Set(['name', 'message', 'stack', 'cause', '__proto__'])

const BUILT_IN_ERRORS: readonly ErrorClass[] = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]

/**
 * Builds the class lookup of one peer: built-ins, the RPC errors, then `custom` (the layers above
 * pass their own errors and the user's).
 */
export function createErrorRegistry(custom: readonly ErrorClass[] = []): Map<string, ErrorClass> {
  const registry = new Map<string, ErrorClass>()
  for (const ErrorClass of [...BUILT_IN_ERRORS, ...RPC_ERROR_CLASSES, ...custom]) {
    registry.set(ErrorClass.name, ErrorClass)
  }
  return registry
}

/** Turns an error into data. `withFields: false` drops own fields (used when they cannot be encoded). */
export function serializeError(error: Error, withFields = true, depth = 0): SerializedError {
  const data: SerializedError = {
    n: String(error.name),
    k: typeof error.constructor === 'function' ? error.constructor.name : 'Error',
    m: String(error.message),
  }
  if (typeof error.stack === 'string') data.st = error.stack
  if ('cause' in error && depth < MAX_CAUSE_DEPTH) {
    data.c = error.cause instanceof Error ? ['e', serializeError(error.cause, withFields, depth + 1)] : ['v', error.cause]
  }
  if (withFields) {
    const fields: Record<string, unknown> = {}
    let any = false
    for (const key of Object.keys(error)) {
      if (SKIPPED_FIELDS.has(key)) continue
      fields[key] = (error as unknown as Record<string, unknown>)[key]
      any = true
    }
    if (any) data.p = fields
  }
  return data
}

const defineHidden = (target: object, key: string, value: unknown): void => {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false })
}

/**
 * Rebuilds an error from untrusted data. The registered class's constructor is not called
 * (constructors take arbitrary arguments); the instance gets its prototype and the fields.
 */
export function deserializeError(input: unknown, registry: ReadonlyMap<string, ErrorClass>, depth = 0): Error {
  const data = (typeof input === 'object' && input !== null ? input : {}) as Partial<Record<keyof SerializedError, unknown>>
  const name = typeof data.n === 'string' ? data.n : 'Error'
  const className = typeof data.k === 'string' ? data.k : ''
  const ErrorClass = registry.get(className)
  const error: Error = Object.create((ErrorClass ?? RemoteError).prototype)
  defineHidden(error, 'message', typeof data.m === 'string' ? data.m : '')
  if (!ErrorClass) (error as RemoteError).code = 'ERR_REMOTE'
  if (error.name !== name) defineHidden(error, 'name', name)
  if (typeof data.st === 'string') defineHidden(error, 'stack', data.st)
  else defineHidden(error, 'stack', `${name}: ${error.message}`)
  if (Array.isArray(data.c) && depth < MAX_CAUSE_DEPTH) {
    defineHidden(error, 'cause', data.c[0] === 'e' ? deserializeError(data.c[1], registry, depth + 1) : data.c[1])
  }
  if (typeof data.p === 'object' && data.p !== null) {
    // defineProperty, not assignment: an own `__proto__` key must not reach the prototype setter.
    for (const key of Object.keys(data.p)) {
      if (SKIPPED_FIELDS.has(key)) continue
      Object.defineProperty(error, key, {
        value: (data.p as Record<string, unknown>)[key],
        writable: true,
        configurable: true,
        enumerable: true,
      })
    }
  }
  return error
}
