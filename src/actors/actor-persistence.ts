/**
 * The router's writes to the actor store: at most one write in flight per actor (the latest
 * snapshot goes next, so a burst of reports costs one write after the one in flight), a delete
 * queued behind any write in flight (so a finished actor's record cannot be resurrected by a save
 * that lands after its delete), and waiters for "everything is stored".
 */
import type { ActorEntry } from './actor-entry.js'
import type { XclusterActorStore } from './actor-store.js'
import { ActorStoreFailedError } from './errors.js'

// How long a failed store write waits before it is tried again.
export const STORE_RETRY_DELAY = 100 // ms

export class ActorPersistence {
  readonly #store: XclusterActorStore
  readonly #onError: (entry: ActorEntry, error: ActorStoreFailedError) => void
  readonly #writes = new Set<Promise<void>>()
  readonly #waiters = new Set<() => void>()

  constructor(store: XclusterActorStore, onError: (entry: ActorEntry, error: ActorStoreFailedError) => void) {
    this.#store = store
    this.#onError = onError
  }

  /** Store the entry's latest snapshot (unless a write is in flight: then it goes next). */
  save(entry: ActorEntry): void {
    if (entry.isSaving || entry.phase === 'ending' || entry.storedVersion === entry.version) return
    entry.isSaving = true
    const version = entry.version
    const record = { kind: entry.kind, id: entry.id, snapshot: entry.snapshot, seq: entry.snapshotSeq, input: entry.input }
    const write = this.#track(entry, this.#store.save(record))
    write.then(
      () => {
        entry.acknowledge(record.seq)
        // A delete queued behind this write owns the entry now.
        if (entry.phase !== 'ending') {
          entry.isSaving = false
          entry.storedVersion = version
          if (entry.version !== version) this.save(entry)
        }
        this.check()
      },
      (error) => {
        if (entry.phase === 'ending') return
        entry.isSaving = false
        this.#onError(entry, new ActorStoreFailedError({ kind: entry.kind, id: entry.id, operation: 'save' }, { cause: error }))
        setTimeout(() => this.save(entry), STORE_RETRY_DELAY).unref()
      },
    )
  }

  /** Delete the entry's record once any write in flight for it has landed. Resolves either way. */
  remove(entry: ActorEntry): Promise<void> {
    entry.isSaving = true
    const previous = entry.lastWrite ?? Promise.resolve()
    const write = this.#track(
      entry,
      previous.catch(() => {}).then(() => this.#store.delete(entry.kind, entry.id)),
    )
    return write.then(
      () => {},
      (error) => this.#onError(entry, new ActorStoreFailedError({ kind: entry.kind, id: entry.id, operation: 'delete' }, { cause: error })),
    )
  }

  /** Resolves once `isDone()` holds, checked after each write. */
  when(isDone: () => boolean): Promise<void> {
    if (isDone()) return Promise.resolve()
    return new Promise((resolve) => {
      const check = () => {
        if (!isDone()) return
        this.#waiters.delete(check)
        resolve()
      }
      this.#waiters.add(check)
    })
  }

  /** Re-check the waiters (after a write, or when the cluster closed). */
  check(): void {
    for (const check of [...this.#waiters]) check()
  }

  /** Waits for the writes in flight, then closes the store. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#writes])
    await this.#store.close?.()
  }

  #track(entry: ActorEntry, write: Promise<void>): Promise<void> {
    entry.lastWrite = write
    this.#writes.add(write)
    const forget = () => this.#writes.delete(write)
    write.then(forget, forget)
    return write
  }
}
