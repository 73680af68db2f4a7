/**
 * Failure records: what a job did to its workers, kept in the hash `<stream>:crashes` by entry
 * id, so that the worker that gets the entry next can blame the job and dead-letter it after
 * `maxCrashes` failures. Fields, for entry `<id>`:
 *
 * - `<id>`: how many failures were blamed on its job;
 * - `<id>:error`: the last one's error;
 * - `<id>:kind`: `timed-out` or `job-failed` when the last failure was one; absent for a crash;
 * - `<id>:running`: the consumer running the (redelivered) job right now, left behind if it dies.
 *
 * The dead letters' `reason` and `detail` texts are here too.
 */
import type { Redis } from 'ioredis'
import type { QueueConfig } from './config.js'

/** How a job failed; the `reason` of its dead letter once it has failed `maxCrashes` times. */
export type FailureKind =
  /** Its worker died while running it (uncaught exception, SIGKILL, out of memory, a hang). */
  | 'crashed-worker'
  /** It ran past `QUEUE_JOB_TIMEOUT_MS`. */
  | 'timed-out'
  /** Its handler threw or rejected. */
  | 'job-failed'

/** The error recorded when a worker died running a job without saying why. */
export const SILENT_DEATH =
  'its worker died while running it without recording an error (SIGKILL, out of memory, a crash in native code, or a hang)'

/** Longest error text kept in a record: a stack trace, not a novel. */
const MAX_ERROR_LENGTH = 2000

/** The text recorded for an error: the stack when there is one. */
export function describeError(error: unknown): string {
  return String((error as Error)?.stack ?? error).slice(0, MAX_ERROR_LENGTH)
}

/**
 * The dead letter's `detail` for a job that failed `failures` times in `deliveries` deliveries.
 *
 * @example
 * describeFailures('crashed-worker', 3, 3, 'Error: boom')
 * // 'crashed its worker 3 times in 3 deliveries; last error: Error: boom'
 */
export function describeFailures(kind: FailureKind, failures: number, deliveries: number, lastError: string): string {
  switch (kind) {
    // Every failure was (or the last one was) a dead worker.
    case 'crashed-worker':
      return `crashed its worker ${failures} times in ${deliveries} deliveries; last error: ${lastError}`
    // The last failure was the job deadline; earlier ones may have been crashes.
    case 'timed-out':
      return `failed ${failures} times in ${deliveries} deliveries, the last time by running past its deadline; last error: ${lastError}`
    // The last failure was an error thrown by the job's handler.
    case 'job-failed':
      return `failed ${failures} times in ${deliveries} deliveries, the last time with an error; last error: ${lastError}`
  }
}

/** Reads a `<id>:kind` field: anything but a known kind is a crash. */
export function readFailureKind(value: string | null | undefined): FailureKind {
  return value === 'timed-out' || value === 'job-failed' ? value : 'crashed-worker'
}

/** Every field of entry `id` in the hash, for HDEL. */
export function failureFields(id: string): string[] {
  return [id, `${id}:error`, `${id}:kind`, `${id}:running`]
}

/** Notes that the job of entry `id` crashed its worker (called by the dying worker). */
export async function recordCrash(redis: Redis, config: QueueConfig, id: string, message: string): Promise<void> {
  await redis
    .multi()
    .hincrby(config.crashKey, id, 1)
    .hset(config.crashKey, `${id}:error`, message)
    .hdel(config.crashKey, `${id}:running`, `${id}:kind`)
    .exec()
}

/** Blames the job of entry `id` for the silent death of the worker that left its running marker; resolves to its failure count. */
export async function blameSilentDeath(redis: Redis, config: QueueConfig, id: string): Promise<number> {
  const results = await redis
    .multi()
    .hincrby(config.crashKey, id, 1)
    .hset(config.crashKey, `${id}:error`, SILENT_DEATH)
    .hdel(config.crashKey, `${id}:running`, `${id}:kind`)
    .exec()
  return Number(results?.[0]?.[1] ?? 1)
}

// Blames the job only if this consumer still owns the entry: a worker that froze past minIdleMs
// and whose entry was taken over must not charge the job for its own stall.
const RECORD_FAILURE_SCRIPT = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2]) == 0 then return 0 end
local failures = redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('HSET', KEYS[2], ARGV[3] .. ':error', ARGV[5], ARGV[3] .. ':kind', ARGV[4])
redis.call('HDEL', KEYS[2], ARGV[3] .. ':running')
return failures`

/**
 * Blames the job of entry `id` for a failure its worker survived (a timeout, an error); resolves
 * to its failure count, or 0 if `consumer` no longer owns the entry (nothing recorded).
 */
export async function recordJobFailure(
  redis: Redis,
  config: QueueConfig,
  consumer: string,
  id: string,
  kind: Exclude<FailureKind, 'crashed-worker'>,
  message: string,
): Promise<number> {
  return Number(
    await redis.call('EVAL', RECORD_FAILURE_SCRIPT, 2, config.stream, config.crashKey, config.group, consumer, id, kind, message),
  )
}

/** Leaves a marker while the job of entry `id` runs: if we die meanwhile, the next claimer blames the job. */
export async function markRunning(redis: Redis, config: QueueConfig, id: string, consumer: string): Promise<void> {
  await redis.hset(config.crashKey, `${id}:running`, consumer)
}

// Removes our marker only: a consumer that froze and resumed must not erase its successor's.
const CLEAR_RUNNING_SCRIPT = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`

/** Removes the marker once the job has run. */
export async function clearRunning(redis: Redis, config: QueueConfig, id: string, consumer: string): Promise<void> {
  await redis.call('EVAL', CLEAR_RUNNING_SCRIPT, 1, config.crashKey, `${id}:running`, consumer)
}
