/**
 * The `actors` option of `supervise()`: where snapshots are kept, how long events wait for a
 * worker, and each actor's own restart budget.
 */
import { checkDuration, checkInteger, describeValue, mergeSection } from '../options/check-options.js'
import type { XclusterActorStore } from './actor-store.js'
import { createMemoryActorStore } from './memory-store.js'

/** How long events to an actor wait for a worker that hosts its kind: 30 s. */
export const DEFAULT_HOLD_TIMEOUT = 30_000 // 30 s

/** Options of the cluster's actors (`supervise({ actors })`). */
export interface XclusterActorsOptions {
  /**
   * Where each actor's persisted snapshot and last applied sequence number are kept. The default
   * keeps them in the master's memory: actors survive any worker's death, not the master's
   * (`createRedisActorStore()` keeps them in Redis).
   * @default createMemoryActorStore()
   */
  store?: XclusterActorStore
  /**
   * How long events to an actor wait while no listening worker hosts its kind, in ms; past it
   * they are dropped with an `ActorUnavailableError` (their `sendAndWait()` rejects with it, and
   * `cluster.on('actor-error')` hears of fire-and-forget ones).
   * @default 30_000
   */
  holdTimeout?: number
  /**
   * Each actor's restart budget: a machine that throws is restarted from its last good snapshot
   * up to `maxRestarts` times within `period` ms, then stopped.
   * @default { maxRestarts: 3, period: 60_000 }
   */
  restart?: { maxRestarts?: number; period?: number }
}

/** `supervise({ actors })` once checked, with its defaults (the cluster's actor layer is built from it). */
export interface ResolvedActorsOptions {
  store: XclusterActorStore
  holdTimeout: number
  restart: { maxRestarts: number; period: number }
}

/** @internal Checks `supervise({ actors })`; throws a TypeError/RangeError naming the bad option. */
export function resolveActorsOptions(options: unknown): ResolvedActorsOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`Expected \`actors\` to be an object ({ store, holdTimeout, restart }), got ${describeValue(options)}`)
  }
  const { store, holdTimeout, restart } = (options ?? {}) as XclusterActorsOptions
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      ['load', 'save', 'delete'].some((name) => typeof (store as unknown as Record<string, unknown>)[name] !== 'function'))
  ) {
    throw new TypeError(`Expected \`actors.store\` to be an actor store with load(), save() and delete(), got ${describeValue(store)}`)
  }
  const budget = mergeSection('actors.restart', { maxRestarts: 3, period: 60_000 }, restart)
  return {
    store: store ?? createMemoryActorStore(),
    holdTimeout: checkDuration('actors.holdTimeout', holdTimeout ?? DEFAULT_HOLD_TIMEOUT),
    restart: {
      maxRestarts: checkInteger('actors.restart.maxRestarts', budget.maxRestarts, 0),
      period: checkDuration('actors.restart.period', budget.period),
    },
  }
}
