/**
 * An optional watcher of one peer's calls, for metrics: told how long each answered call took.
 * A peer without one does no timing at all (one `undefined` check per call), so latency metrics
 * cost nothing unless they are on.
 */

/** Told of every call a peer made or served once it is answered; both must return quickly and never throw. */
export interface RpcCallObserver {
  /**
   * A call this side made got its reply (a result, or the error the other side's handler threw),
   * `ms` after it was made. `error` is the rebuilt error for an error reply. Calls that time out,
   * are aborted, or are cut off by `close()` are not reported: they have no latency.
   */
  called(method: string, ms: number, error: unknown): void
  /**
   * A request of the other side was answered, `ms` after it arrived; `isServed` is false when
   * this side has no handler by that name (the method is the other side's word, unchecked).
   * Requests answered with a stream are reported when the stream opens.
   */
  served(method: string, ms: number, isServed: boolean): void
}
