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
  /** Node's own bootstrap in the worker (`performance.nodeTiming.bootstrapComplete`). */
  bootstrap: number
  /** Loaders given before xcluster's preload (tsx's `--import` for a TypeScript worker); ~0 with none. */
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
// The ordered marks after `origin`: each one happens at or after the one before.
const ORDERED_KEYS = MARK_KEYS.slice(1)
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
  return value as StartMarks
}

/** The phases of a start, from the master's fork time (ms since the epoch) and the worker's marks. */
export function computeStartTiming(forkAt: number, marks: StartMarks): XclusterStartTiming {
  const round = (ms: number) => Math.round(ms * 10) / 10
  // The two processes read the clock apart: a worker that seems to start before its fork started at it.
  const spawn = Math.max(0, marks.origin - forkAt)
  return {
    spawn: round(spawn),
    bootstrap: round(marks.bootstrap),
    loaders: round(marks.preload - marks.bootstrap),
    preload: round(marks.preloaded - marks.preload),
    user: round(marks.listen - marks.preloaded),
    listen: round(marks.listening - marks.listen),
    total: round(spawn + marks.listening),
  }
}
