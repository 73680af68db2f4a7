/**
 * Moves an entry to the dead-letter stream with why, and everything it carried: the `job`
 * field's bytes exactly as produced, and every original field as `field:<name>`.
 */
import type { ConsumerContext } from './context.js'
import { findJobField } from './job.js'
import { deadLetterEntry } from './streams.js'
import type { StreamEntry } from './streams.js'

/**
 * Why an entry was dead-lettered: bad input (`invalid-json`, `wrong-shape`), a job that failed
 * `maxCrashes` times (`crashed-worker`, `timed-out`, `job-failed`, after the last failure), one
 * delivered `maxDeliveries` times (`max-deliveries`), or one the database refused (`db-rejected`).
 */
export type DeadLetterReason =
  | 'invalid-json'
  | 'wrong-shape'
  | 'crashed-worker'
  | 'timed-out'
  | 'job-failed'
  | 'max-deliveries'
  | 'db-rejected'

/** Acks `entry` and appends it to the dead-letter stream in one step; a no-op if it was no longer pending. */
export async function deadLetter(
  ctx: ConsumerContext,
  entry: StreamEntry,
  reason: DeadLetterReason,
  detail: string,
  deliveries: number,
): Promise<void> {
  const fields: (string | Buffer)[] = [
    'reason',
    reason,
    'detail',
    detail,
    'source-id',
    entry.id,
    'deliveries',
    String(deliveries),
    'consumer',
    ctx.consumer,
    'data',
    findJobField(entry.fields) ?? '',
  ]
  for (let i = 0; i + 1 < entry.fields.length; i += 2) {
    fields.push(`field:${entry.fields[i]!.toString('latin1')}`, entry.fields[i + 1]!)
  }
  if ((await deadLetterEntry(ctx.redis, ctx.config, entry.id, fields)) === 1) {
    ctx.stats.deadLettered++
    ctx.log(`dead-lettered ${entry.id}: ${reason} (${detail})`)
  }
}
