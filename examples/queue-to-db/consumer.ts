/**
 * The consumer core, independent of xcluster: reads a consumer group in batches, runs each job,
 * writes the batch's rows in one commit and acknowledges the entries only after it. Nothing is
 * lost because an entry leaves the group's pending list in exactly three ways: acked after its
 * row is committed, dead-lettered (acked in the same Redis script), or never (then XAUTOCLAIM
 * hands it to another consumer once it has been idle for `minIdleMs`).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { QueueConfig } from './config.js'
import { findJobField, parseJob } from './job.js'
import type { Job } from './job.js'
import { classifyDbError } from './store.js'
import type { JobStore, SaveRow } from './store.js'
import { ackEntries, blameSilentDeath, claimStaleEntries, clearRunning, connectRedis, deadLetterEntry, ensureGroup,
  markRunning, readDeliveryInfo, readNewEntries, readQueueStats, recordCrash, renewLeases, SILENT_DEATH } from './streams.js'
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

/** One entry to process and what is known of its past deliveries. */
interface Delivery {
  entry: StreamEntry
  /** XPENDING's delivery count, this one included. */
  deliveries: number
  /** Crashes recorded against its job. */
  crashes: number
}

/** Creates a consumer; nothing connects before {@link JobConsumer.run}. */
export function createJobConsumer(options: JobConsumerOptions): JobConsumer {
  const { config, consumer, store } = options
  const log = options.log ?? (() => {})
  const handleJob = options.handleJob ?? (() => {})
  const redis = connectRedis(config.redisUrl, `${consumer}:commands`)
  // XREADGROUP … BLOCK occupies its connection: give it one of its own.
  const blocking = connectRedis(config.redisUrl, `${consumer}:blocking`)
  // Entries delivered to us and not finished: their leases are renewed (but see `running`).
  const held = new Set<string>()
  // The entry whose job is running: not renewed, so a job that hangs loses it after minIdleMs,
  // and blamed if the process crashes.
  let running: string | null = null
  let isStopping = false
  let loop: Promise<void> | null = null
  const stats: ConsumerProgress = {
    consumer, pid: process.pid, done: 0, rewritten: 0, deadLettered: 0, reclaimed: 0, alreadyAcked: 0, lostLeases: 0,
    dbRetries: 0, isWaitingForDb: false, held: 0, lastError: null,
  }
  const noteError = (error: unknown) => { stats.lastError = String((error as Error)?.message ?? error) }

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

  /** Runs `write` until it succeeds; `false` if we are stopping (the entries stay pending). */
  async function retryWhileDbIsDown<T>(what: string, write: () => Promise<T>): Promise<{ value: T } | false> {
    let delay = config.retryInitialMs
    try {
      for (;;) {
        try {
          return { value: await write() }
        } catch (error) {
          const kind = classifyDbError(error)
          if (kind === 'job') throw error
          noteError(error)
          if (!stats.isWaitingForDb) log(`database ${kind} error on ${what}, retrying: ${stats.lastError}`)
          stats.dbRetries++
          stats.isWaitingForDb = true
          // Not acked, not dead-lettered: the entries stay ours (their leases are renewed) until the write succeeds.
          if (isStopping) return false
          await sleep(delay)
          delay = Math.min(delay * 2, config.retryMaxMs)
        }
      }
    } finally {
      stats.isWaitingForDb = false
    }
  }

  /** Writes the rows; resolves to the rows that were committed (some may be dead-lettered instead). */
  async function saveRows(rows: (SaveRow & { delivery: Delivery })[]): Promise<typeof rows | false> {
    try {
      const saved = await retryWhileDbIsDown(`${rows.length} job(s)`, () => store.saveJobs(rows))
      if (!saved) return false
      stats.rewritten += saved.value.updated
      return rows
    } catch {
      // The database refused a value of one of the jobs: write them one by one to find it.
      const committed: typeof rows = []
      for (const row of rows) {
        try {
          const saved = await retryWhileDbIsDown(row.job.id, () => store.saveJob(row.job, row.meta))
          if (!saved) return committed.length > 0 ? committed : false
          if (saved.value === 'updated') stats.rewritten++
          committed.push(row)
        } catch (error) {
          await deadLetter(row.delivery.entry, 'db-rejected', String((error as Error).message), row.meta.deliveries)
        }
      }
      return committed
    }
  }

  async function processBatch(batch: Delivery[]): Promise<void> {
    const rows: (SaveRow & { delivery: Delivery })[] = []
    for (const delivery of batch) {
      const { entry } = delivery
      // Entries not started stay pending; the next run reclaims them after minIdleMs.
      if (isStopping) break
      if (!held.has(entry.id)) continue
      const bytes = findJobField(entry.fields)
      const parsed = bytes ? parseJob(bytes) : { ok: false as const, reason: 'wrong-shape', detail: 'the entry has no "job" field' }
      if (!parsed.ok) {
        await deadLetter(entry, parsed.reason, parsed.detail, delivery.deliveries)
        held.delete(entry.id)
        continue
      }
      // A redelivered job is suspect: mark it while it runs, so that a death that cannot be
      // recorded (SIGKILL, out of memory) is still blamed on it. First deliveries skip the cost.
      const isSuspect = delivery.deliveries > 1
      if (isSuspect) await markRunning(redis, config, entry.id, consumer)
      running = entry.id
      try {
        await handleJob(parsed.job)
      } finally {
        running = null
      }
      // Not in `finally`: a job that throws leaves its marker and is blamed like a crash.
      if (isSuspect) await clearRunning(redis, config, entry.id, consumer)
      rows.push({ job: parsed.job, meta: { streamId: entry.id, consumer, deliveries: delivery.deliveries }, delivery })
    }
    if (rows.length === 0) return
    const committed = await saveRows(rows)
    if (!committed) return
    const ids = committed.map(row => row.delivery.entry.id)
    const crashed = committed.filter(row => row.delivery.crashes > 0).map(row => row.delivery.entry.id)
    // Only now, after the commit: a crash before this line leaves the entries pending.
    const acked = await ackEntries(redis, config, ids, crashed)
    stats.alreadyAcked += ids.length - acked
    stats.done += ids.length
    for (const id of ids) held.delete(id)
  }

  async function reclaimStale(): Promise<void> {
    let cursor = '0-0'
    do {
      const claimed = await claimStaleEntries(redis, config, consumer, cursor)
      cursor = claimed.cursor
      if (claimed.entries.length === 0) continue
      for (const entry of claimed.entries) held.add(entry.id)
      try {
        stats.reclaimed += claimed.entries.length
        const info = await readDeliveryInfo(redis, config, claimed.entries.map(entry => entry.id))
        const batch: Delivery[] = []
        for (const entry of claimed.entries) {
          let { crashes, lastError } = info.get(entry.id)!
          const { deliveries, diedRunning } = info.get(entry.id)!
          // The claim counted as a delivery: the ones before it were never acknowledged.
          const unacked = deliveries - 1
          // Only a death while the job ran blames it: the rest of a killed worker's batch is
          // innocent, and the delivery count alone cannot tell the two apart.
          if (diedRunning) {
            crashes = await blameSilentDeath(redis, config, entry.id)
            lastError = SILENT_DEATH
          }
          if (crashes >= config.maxCrashes) {
            await deadLetter(entry, 'crashed-worker',
              `crashed its worker ${crashes} times in ${unacked} deliveries; last error: ${lastError}`, unacked)
          } else if (config.maxDeliveries > 0 && unacked >= config.maxDeliveries) {
            await deadLetter(entry, 'max-deliveries', `delivered ${unacked} times without an ack`, unacked)
          } else {
            log(`redelivery of ${entry.id} (delivery ${deliveries}, ${crashes} crash(es) recorded)`)
            batch.push({ entry, deliveries, crashes })
          }
        }
        await processBatch(batch)
      } finally {
        held.clear()
      }
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
        await processBatch(entries.map(entry => ({ entry, deliveries: 1, crashes: 0 })))
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
      if (running === null) return
      const message = String((error as Error)?.stack ?? error).slice(0, 2000)
      const timeout = new Promise<void>(resolve => setTimeout(resolve, CRASH_RECORD_TIMEOUT_MS).unref())
      await Promise.race([recordCrash(redis, config, running, message).catch(() => {}), timeout])
    },
  }
}
