/**
 * Takes over the entries other consumers left pending (they died, froze, or let a failed job
 * go), blames the jobs that were running when their worker died, dead-letters those that have
 * failed `maxCrashes` times (or were delivered `maxDeliveries` times), processes the rest, and
 * then prunes the consumers left empty.
 */
import type { ConsumerContext, Delivery } from './context.js'
import { deadLetter } from './dead-letter.js'
import { blameSilentDeath, describeFailures, SILENT_DEATH } from './failures.js'
import { processBatch } from './process-batch.js'
import { pruneIdleConsumers } from './prune-consumers.js'
import { claimStaleEntries, readDeliveryInfo } from './streams.js'
import type { StreamEntry } from './streams.js'

/** Sorts claimed entries: each is dead-lettered here or returned for processing. */
async function judgeClaimed(ctx: ConsumerContext, entries: StreamEntry[]): Promise<Delivery[]> {
  const { config, redis } = ctx
  const info = await readDeliveryInfo(
    redis,
    config,
    entries.map((entry) => entry.id),
  )
  const batch: Delivery[] = []
  for (const entry of entries) {
    let { crashes, lastError, lastFailure } = info.get(entry.id)!
    const { deliveries, diedRunning } = info.get(entry.id)!
    // The claim counted as a delivery: the ones before it were never acknowledged.
    const unacked = deliveries - 1
    // Only a death while the job ran blames it: the rest of a killed worker's batch is
    // innocent, and the delivery count alone cannot tell the two apart.
    if (diedRunning) {
      crashes = await blameSilentDeath(redis, config, entry.id)
      lastError = SILENT_DEATH
      lastFailure = 'crashed-worker'
    }
    if (crashes >= config.maxCrashes) {
      await deadLetter(ctx, entry, lastFailure, describeFailures(lastFailure, crashes, unacked, lastError), unacked)
    } else if (config.maxDeliveries > 0 && unacked >= config.maxDeliveries) {
      await deadLetter(ctx, entry, 'max-deliveries', `delivered ${unacked} times without an ack`, unacked)
    } else {
      ctx.log(`redelivery of ${entry.id} (delivery ${deliveries}, ${crashes} failure(s) recorded)`)
      batch.push({ entry, deliveries, crashes })
    }
  }
  return batch
}

/** One pass over the group's pending list, batch by batch, then pruning. */
export async function reclaimStale(ctx: ConsumerContext): Promise<void> {
  const { held } = ctx.leases
  let cursor = '0-0'
  do {
    const claimed = await claimStaleEntries(ctx.redis, ctx.config, ctx.consumer, cursor)
    cursor = claimed.cursor
    if (claimed.entries.length === 0) continue
    for (const entry of claimed.entries) held.add(entry.id)
    try {
      ctx.stats.reclaimed += claimed.entries.length
      await processBatch(ctx, await judgeClaimed(ctx, claimed.entries))
    } finally {
      held.clear()
    }
  } while (cursor !== '0-0' && !ctx.isStopping())
  // After the claims: a dead consumer whose last entries were just taken over can go now.
  const removed = await pruneIdleConsumers(ctx.redis, ctx.config, ctx.consumer)
  ctx.stats.prunedConsumers += removed.length
  for (const name of removed)
    ctx.log(`removed consumer ${name} from the group: no pending entries, idle and silent for ${ctx.config.pruneIdleMs} ms`)
}
