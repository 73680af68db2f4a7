/**
 * One batch: runs each job under its deadline, writes the rows of those that succeeded in one
 * commit, and acknowledges their entries only after it. A job that fails (deadline, error) is
 * blamed and left pending for a later retry; the rest of the batch goes on.
 */
import type { ConsumerContext, Delivery } from './context.js'
import { deadLetter } from './dead-letter.js'
import { clearRunning, describeError, markRunning, recordJobFailure } from './failures.js'
import { findJobField, parseJob } from './job.js'
import type { Job } from './job.js'
import { JobTimeoutError, runJob } from './run-job.js'
import type { JobOutcome } from './run-job.js'
import { saveRows } from './save-rows.js'
import type { BatchRow } from './save-rows.js'
import { ackEntries } from './streams.js'

/**
 * Blames the job for a failure its worker survived and lets go of its entry: no longer renewed,
 * it goes back to the group after `minIdleMs`, to be retried or, after `maxCrashes` failures,
 * dead-lettered by whichever worker claims it.
 */
async function failJob(ctx: ConsumerContext, delivery: Delivery, job: Job, outcome: Extract<JobOutcome, { ok: false }>): Promise<void> {
  const { entry } = delivery
  ctx.leases.held.delete(entry.id)
  if (outcome.kind === 'timed-out') ctx.stats.timedOut++
  else ctx.stats.failedJobs++
  // A timeout's stack shows our timer, not the job: its message says it all.
  const error = outcome.error instanceof JobTimeoutError ? `${outcome.error.name}: ${outcome.error.message}` : describeError(outcome.error)
  const failures = await recordJobFailure(ctx.redis, ctx.config, ctx.consumer, entry.id, outcome.kind, error)
  const what = outcome.kind === 'timed-out' ? `ran past its ${ctx.config.jobTimeoutMs} ms deadline` : 'failed'
  ctx.log(
    failures > 0
      ? `job ${job.id} (${entry.id}) ${what} (failure ${failures} of ${ctx.config.maxCrashes}): ${String((outcome.error as Error)?.message ?? outcome.error)}`
      : `job ${job.id} (${entry.id}) ${what}, but another consumer had taken it over: not blamed`,
  )
}

/** Processes `batch`, whose entries are in `ctx.leases.held`; those not started when we stop stay pending. */
export async function processBatch(ctx: ConsumerContext, batch: Delivery[]): Promise<void> {
  const { config, consumer, redis, leases } = ctx
  const rows: BatchRow[] = []
  for (const delivery of batch) {
    const { entry } = delivery
    // Entries not started stay pending; the next run reclaims them after minIdleMs.
    if (ctx.isStopping()) break
    if (!leases.held.has(entry.id)) continue
    const bytes = findJobField(entry.fields)
    const parsed = bytes ? parseJob(bytes) : { ok: false as const, reason: 'wrong-shape' as const, detail: 'the entry has no "job" field' }
    if (!parsed.ok) {
      await deadLetter(ctx, entry, parsed.reason, parsed.detail, delivery.deliveries)
      leases.held.delete(entry.id)
      continue
    }
    // A redelivered job is suspect: mark it while it runs, so that a death that cannot be
    // recorded (SIGKILL, out of memory) is still blamed on it. First deliveries skip the cost.
    const isSuspect = delivery.deliveries > 1
    if (isSuspect) await markRunning(redis, config, entry.id, consumer)
    leases.running = entry.id
    let outcome: JobOutcome
    try {
      outcome = await runJob(ctx.handleJob, parsed.job, config.jobTimeoutMs)
    } finally {
      leases.running = null
    }
    if (!outcome.ok) {
      await failJob(ctx, delivery, parsed.job, outcome)
      // The failure record replaced our marker, unless the entry was taken over meanwhile: then
      // the marker must not blame the job for a death that did not happen.
      if (isSuspect) await clearRunning(redis, config, entry.id, consumer)
      continue
    }
    if (isSuspect) await clearRunning(redis, config, entry.id, consumer)
    rows.push({ job: parsed.job, meta: { streamId: entry.id, consumer, deliveries: delivery.deliveries }, delivery })
  }
  if (rows.length === 0) return
  const committed = await saveRows(ctx, rows)
  if (!committed) return
  const ids = committed.map((row) => row.delivery.entry.id)
  const crashed = committed.filter((row) => row.delivery.crashes > 0).map((row) => row.delivery.entry.id)
  // Only now, after the commit: a crash before this line leaves the entries pending.
  const acked = await ackEntries(redis, config, ids, crashed)
  ctx.stats.alreadyAcked += ids.length - acked
  ctx.stats.done += ids.length
  for (const id of ids) leases.held.delete(id)
}
