/**
 * What the parts of one consumer share (the batch, the reclaimer, the row writer), built once by
 * `createJobConsumer`.
 * @internal
 */
import type { Redis } from 'ioredis'
import type { QueueConfig } from './config.js'
import type { Leases } from './leases.js'
import type { ConsumerProgress } from './progress.js'
import type { JobHandler } from './run-job.js'
import type { JobStore } from './store.js'
import type { StreamEntry } from './streams.js'

/** @internal */
export interface ConsumerContext {
  readonly config: QueueConfig
  /** This consumer's name in the group. */
  readonly consumer: string
  /** For commands; the blocking read has a connection of its own. */
  readonly redis: Redis
  readonly store: JobStore
  readonly handleJob: JobHandler
  readonly stats: ConsumerProgress
  readonly leases: Leases
  log(line: string): void
  /** True once `stop()` was called: start no more jobs. */
  isStopping(): boolean
}

/** One entry to process and what is known of its past deliveries. @internal */
export interface Delivery {
  entry: StreamEntry
  /** XPENDING's delivery count, this one included. */
  deliveries: number
  /** Failures recorded against its job. */
  crashes: number
}
