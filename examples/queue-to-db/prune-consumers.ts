/**
 * Removes dead consumers from the group. Every worker process joins under a new name, so
 * without this `XINFO CONSUMERS` would list every worker that ever ran.
 *
 * A consumer is removed once it has no pending entries, Redis has seen it neither read nor
 * claim anything for `pruneIdleMs`, and it has not reported itself alive for as long. The last
 * condition is what spares live workers on an empty stream: Redis 7.0 does not count a read or a
 * claim that returns nothing as activity (checked on 7.0.15), so their `idle` grows too.
 *
 * Who prunes: the worker that has just looked for stale entries (XAUTOCLAIM), not the master.
 * The rule needs only what Redis knows, so it holds for consumers of any host and of an earlier
 * run that no master remembers; the master knows which of its own workers exited, but not when
 * their entries were claimed, which is what decides. Right after its claim pass, the pruner
 * removes a dead consumer as soon as its last entries have been taken over. Several workers may
 * prune at once: the script is atomic.
 */
import type { Redis } from 'ioredis'
import type { QueueConfig } from './config.js'

// Redis's clock, not ours: workers on several hosts compare the same timestamps.
const NOW_MS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)`

const MARK_ALIVE_SCRIPT = `${NOW_MS}
redis.call('ZADD', KEYS[1], now, ARGV[1])
return now`

// Atomic, so that no read can hand a consumer entries between the check and the delete:
// XGROUP DELCONSUMER drops a consumer's pending entries from the group, which would lose them.
const PRUNE_SCRIPT = `${NOW_MS}
local threshold = tonumber(ARGV[2])
local removed = {}
for _, flat in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local consumer = {}
  for i = 1, #flat, 2 do consumer[flat[i]] = flat[i + 1] end
  if consumer.pending == 0 and consumer.idle >= threshold and consumer.name ~= ARGV[3] then
    local alive = redis.call('ZSCORE', KEYS[2], consumer.name)
    if not alive or now - tonumber(alive) >= threshold then
      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], consumer.name)
      redis.call('ZREM', KEYS[2], consumer.name)
      removed[#removed + 1] = consumer.name
    end
  end
end
-- Reports of consumers that died before they joined the group, or still own entries: a stale
-- report counts as none.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - threshold))
return removed`

/**
 * Reports `consumer` alive, so that no worker prunes it while it holds nothing. Workers call it
 * every `pruneIdleMs / 4`.
 */
export async function markAlive(redis: Redis, config: QueueConfig, consumer: string): Promise<void> {
  await redis.call('EVAL', MARK_ALIVE_SCRIPT, 1, config.aliveKey, consumer)
}

/** Withdraws the report of a consumer that stops: it is pruned once its entries are claimed. */
export async function forgetAlive(redis: Redis, config: QueueConfig, consumer: string): Promise<void> {
  await redis.zrem(config.aliveKey, consumer)
}

/**
 * Deletes every consumer of the group that has no pending entries and has been idle and silent
 * for `config.pruneIdleMs` or longer, except `self`. Resolves to the names removed.
 *
 * @example
 * const removed = await pruneIdleConsumers(redis, config, 'host-123-abc')
 */
export async function pruneIdleConsumers(redis: Redis, config: QueueConfig, self: string): Promise<string[]> {
  if (config.pruneIdleMs === 0) return []
  const removed = await redis.call('EVAL', PRUNE_SCRIPT, 2, config.stream, config.aliveKey, config.group, config.pruneIdleMs, self)
  return Array.isArray(removed) ? removed.map(String) : []
}
