/**
 * The Redis Streams commands the consumer needs, each a small typed wrapper. Replies are read
 * as Buffers so that a job's bytes reach the dead-letter stream exactly as the producer wrote
 * them, and the connections speak RESP2 so reply shapes do not depend on the protocol.
 */
import { Redis } from 'ioredis'
import type { QueueConfig } from './config.js'
import { failureFields, readFailureKind } from './failures.js'
import type { FailureKind } from './failures.js'

/** One stream entry: its id and its `[field, value, …]` list. */
export interface StreamEntry {
  id: string
  fields: Buffer[]
}

/** What the master shows and the tests wait on. */
export interface QueueStats {
  /** Entries in the stream (acknowledged ones included: the example never trims). */
  length: number
  /** Delivered to a consumer and not acknowledged yet. */
  pending: number
  /** Not delivered to any consumer yet; `null` when Redis cannot tell. */
  lag: number | null
  /** Entries in the dead-letter stream. */
  deadLettered: number
  /** Consumers known to the group (one per worker process that ever read). */
  consumers: number
}

/** Opens a connection; `lazyConnect` is off, commands queue until it is up. */
export function connectRedis(url: string, name: string): Redis {
  // No `blockingTimeout`/`commandTimeout`: a client-side timeout on XREADGROUP would give up on
  // entries that Redis has already put in our pending list (they would wait for XAUTOCLAIM).
  const redis = new Redis(url, { protocol: 2, connectionName: name, maxRetriesPerRequest: 20 })
  // Connection errors also reject the commands waiting on them, which is where the consumer
  // handles them; without a listener ioredis would print each reconnection attempt.
  redis.on('error', () => {})
  return redis
}

function asBuffers(value: unknown): Buffer[] {
  return Array.isArray(value) ? value.filter((item): item is Buffer => Buffer.isBuffer(item)) : []
}

/** Turns `[[id, [field, value, …]], …]` into entries; entries deleted from the stream come with `null` fields and are skipped. */
export function parseEntries(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply)) return []
  const entries: StreamEntry[] = []
  for (const item of reply) {
    if (!Array.isArray(item) || !Buffer.isBuffer(item[0]) || !Array.isArray(item[1])) continue
    entries.push({ id: item[0].toString('latin1'), fields: asBuffers(item[1]) })
  }
  return entries
}

/** Creates the group at the start of the stream (and the stream itself) unless it exists. */
export async function ensureGroup(redis: Redis, config: QueueConfig): Promise<void> {
  try {
    await redis.call('XGROUP', 'CREATE', config.stream, config.group, '0', 'MKSTREAM')
  } catch (error) {
    if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error
  }
}

/** Blocks up to `blockMs` for entries never delivered to anyone. Use a dedicated connection. */
export async function readNewEntries(blocking: Redis, config: QueueConfig, consumer: string): Promise<StreamEntry[]> {
  const reply = await blocking.callBuffer(
    'XREADGROUP',
    'GROUP',
    config.group,
    consumer,
    'COUNT',
    config.batchSize,
    'BLOCK',
    config.blockMs,
    'STREAMS',
    config.stream,
    '>',
  )
  if (!Array.isArray(reply) || reply.length === 0) return []
  const [first] = reply as unknown[][]
  return parseEntries(first?.[1])
}

/**
 * Takes up to `batchSize` entries idle for `minIdleMs` in any consumer's pending list (their
 * delivery count goes up by one), scanning from `cursor`.
 */
export async function claimStaleEntries(
  redis: Redis,
  config: QueueConfig,
  consumer: string,
  cursor: string,
): Promise<{ cursor: string; entries: StreamEntry[] }> {
  const reply = (await redis.callBuffer(
    'XAUTOCLAIM',
    config.stream,
    config.group,
    consumer,
    config.minIdleMs,
    cursor,
    'COUNT',
    config.batchSize,
  )) as unknown[]
  const next = Buffer.isBuffer(reply[0]) ? reply[0].toString('latin1') : '0-0'
  return { cursor: next, entries: parseEntries(reply[1]) }
}

/** What the group and the crash records say about one pending entry. */
export interface DeliveryInfo {
  /** XPENDING's delivery count, this delivery included (0 if no longer pending). */
  deliveries: number
  /** How many failures (worker deaths, timeouts, errors) its job has been blamed for. */
  crashes: number
  lastError: string
  /** What the last failure was. */
  lastFailure: FailureKind
  /** A worker was running its job and never finished: it died (or froze) with it. */
  diedRunning: boolean
}

