/**
 * What the master and the consumer workers say to each other. The master polls each worker's
 * counters and asks any one worker for the queue's figures; workers send log lines.
 */
import { defineContract } from '../../src/index.js'
import type { ConsumerProgress } from './progress.js'
import type { QueueStats } from './streams.js'

export const queueContract = defineContract<{
  worker: {
    /** This worker's counters since it started. */
    progress(): ConsumerProgress
    /** The group's pending count and lag, and the dead-letter stream's length, read from Redis. */
    queueStats(): Promise<QueueStats>
  }
  master: {
    /** A line for the master's log (redeliveries, dead letters, database errors). */
    log(line: string): void
  }
}>()
