/**
 * The actor store: where the master keeps what survives a worker's death. The interface is the
 * seam between the actor router and a backend (in memory by default, Redis so actors also outlive
 * the master); the router writes one actor's records in order and reads a record back only when
 * it has to restore that actor somewhere new.
 */

/** What survives a worker's death: the actor's persisted snapshot after applying event `seq`. */
export interface XclusterActorRecord {
  kind: string
  id: string
  /** `actor.getPersistedSnapshot()` after the event numbered `seq` was applied (plain data; may hold Dates/Maps). */
  snapshot: unknown
  /** Sequence number of the last event applied to `snapshot` (events to one actor are numbered 1, 2, 3, … by the master). */
  seq: number
  /** The `input` the actor was first spawned with (kept so a restore that has no snapshot yet can spawn it again). */
  input?: unknown
}

/** Where the master keeps actor records. Methods may be async; they must not reorder writes to one (kind, id). */
export interface XclusterActorStore {
  load(kind: string, id: string): Promise<XclusterActorRecord | undefined>
  /** Stores the record unless a record with a higher `seq` is already stored for (kind, id) (stale writes lose). */
  save(record: XclusterActorRecord): Promise<void>
  delete(kind: string, id: string): Promise<void>
  /** Frees connections; the store is not used afterwards. */
  close?(): Promise<void>
}
