/**
 * One consumer's counters, returned by the worker's `progress()` RPC method and summed by the
 * master.
 */

/** Counters of one consumer since it started. */
export interface ConsumerProgress {
  consumer: string
  pid: number
  /** Jobs committed and acknowledged. */
  done: number
  /** Commits that updated an existing row: the job had been written before (a redelivery). */
  rewritten: number
  /** Entries this consumer moved to the dead-letter stream. */
  deadLettered: number
  /** Entries this consumer took over from another consumer with XAUTOCLAIM. */
  reclaimed: number
  /** Commits whose XACK found the entry already acknowledged by another consumer. */
  alreadyAcked: number
  /** Entries of our batch that another consumer took over before we started them. */
  lostLeases: number
  /** Jobs that ran past their deadline (`QUEUE_JOB_TIMEOUT_MS`), left pending for a retry. */
  timedOut: number
  /** Jobs whose handler threw or rejected, left pending for a retry. */
  failedJobs: number
  /** Dead consumers this one removed from the group. */
  prunedConsumers: number
  /** Failed database attempts that were retried. */
  dbRetries: number
  /** True while a job waits for the database to come back. */
  isWaitingForDb: boolean
  /** Entries delivered to this consumer and not finished yet. */
  held: number
  lastError: string | null
}

/** All counters at zero. */
export function createProgress(consumer: string): ConsumerProgress {
  return {
    consumer,
    pid: process.pid,
    done: 0,
    rewritten: 0,
    deadLettered: 0,
    reclaimed: 0,
    alreadyAcked: 0,
    lostLeases: 0,
    timedOut: 0,
    failedJobs: 0,
    prunedConsumers: 0,
    dbRetries: 0,
    isWaitingForDb: false,
    held: 0,
    lastError: null,
  }
}

/** Keeps an error's message as the consumer's `lastError`. */
export function noteError(progress: ConsumerProgress, error: unknown): void {
  progress.lastError = String((error as Error)?.message ?? error)
}
