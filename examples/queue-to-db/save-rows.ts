/**
 * Writes a batch's rows in one commit, waiting out a database outage: a lost or refused
 * connection, a deadlock or a lock timeout is retried with backoff, the entries neither acked
 * nor dead-lettered meanwhile. Only an error about a job's own values dead-letters that job
 * (the batch is then written row by row to find it).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ConsumerContext, Delivery } from './context.js'
import { deadLetter } from './dead-letter.js'
import { noteError } from './progress.js'
import { classifyDbError } from './store.js'
import type { SaveRow } from './store.js'

/** A row to write and the delivery it comes from. */
export type BatchRow = SaveRow & { delivery: Delivery }

/** Runs `write` until it succeeds; `false` if we are stopping (the entries stay pending). */
async function retryWhileDbIsDown<T>(ctx: ConsumerContext, what: string, write: () => Promise<T>): Promise<{ value: T } | false> {
  const { config, stats } = ctx
  let delay = config.retryInitialMs
  try {
    for (;;) {
      try {
        return { value: await write() }
      } catch (error) {
        const kind = classifyDbError(error)
        if (kind === 'job') throw error
        noteError(stats, error)
        if (!stats.isWaitingForDb) ctx.log(`database ${kind} error on ${what}, retrying: ${stats.lastError}`)
        stats.dbRetries++
        stats.isWaitingForDb = true
        // Not acked, not dead-lettered: the entries stay ours (their leases are renewed) until the write succeeds.
        if (ctx.isStopping()) return false
        await sleep(delay)
        delay = Math.min(delay * 2, config.retryMaxMs)
      }
    }
  } finally {
    stats.isWaitingForDb = false
  }
}

/**
 * Writes the rows; resolves to the rows that were committed (those the database refused are
 * dead-lettered instead), or `false` if we stopped before anything was committed.
 */
export async function saveRows(ctx: ConsumerContext, rows: BatchRow[]): Promise<BatchRow[] | false> {
  try {
    const saved = await retryWhileDbIsDown(ctx, `${rows.length} job(s)`, () => ctx.store.saveJobs(rows))
    if (!saved) return false
    ctx.stats.rewritten += saved.value.updated
    return rows
  } catch {
    // The database refused a value of one of the jobs: write them one by one to find it.
    const committed: BatchRow[] = []
    for (const row of rows) {
      try {
        const saved = await retryWhileDbIsDown(ctx, row.job.id, () => ctx.store.saveJob(row.job, row.meta))
        if (!saved) return committed.length > 0 ? committed : false
        if (saved.value === 'updated') ctx.stats.rewritten++
        committed.push(row)
      } catch (error) {
        await deadLetter(ctx, row.delivery.entry, 'db-rejected', String((error as Error).message), row.meta.deliveries)
      }
    }
    return committed
  }
}
