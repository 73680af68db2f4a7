/**
 * The default actor store: records in a Map in the master's memory. Actors survive any worker's
 * death with it, not the master's (use the Redis store for that).
 */
import type { XclusterActorRecord, XclusterActorStore } from './actor-store.js'

/**
 * Creates an actor store that keeps records in the master's memory.
 *
 * @example
 * ```ts
 * supervise({ worker: './worker.ts', actors: { store: createMemoryActorStore() } })
 * ```
 */
export function createMemoryActorStore(): XclusterActorStore {
  const records = new Map<string, XclusterActorRecord>()
  // A NUL cannot be typed into a kind by accident, so `a\0b` never collides with another pair.
  const keyOf = (kind: string, id: string) => `${kind}\u0000${id}`
  return {
    async load(kind, id) {
      return records.get(keyOf(kind, id))
    },
    async save(record) {
      const key = keyOf(record.kind, record.id)
      const stored = records.get(key)
      if (stored !== undefined && stored.seq > record.seq) return
      records.set(key, { ...record })
    },
    async delete(kind, id) {
      records.delete(keyOf(kind, id))
    },
    // Nothing to free; the records stay, so one store can outlive a cluster and serve the next
    // one in the same process (a test, or a master that restarts its cluster).
    async close() {},
  }
}
