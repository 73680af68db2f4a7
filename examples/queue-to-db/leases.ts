/**
 * The entries a consumer holds, and their leases: every `leaseMs` (minIdle/3) the consumer resets
 * the idle time of the entries it holds, so that other consumers do not take them over while
 * they wait in its batch or for the database. A consumer that freezes (SIGSTOP, a long GC pause)
 * renews nothing: its entries go to others and, when it resumes, it learns which it lost.
 *
 * The entry whose job is running is renewed only while a job deadline (`jobTimeoutMs`) bounds
 * it. Without a deadline it is not, so a job that hangs loses its entry after `minIdleMs`.
 */
import type { Redis } from 'ioredis'
import type { QueueConfig } from './config.js'
import type { ConsumerProgress } from './progress.js'
import { noteError } from './progress.js'
import { renewLeases } from './streams.js'

/** What one consumer holds; see {@link createLeases}. */
export interface Leases {
  /** Entries delivered to this consumer and not finished. */
  readonly held: Set<string>
  /** The entry whose job is running, if any: blamed if the process crashes. */
  running: string | null
  /** Stops renewing. */
  close(): void
}

export interface LeasesOptions {
  redis: Redis
  config: QueueConfig
  consumer: string
  stats: ConsumerProgress
  log: (line: string) => void
}

/** Starts renewing, every `config.leaseMs`, the leases of the entries in `held`. */
export function createLeases({ redis, config, consumer, stats, log }: LeasesOptions): Leases {
  const leases: Leases = {
    held: new Set(),
    running: null,
    close: () => clearInterval(timer),
  }
  const hasDeadline = config.jobTimeoutMs > 0
  // An entry found taken over (we were stopped longer than minIdleMs) is dropped from our batch:
  // its new owner does it.
  const renew = () => {
    const ids = [...leases.held].filter((id) => hasDeadline || id !== leases.running)
    renewLeases(redis, config, consumer, ids).then(
      (lost) => {
        for (const id of lost) {
          if (leases.held.delete(id)) {
            stats.lostLeases++
            log(`${id} was taken over by another consumer; skipping it`)
          }
        }
      },
      (error) => noteError(stats, error),
    )
  }
  const timer = setInterval(renew, config.leaseMs)
  timer.unref()
  return leases
}
