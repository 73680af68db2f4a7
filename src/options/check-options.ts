/**
 * Checks of user options shared by every layer that takes them (`supervise()`, its `actors`
 * section): the public facade validates with these, the core trusts what passed. Each failure is
 * a TypeError/RangeError that names the option, the expected value and what was passed.
 */

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
