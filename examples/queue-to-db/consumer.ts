/**
 * The consumer core, independent of xcluster: reads a consumer group, writes each job to the
 * database and acknowledges the entry only after the commit. Nothing is lost because an entry
 * leaves the group's pending list in exactly three ways: acked after its row is committed,
 * dead-lettered (acked in the same Redis script), or never (then XAUTOCLAIM hands it to another
 * consumer once it has been idle for `minIdleMs`).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { QueueConfig } from './config.js'
import { findJobField, parseJob } from './job.js'
import type { Job } from './job.js'
import { classifyDbError } from './store.js'
import type { JobStore, SaveMeta, SaveOutcome } from './store.js'
import { ackEntry, claimStaleEntry, connectRedis, deadLetterEntry, ensureGroup, readDeliveryCount,
  readNewEntries, readQueueStats, renewLeases } from './streams.js'
import type { QueueStats, StreamEntry } from './streams.js'

/** Counters of one consumer since it started; returned by the worker's `progress()` RPC method. */
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
  /** Failed database attempts that were retried. */
  dbRetries: number
  /** True while a job waits for the database to come back. */
  isWaitingForDb: boolean
  /** Entries delivered to this consumer and not finished yet. */
  held: number
  lastError: string | null
}

export interface JobConsumerOptions {
  config: QueueConfig
  /** Unique per process: a restarted worker must not inherit a dead one's name by accident. */
  consumer: string
  store: JobStore
  /** The work done for a job before its row is written. */
  handleJob?: (job: Job) => unknown
  log?: (line: string) => void
}

export interface JobConsumer {
  /** Consumes until {@link JobConsumer.stop}; rejects only if the group cannot be created. */
  run(): Promise<void>
  /** Finishes the job in progress (or leaves it pending), stops reading, closes the connections. */
  stop(): Promise<void>
  progress(): ConsumerProgress
  queueStats(): Promise<QueueStats>
}

