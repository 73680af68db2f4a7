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
import { ackEntry, claimStaleEntry, connectRedis, deadLetterEntry, ensureGroup, readCrashes, readDeliveryCount,
  readNewEntries, readQueueStats, recordCrash, renewLeases } from './streams.js'
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
  /** Entries of our batch that another consumer took over before we started them. */
  lostLeases: number
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
  // The entry between the start of its job and its ack: the one to blame if the process crashes.
  let current: string | null = null
  let isStopping = false
  let loop: Promise<void> | null = null
  const stats: ConsumerProgress = {
    consumer, pid: process.pid, done: 0, rewritten: 0, deadLettered: 0, reclaimed: 0, alreadyAcked: 0, lostLeases: 0,
    dbRetries: 0, isWaitingForDb: false, held: 0, lastError: null,
  }
  const noteError = (error: unknown) => { stats.lastError = String((error as Error)?.message ?? error) }

  // Entries waiting in our batch or for the database are ours and must not look stale; the job
  // whose handler is running is not renewed, so a handler that hangs loses its entry after minIdleMs.
  // An entry found taken over (we were stopped longer than minIdleMs) is dropped from our batch:
  // its new owner does it.
  const renew = () => {
    const ids = [...held].filter(id => id !== running)
    renewLeases(redis, config, consumer, ids).then(lost => {
      for (const id of lost) {
        if (held.delete(id)) {
          stats.lostLeases++
          log(`${id} was taken over by another consumer; skipping it`)
        }
      }
    }, noteError)
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

  async function processEntry(entry: StreamEntry, deliveries: number, crashes = 0): Promise<void> {
    const bytes = findJobField(entry.fields)
    const parsed = bytes ? parseJob(bytes) : { ok: false as const, reason: 'wrong-shape', detail: 'the entry has no "job" field' }
    if (!parsed.ok) return deadLetter(entry, parsed.reason, parsed.detail, deliveries)
    current = entry.id
    try {
      running = entry.id
      try {
        await handleJob(parsed.job)
      } finally {
        running = null
      }
      const outcome = await saveWithRetry(parsed.job, { streamId: entry.id, consumer, deliveries }, entry)
      if (outcome === 'rejected' || outcome === 'stopped') return
      if (outcome === 'updated') stats.rewritten++
      if (await ackEntry(redis, config, entry.id, crashes > 0) === 0) stats.alreadyAcked++
      stats.done++
    } finally {
      current = null
    }
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
          // Only a crash the dying worker recorded blames the job: an entry held by a worker that
          // was SIGKILLed from outside is innocent, and the delivery count alone cannot tell.
          const crashes = await readCrashes(redis, config, entry.id)
          if (crashes.count >= config.maxCrashes) {
            await deadLetter(entry, 'crashed-worker',
              `crashed its worker ${crashes.count} times in ${unacked} deliveries; last error: ${crashes.lastError}`, unacked)
          } else if (unacked >= config.maxDeliveries) {
            await deadLetter(entry, 'max-deliveries', `delivered ${unacked} times without an ack`, unacked)
          } else {
            log(`redelivery of ${entry.id} (delivery ${deliveries}, ${crashes.count} crash(es) recorded)`)
            await processEntry(entry, deliveries, crashes.count)
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
    options.onReady?.()
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
          if (!held.has(entry.id)) continue
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
    async recordCrash(error) {
      if (current === null) return
      const message = String((error as Error)?.stack ?? error).slice(0, 2000)
      const timeout = new Promise<void>(resolve => setTimeout(resolve, CRASH_RECORD_TIMEOUT_MS).unref())
      await Promise.race([recordCrash(redis, config, current, message).catch(() => {}), timeout])
    },
  }
}
