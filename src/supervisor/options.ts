import { existsSync, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { describeValue } from '../options/check-options.js'

/** Validation of `supervise()` options that only the supervisor has: the worker file and count. */

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