/** Creates a consumer; nothing connects before {@link JobConsumer.run}. */
export function createJobConsumer(options: JobConsumerOptions): JobConsumer {
  const { config, consumer, store } = options
  const log = options.log ?? (() => {})
  const handleJob = options.handleJob ?? (() => {})
  const redis = connectRedis(config.redisUrl, `${consumer}:commands`)
  // XREADGROUP … BLOCK occupies its connection: give it one of its own.
  const blocking = connectRedis(config.redisUrl, `${consumer}:blocking`)
  const held = new Set<string>()
  let running: string | null = null
  let isStopping = false
  let loop: Promise<void> | null = null
  const stats: ConsumerProgress = {
    consumer, pid: process.pid, done: 0, rewritten: 0, deadLettered: 0, reclaimed: 0, alreadyAcked: 0,
    dbRetries: 0, isWaitingForDb: false, held: 0, lastError: null,
  }
  const noteError = (error: unknown) => { stats.lastError = String((error as Error)?.message ?? error) }

  // Entries waiting in our batch or for the database are ours and must not look stale; the job
  // whose handler is running is not renewed, so a handler that hangs loses its entry after minIdleMs.
  const renew = () => {
    const ids = [...held].filter(id => id !== running)
    renewLeases(redis, config, consumer, ids).catch(noteError)
  }
  const leaseTimer = setInterval(renew, config.leaseMs)
  leaseTimer.unref()

  async function deadLetter(entry: StreamEntry, reason: string, detail: string, deliveries: number): Promise<void> {
    const fields: (string | Buffer)[] = ['reason', reason, 'detail', detail, 'source-id', entry.id,
      'deliveries', String(deliveries), 'consumer', consumer, 'data', findJobField(entry.fields) ?? '']
    for (let i = 0; i + 1 < entry.fields.length; i += 2) {
      fields.push(`field:${entry.fields[i]!.toString('latin1')}`, entry.fields[i + 1]!)
    }
    if (await deadLetterEntry(redis, config, entry.id, fields) === 1) {
      stats.deadLettered++
      log(`dead-lettered ${entry.id}: ${reason} (${detail})`)
    }
  }

  /** Resolves to the outcome, to `rejected` (dead-lettered) or to `stopped` (left pending). */
  async function saveWithRetry(job: Job, meta: SaveMeta, entry: StreamEntry): Promise<SaveOutcome | 'rejected' | 'stopped'> {
    let delay = config.retryInitialMs
    try {
      for (;;) {
        try {
          return await store.saveJob(job, meta)
        } catch (error) {
          const kind = classifyDbError(error)
          if (kind === 'job') {
            await deadLetter(entry, 'db-rejected', String((error as Error).message), meta.deliveries)
            return 'rejected'
          }
          noteError(error)
          if (!stats.isWaitingForDb) log(`database ${kind} error on ${job.id}, retrying: ${stats.lastError}`)
          stats.dbRetries++
          stats.isWaitingForDb = true
          // Not acked, not dead-lettered: the entry stays ours (its lease is renewed) until the write succeeds.
          if (isStopping) return 'stopped'
          await sleep(delay)
          delay = Math.min(delay * 2, config.retryMaxMs)
        }
      }
    } finally {
      stats.isWaitingForDb = false
    }
  }

  async function processEntry(entry: StreamEntry, deliveries: number): Promise<void> {
    const bytes = findJobField(entry.fields)
    const parsed = bytes ? parseJob(bytes) : { ok: false as const, reason: 'wrong-shape', detail: 'the entry has no "job" field' }
    if (!parsed.ok) return deadLetter(entry, parsed.reason, parsed.detail, deliveries)
    running = entry.id
    try {
      await handleJob(parsed.job)
    } finally {
      running = null
    }
    const outcome = await saveWithRetry(parsed.job, { streamId: entry.id, consumer, deliveries }, entry)
    if (outcome === 'rejected' || outcome === 'stopped') return
    if (outcome === 'updated') stats.rewritten++
    if (await ackEntry(redis, config, entry.id) === 0) stats.alreadyAcked++
    stats.done++
  }

  async function reclaimStale(): Promise<void> {
    let cursor = '0-0'
    do {
      const claimed = await claimStaleEntry(redis, config, consumer, cursor)
      for (const entry of claimed.entries) {
        held.add(entry.id)
        try {
          stats.reclaimed++
          // The claim itself counted as a delivery: the ones before it were never acknowledged.
          const deliveries = await readDeliveryCount(redis, config, entry.id)
          const unacked = deliveries - 1
          if (unacked >= config.maxDeliveries) {
            await deadLetter(entry, 'max-deliveries',
              `delivered ${unacked} times without an ack; it probably crashes its worker`, unacked)
          } else {
            log(`redelivery of ${entry.id} (delivery ${deliveries})`)
            await processEntry(entry, deliveries)
          }
        } finally {
          held.delete(entry.id)
        }
      }
      cursor = claimed.cursor
    } while (cursor !== '0-0' && !isStopping)
  }

  async function consume(): Promise<void> {
    let delay = config.retryInitialMs
    await ensureGroup(redis, config)
    while (!isStopping) {
      try {
        await store.ensureTable()
        break
      } catch (error) {
        noteError(error)
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
          await reclaimStale()
          nextClaimAt = Date.now() + config.claimIntervalMs
        }
        if (isStopping) break
        const entries = await readNewEntries(blocking, config, consumer)
        for (const entry of entries) held.add(entry.id)
        for (const entry of entries) {
          // Entries not started stay pending; the next run reclaims them after minIdleMs.
          if (isStopping) break
          await processEntry(entry, 1)
          held.delete(entry.id)
        }
        held.clear()
        delay = config.retryInitialMs
      } catch (error) {
        // Redis unreachable or a command failed: whatever we hold stays pending and is retried.
        held.clear()
        noteError(error)
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
        clearInterval(leaseTimer)
        redis.disconnect()
        blocking.disconnect()
        await store.close().catch(() => {})
      }
    },
    progress() {
      return { ...stats, held: held.size }
    },
    queueStats() {
      return readQueueStats(redis, config)
    },
  }
}
