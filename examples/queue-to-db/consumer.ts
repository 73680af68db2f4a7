/**
 * The consumer core, independent of xcluster: reads a consumer group in batches, runs each job,
 * writes the batch's rows in one commit and acknowledges the entries only after it. Nothing is
 * lost because an entry leaves the group's pending list in exactly three ways: acked after its
 * row is committed, dead-lettered (acked in the same Redis script), or never (then XAUTOCLAIM
 * hands it to another consumer once it has been idle for `minIdleMs`).
 *
 * The parts: `process-batch.ts` (run, write, ack), `run-job.ts` (the job deadline),
 * `save-rows.ts` (waiting out the database), `reclaim-stale.ts` (taking over, blaming,
 * pruning), `leases.ts` (keeping held entries), `failures.ts` (what jobs did to workers).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { QueueConfig } from './config.js'
import type { ConsumerContext } from './context.js'
import { describeError, recordCrash } from './failures.js'
import { createLeases } from './leases.js'
import { processBatch } from './process-batch.js'
import { createProgress, noteError } from './progress.js'
import type { ConsumerProgress } from './progress.js'
import { forgetAlive, markAlive } from './prune-consumers.js'
import { reclaimStale } from './reclaim-stale.js'
import type { JobHandler } from './run-job.js'
import type { JobStore } from './store.js'
import { connectRedis, ensureGroup, readNewEntries, readQueueStats } from './streams.js'
import type { QueueStats } from './streams.js'

export type { ConsumerProgress } from './progress.js'

export interface JobConsumerOptions {
  config: QueueConfig
  /** Unique per process: a restarted worker must not inherit a dead one's name by accident. */
  consumer: string
  store: JobStore
  /**
   * The work done for a job before its row is written. Its `signal` aborts when the job's
   * deadline (`config.jobTimeoutMs`) passes, with a `JobTimeoutError` as reason; a rejection
   * counts as a failure of the job.
   * @default a handler that does nothing
   */
  handleJob?: JobHandler
  log?: (line: string) => void
  /** Called once the consumer group exists, before the first read: the moment to tell the master. */
  onReady?: () => void
}

export interface JobConsumer {
  /** Consumes until {@link JobConsumer.stop}; rejects only if the group cannot be created. */
  run(): Promise<void>
  /** Finishes the job in progress (or leaves it pending), stops reading, closes the connections. */
  stop(): Promise<void>
  progress(): ConsumerProgress
  queueStats(): Promise<QueueStats>
  /**
   * Records that the job in progress crashed this process; call it from an `uncaughtException`
   * handler before exiting. Resolves within a second whatever happens (the process is dying).
   */
  recordCrash(error: unknown): Promise<void>
}

/** The dying worker's last write must not hold its exit for long. */
const CRASH_RECORD_TIMEOUT_MS = 1000

/**
 * Creates a consumer; nothing connects before {@link JobConsumer.run}.
 *
 * @example
 * const consumer = createJobConsumer({ config, consumer: 'host-1', store, handleJob: async (job, signal) => {} })
 * consumer.run()
 * // later
 * await consumer.stop()
 */
export function createJobConsumer(options: JobConsumerOptions): JobConsumer {
  const { config, consumer, store } = options
  const log = options.log ?? (() => {})
  const redis = connectRedis(config.redisUrl, `${consumer}:commands`)
  // XREADGROUP … BLOCK occupies its connection: give it one of its own.
  const blocking = connectRedis(config.redisUrl, `${consumer}:blocking`)
  const stats = createProgress(consumer)
  const leases = createLeases({ redis, config, consumer, stats, log })
  let isStopping = false
  let loop: Promise<void> | null = null
  const ctx: ConsumerContext = {
    config,
    consumer,
    redis,
    store,
    stats,
    leases,
    log,
    handleJob: options.handleJob ?? (() => {}),
    isStopping: () => isStopping,
  }
  // Tells the pruners this consumer lives, even while it holds nothing and its reads return nothing.
  const reportAlive = () => {
    markAlive(redis, config, consumer).catch((error) => noteError(stats, error))
  }
  let aliveTimer: NodeJS.Timeout | undefined

  async function consume(): Promise<void> {
    let delay = config.retryInitialMs
    await ensureGroup(redis, config)
    if (config.pruneIdleMs > 0) {
      reportAlive()
      aliveTimer = setInterval(reportAlive, Math.floor(config.pruneIdleMs / 4))
      aliveTimer.unref()
    }
    options.onReady?.()
    while (!isStopping) {
      try {
        await store.ensureTable()
        break
      } catch (error) {
        noteError(stats, error)
        log(`cannot create table ${config.table}, retrying: ${stats.lastError}`)
        await sleep(delay)
        delay = Math.min(delay * 2, config.retryMaxMs)
      }
    }
    let nextClaimAt = 0
    delay = config.retryInitialMs
    while (!isStopping) {
      try {
        if (Date.now() >= nextClaimAt) {
          await reclaimStale(ctx)
          nextClaimAt = Date.now() + config.claimIntervalMs
        }
        if (isStopping) break
        const entries = await readNewEntries(blocking, config, consumer)
        for (const entry of entries) leases.held.add(entry.id)
        await processBatch(
          ctx,
          entries.map((entry) => ({ entry, deliveries: 1, crashes: 0 })),
        )
        leases.held.clear()
        delay = config.retryInitialMs
      } catch (error) {
        // Redis unreachable or a command failed: whatever we hold stays pending and is retried.
        leases.held.clear()
        noteError(stats, error)
        log(`consumer error, retrying in ${delay} ms: ${stats.lastError}`)
        await sleep(delay)
        delay = Math.min(delay * 2, config.retryMaxMs)
      }
    }
  }

  return {
    run() {
      loop ??= consume()
      return loop
    },
    async stop() {
      isStopping = true
      try {
        await loop?.catch(() => {})
      } finally {
        leases.close()
        clearInterval(aliveTimer)
        // Stopped, we are dead to the pruners: our consumer goes once its entries are claimed.
        if (loop && config.pruneIdleMs > 0) await forgetAlive(redis, config, consumer).catch(() => {})
        redis.disconnect()
        blocking.disconnect()
        await store.close().catch(() => {})
      }
    },
    progress() {
      return { ...stats, held: leases.held.size }
    },
    queueStats() {
      return readQueueStats(redis, config)
    },
    async recordCrash(error) {
      const running = leases.running
      if (running === null) return
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, CRASH_RECORD_TIMEOUT_MS).unref())
      await Promise.race([recordCrash(redis, config, running, describeError(error)).catch(() => {}), timeout])
    },
  }
}
