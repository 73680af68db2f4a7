import { existsSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'

/** Validation of `supervise()` options: the public facade checks, the core trusts. */

/** Describe a received value for an error message: "`0` (number)". */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`
  if (typeof value === 'function') return 'a function'
  if (value === null) return '`null`'
  if (typeof value === 'object') return `an object`
  return `\`${String(value)}\` (${typeof value})`
}

/** @throws TypeError when `value` is not an integer of at least `min`. */
export function checkInteger(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    const error = typeof value === 'number' && Number.isInteger(value) ? RangeError : TypeError
    throw new error(`Expected \`${name}\` to be an integer from ${min} and up, got ${describeValue(value)}`)
  }
  return value
}

/** @throws TypeError when `value` is not a finite number of milliseconds above zero. */
export function checkDuration(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`Expected \`${name}\` to be a number of milliseconds above 0, got ${describeValue(value)}`)
  }
  return value
}

/** Resolve `worker` (a path or a file: URL) to an absolute path of a file that exists. */
export function resolveWorkerFile(value: unknown): string {
  let path: string
  if (value instanceof URL) {
    if (value.protocol !== 'file:') throw new TypeError(`Expected \`worker\` to be a file: URL, got ${value.href}`)
    path = fileURLToPath(value)
  } else if (typeof value === 'string' && value.length > 0) {
    path = value.startsWith('file:') ? fileURLToPath(value) : value
  } else {
    throw new TypeError(`Expected \`worker\` to be the path or file: URL of the worker's entry file, got ${describeValue(value)}`)
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new TypeError(`The \`worker\` file does not exist: ${path}`)
  }
  return path
}

/** The default number of workers: one a core. */
export function defaultWorkerCount(): number {
  return availableParallelism()
}

/** Merge user overrides into defaults, one level deep, rejecting unknown keys. */
export function mergeSection<T extends object>(name: string, defaults: T, overrides: unknown): T {
  if (overrides === undefined) return { ...defaults }
  if (overrides === null || typeof overrides !== 'object') {
    throw new TypeError(`Expected \`${name}\` to be an object, got ${describeValue(overrides)}`)
  }
  for (const key of Object.keys(overrides)) {
    if (!Object.hasOwn(defaults, key)) {
      throw new TypeError(`Unknown option \`${name}.${key}\`; expected one of: ${Object.keys(defaults).join(', ')}`)
    }
  }
  return { ...defaults, ...(overrides as Partial<T>) }
}
