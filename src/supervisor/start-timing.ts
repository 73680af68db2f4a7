/**
 * The master's half of the start split: a worker's start marks (start-marks.ts), checked as the
 * untrusted input they are, turned into the phases of its start.
 */
import { ProtocolError } from '../rpc/errors.js'
import type { StartMarks } from './start-marks.js'

/**
 * Where a worker's start went, in ms: from the master's `fork()` to its first server listening,
 * phase by phase. The phases add up to `total`. Clocks: `spawn` compares the master's clock with
 * the worker's `performance.timeOrigin` (the same system clock, taken in two processes); the
 * other phases are measured inside the worker.
 *
 * @example
 * ```ts
 * cluster.on('transition', (t) => {
 *   if (t.to === 'listening' && t.start) console.log(`worker ${t.workerId} served after ${t.start.total} ms`, t.start)
 * })
 * ```
 */
export interface XclusterStartTiming {
  /** The master's `fork()` call until the worker's process exists (its time origin). */
  spawn: number
  /**
   * Node's own bootstrap in the worker (`performance.nodeTiming.bootstrapComplete`). A preload
   * given with `--require` (xcluster's own, once built) runs inside it: its time is not counted here.
   */
  bootstrap: number
  /**
   * `--import` loaders before xcluster's preload (tsx's, for a TypeScript worker or a preload run
   * from source), with Node's ES module loader starting for them; 0 under the `--require` preload.
   */
  loaders: number
  /** xcluster's worker preload (the HTTP drain, the SIGINT guard). */
  preload: number
  /** The worker's own code, from its first line to its first `listen()` call. */
  user: number
  /** `listen()` until the server listens: node:cluster asks the master for the handle. */
  listen: number
  /** `fork()` until the server listens: the sum of the phases. */
  total: number
}

const MARK_KEYS = ['origin', 'bootstrap', 'preload', 'preloaded', 'listen', 'listening'] as const
// Each of these happens at or after the one before. Node's bootstrap ends before the preload under
// `--import`, after it under `--require`: it is only checked to end before the first listen().
const ORDERED_KEYS = ['preload', 'preloaded', 'listen', 'listening'] as const
// A start that took more than a day is no start: a worker lying, or a clock jump.
const MAX_PHASE = 86_400_000 // ms

/**
 * Checks what a worker sent as its start marks: a plain object with exactly the mark keys, each
 * a finite number, the relative ones ordered and within a day.
 * @throws ProtocolError naming the worker and what is wrong.
 */
export function checkStartMarks(value: unknown, worker: string): StartMarks {
  const fail = (what: string): never => {
    throw new ProtocolError(
      `${worker} sent start marks that are ${what}; expected { ${MARK_KEYS.join(', ')} } as ordered numbers of ms. ` +
        'The start split of this worker is left out (is the worker running another xcluster version?).',
    )
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(`not an object (${typeof value})`)
  const keys = Object.keys(value)
  if (keys.length !== MARK_KEYS.length || !MARK_KEYS.every((key) => Object.hasOwn(value, key))) return fail('not the expected keys')
  const marks = value as Record<string, unknown>
  for (const key of MARK_KEYS) {
    if (typeof marks[key] !== 'number' || !Number.isFinite(marks[key])) return fail(`not numbers (${key})`)
  }
  let previous = 0
  for (const key of ORDERED_KEYS) {
    const at = marks[key] as number
    if (at < previous || at > MAX_PHASE) return fail(`out of order or out of range (${key})`)
    previous = at
  }
  if ((marks.bootstrap as number) < 0 || (marks.bootstrap as number) > (marks.listen as number)) {
    return fail('out of order or out of range (bootstrap)')
  }
  return value as StartMarks
}

/** The phases of a start, from the master's fork time (ms since the epoch) and the worker's marks. */
export function computeStartTiming(forkAt: number, marks: StartMarks): XclusterStartTiming {
  const round = (ms: number) => Math.round(ms * 10) / 10
  // The two processes read the clock apart: a worker that seems to start before its fork started at it.
  const spawn = Math.max(0, marks.origin - forkAt)
  // Under `--require` Node runs the preload inside its bootstrap: Node's part is what comes before
  // the preload and what comes after it, and no loader ran. The phases still add up to `total`.
  const isInsideBootstrap = marks.bootstrap > marks.preload
  const bootstrap = isInsideBootstrap ? marks.preload + Math.max(0, marks.bootstrap - marks.preloaded) : marks.bootstrap
  const userFrom = isInsideBootstrap ? Math.max(marks.preloaded, marks.bootstrap) : marks.preloaded
  return {
    spawn: round(spawn),
    bootstrap: round(bootstrap),
    loaders: round(isInsideBootstrap ? 0 : marks.preload - marks.bootstrap),
    preload: round(marks.preloaded - marks.preload),
    user: round(marks.listen - userFrom),
    listen: round(marks.listening - marks.listen),
    total: round(spawn + marks.listening),
  }
}