/** Reads the delivery count and crash record of each id, in one round trip. */
export async function readDeliveryInfo(redis: Redis, config: QueueConfig, ids: string[]): Promise<Map<string, DeliveryInfo>> {
  const pipeline = redis.pipeline()
  for (const id of ids) {
    pipeline.call('XPENDING', config.stream, config.group, id, id, 1)
    pipeline.hmget(config.crashKey, id, `${id}:error`, `${id}:running`, `${id}:kind`)
  }
  const results = (await pipeline.exec()) ?? []
  const info = new Map<string, DeliveryInfo>()
  ids.forEach((id, i) => {
    const [pendingError, pending] = results[2 * i] ?? []
    const [crashError, crash] = results[2 * i + 1] ?? []
    if (pendingError) throw pendingError
    if (crashError) throw crashError
    const count = (pending as unknown[][] | undefined)?.[0]?.[3]
    const [crashes, lastError, runningBy, kind] = (crash as (string | null)[] | undefined) ?? []
    info.set(id, {
      deliveries: typeof count === 'number' ? count : 0,
      crashes: Number(crashes ?? 0),
      lastError: lastError ?? '',
      lastFailure: readFailureKind(kind),
      diedRunning: runningBy != null,
    })
  })
  return info
}

/**
 * XACK of several entries (and forgets the failure records of `crashed` ones); resolves to how
 * many were still pending, fewer when another consumer acknowledged some first.
 */
export async function ackEntries(redis: Redis, config: QueueConfig, ids: string[], crashed: string[] = []): Promise<number> {
  if (ids.length === 0) return 0
  if (crashed.length === 0) return Number(await redis.call('XACK', config.stream, config.group, ...ids))
  const [[, acked]] = (await redis
    .multi()
    .call('XACK', config.stream, config.group, ...ids)
    .hdel(config.crashKey, ...crashed.flatMap(failureFields))
    .exec()) as [[unknown, unknown]]
  return Number(acked)
}

// Acks and dead-letters in one step, and only if the ack took effect: a crash in between cannot
// leave the entry both pending and dead-lettered, and an entry is dead-lettered once.
const DEAD_LETTER_SCRIPT = `
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if acked == 1 then
  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
  redis.call('HDEL', KEYS[3], ARGV[2], ARGV[2] .. ':error', ARGV[2] .. ':kind', ARGV[2] .. ':running')
end
return acked`

/** Moves entry `id` to the dead-letter stream with `fields`; resolves to 0 if it was no longer pending. */
export async function deadLetterEntry(redis: Redis, config: QueueConfig, id: string, fields: (string | Buffer)[]): Promise<number> {
  return Number(
    await redis.call('EVAL', DEAD_LETTER_SCRIPT, 3, config.stream, config.deadLetterStream, config.crashKey, config.group, id, ...fields),
  )
}

// Resets the idle time of the entries this consumer still owns (XCLAIM … JUSTID does not count a
// delivery); an entry another consumer has taken meanwhile is left alone and returned.
const RENEW_SCRIPT = `
local lost = {}
for i = 3, #ARGV do
  local owner = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #owner == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    lost[#lost + 1] = ARGV[i]
  end
end
return lost`

/**
 * Keeps the given entries from looking stale to other consumers. Resolves to the ids this
 * consumer no longer owns (taken over while it was stopped, or already acknowledged).
 */
export async function renewLeases(redis: Redis, config: QueueConfig, consumer: string, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return []
  const lost = await redis.call('EVAL', RENEW_SCRIPT, 1, config.stream, config.group, consumer, ...ids)
  return Array.isArray(lost) ? lost.map(String) : []
}

function readField(flat: unknown[], name: string): unknown {
  const index = flat.indexOf(name)
  return index >= 0 ? flat[index + 1] : undefined
}

/** Reads the group's pending count and lag, the stream and dead-letter lengths. */
export async function readQueueStats(redis: Redis, config: QueueConfig): Promise<QueueStats> {
  const [groups, length, dead] = await Promise.all([
    redis.call('XINFO', 'GROUPS', config.stream).catch(() => []) as Promise<unknown[][]>,
    redis.call('XLEN', config.stream),
    redis.call('XLEN', config.deadLetterStream),
  ])
  const group = groups.find((flat) => readField(flat, 'name') === config.group) ?? []
  const lag = readField(group, 'lag')
  return {
    length: Number(length),
    pending: Number(readField(group, 'pending') ?? 0),
    lag: typeof lag === 'number' ? lag : null,
    deadLettered: Number(dead),
    consumers: Number(readField(group, 'consumers') ?? 0),
  }
}
