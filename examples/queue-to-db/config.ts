/**
 * Settings of the queue-to-db example, read from environment variables so that the master,
 * its workers and the producer agree without sharing code paths. The master passes the same
 * variables to every worker it forks.
 */

/** Every setting of the example; see {@link readQueueConfig} for the variables. */
export interface QueueConfig {
  /** `XCLUSTER_REDIS_URL` (default `redis://127.0.0.1:6390`). */
  redisUrl: string
  /** `XCLUSTER_MYSQL_URL` (default `mysql://xcluster:xcluster@127.0.0.1:3390/xcluster`). */
  mysqlUrl: string
  /** `QUEUE_STREAM`: the Redis stream the producer appends jobs to (default `jobs`). */
  stream: string
  /** `QUEUE_GROUP`: the consumer group shared by every worker (default `queue-to-db`). */
  group: string
  /** `QUEUE_DEAD_LETTER_STREAM`: where rejected entries go (default `<stream>:dead`). */
  deadLetterStream: string
  /** `QUEUE_TABLE`: the MariaDB table the jobs land in (default `jobs`). */
  table: string
  /** `QUEUE_BATCH`: entries read (or reclaimed) at once, written in one commit (default 50). */
  batchSize: number
  /** `QUEUE_BLOCK_MS`: how long one XREADGROUP blocks when the stream is empty (default 1000). */
  blockMs: number
  /**
   * `QUEUE_MIN_IDLE_MS`: how long an entry must sit unacknowledged in another consumer's
   * pending list before XAUTOCLAIM takes it (default 30000): how soon the entries of a dead or
   * frozen worker move on. Entries waiting in a worker's batch or for the database are kept
   * fresh by that worker (see `leaseMs`), and so is the running job's while `jobTimeoutMs`
   * bounds it. With the deadline off, the running job is not: then this must exceed the
   * slowest job, or healthy workers lose jobs to others.
   */
  minIdleMs: number
  /** `QUEUE_CLAIM_INTERVAL_MS`: how often a worker looks for stale entries (default minIdle/2, at most 5000). */
  claimIntervalMs: number
  /** How often a worker renews the idle time of the entries it holds (minIdle/3). */
  leaseMs: number
  /**
   * `QUEUE_JOB_TIMEOUT_MS`: the deadline of one job, in ms (default 30000); 0 turns it off.
   * When it expires, the handler's AbortSignal is aborted, the job counts as failed (like a
   * crash: retried after `minIdleMs`, dead-lettered as `timed-out` after `maxCrashes`
   * failures) and the worker goes on with its batch. While the deadline runs, the worker keeps
   * the running job's entry fresh, so a job may run longer than `minIdleMs`. Off, the running
   * job is not renewed and must finish within `minIdleMs`.
   */
  jobTimeoutMs: number
  /**
   * `QUEUE_PRUNE_IDLE_MS`: a consumer that has no pending entries, has not read or claimed
   * anything and has not reported itself alive for this long is removed from the group
   * (`XGROUP DELCONSUMER`) by the worker that looks for stale entries; 0 turns pruning off
   * (default 300000, 5 minutes; at least 1000). Live workers report every `pruneIdleMs / 4`.
   */
  pruneIdleMs: number
  /**
   * `QUEUE_MAX_CRASHES`: how many failures a job may cause before it is dead-lettered
   * (default 3). A job is blamed when its worker dies while running it: an uncaught exception
   * (recorded by the dying worker), or any death of a worker running a redelivered job
   * (SIGKILL, out of memory, a segfault, a hang), found from the marker it leaves. A job that
   * runs past `jobTimeoutMs` or whose handler rejects is blamed the same way.
   */
  maxCrashes: number
  /**
   * `QUEUE_MAX_DELIVERIES`: deliveries without an ack (XPENDING's delivery count) after which an
   * entry is dead-lettered whatever happened; 0 turns this cap off (default 0). Off by default
   * because a worker killed from outside (a deploy, an operator's kill -9) leaves its whole batch
   * unacknowledged: the count rises for jobs that did nothing wrong.
   */
  maxDeliveries: number
  /** `<stream>:crashes`: the hash of failure counts, last errors and running markers, by entry id. */
  crashKey: string
  /** `<stream>:alive`: when each live consumer last reported itself alive (a sorted set, Redis time in ms). */
  aliveKey: string
  /** `QUEUE_DB_CONNECTIONS`: MariaDB pool size per worker (default 2). */
  dbConnections: number
  /** `QUEUE_RETRY_INITIAL_MS` / `QUEUE_RETRY_MAX_MS`: backoff while the database is unreachable (50 / 2000). */
  retryInitialMs: number
  retryMaxMs: number
  /** `QUEUE_WORK_MS`: simulated work per job, in ms (default 0). */
  workMs: number
  /**
   * `QUEUE_CRASH_IDS`: comma-separated job ids that make the worker crash with an uncaught
   * exception, to show how a poison job is dead-lettered (default none).
   */
  crashIds: ReadonlySet<string>
  /**
   * `QUEUE_SIGKILL_IDS`: comma-separated job ids that make the worker SIGKILL itself, as the
   * out-of-memory killer would: a death that leaves no error behind (default none).
   */
  sigkillIds: ReadonlySet<string>
  /**
   * `QUEUE_HANG_IDS`: comma-separated job ids whose handler never settles and ignores its
   * AbortSignal, to show the job deadline at work (default none).
   */
  hangIds: ReadonlySet<string>
}

/** Default Redis URL: the test server started by `scripts/services.sh`. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6390'
/** Default MariaDB URL: the test server and user created by `scripts/services.sh`. */
export const DEFAULT_MYSQL_URL = 'mysql://xcluster:xcluster@127.0.0.1:3390/xcluster'
/** Default job deadline: 30 s. */
export const DEFAULT_JOB_TIMEOUT_MS = 30_000
/** Default idle time after which an empty consumer is removed: 5 minutes. */
export const DEFAULT_PRUNE_IDLE_MS = 300_000
/** Shortest pruning threshold: 1 s. */
const MIN_PRUNE_IDLE_MS = 1000

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`Expected \`${name}\` to be an integer from ${min} and up, got \`${raw}\``)
  }
  return value
}

function readIdList(raw: string | undefined): ReadonlySet<string> {
  return new Set(
    (raw ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
}

/**
 * Reads the example's settings from `env`.
 *
 * @example
 * const config = readQueueConfig({ ...process.env, QUEUE_STREAM: 'orders' })
 */
export function readQueueConfig(env: NodeJS.ProcessEnv = process.env): QueueConfig {
  const stream = env.QUEUE_STREAM || 'jobs'
  const table = env.QUEUE_TABLE || 'jobs'
  if (!IDENTIFIER.test(table)) {
    throw new TypeError(`Expected \`QUEUE_TABLE\` to be a plain SQL identifier (letters, digits, _), got \`${table}\``)
  }
  const minIdleMs = readInteger(env, 'QUEUE_MIN_IDLE_MS', 30_000, 100)
  const retryInitialMs = readInteger(env, 'QUEUE_RETRY_INITIAL_MS', 50, 1)
  const pruneIdleMs = readInteger(env, 'QUEUE_PRUNE_IDLE_MS', DEFAULT_PRUNE_IDLE_MS, 0)
  // Live workers report every pruneIdleMs / 4: shorter would be chatty for no gain.
  if (pruneIdleMs !== 0 && pruneIdleMs < MIN_PRUNE_IDLE_MS) {
    throw new RangeError(
      `Expected \`QUEUE_PRUNE_IDLE_MS\` to be 0 (off) or an integer from ${MIN_PRUNE_IDLE_MS} and up, got \`${pruneIdleMs}\``,
    )
  }
  return {
    redisUrl: env.XCLUSTER_REDIS_URL || DEFAULT_REDIS_URL,
    mysqlUrl: env.XCLUSTER_MYSQL_URL || DEFAULT_MYSQL_URL,
    stream,
    group: env.QUEUE_GROUP || 'queue-to-db',
    deadLetterStream: env.QUEUE_DEAD_LETTER_STREAM || `${stream}:dead`,
    table,
    batchSize: readInteger(env, 'QUEUE_BATCH', 50, 1),
    blockMs: readInteger(env, 'QUEUE_BLOCK_MS', 1000, 1),
    minIdleMs,
    claimIntervalMs: readInteger(env, 'QUEUE_CLAIM_INTERVAL_MS', Math.min(Math.floor(minIdleMs / 2), 5000), 10),
    leaseMs: Math.floor(minIdleMs / 3),
    jobTimeoutMs: readInteger(env, 'QUEUE_JOB_TIMEOUT_MS', DEFAULT_JOB_TIMEOUT_MS, 0),
    pruneIdleMs,
    maxCrashes: readInteger(env, 'QUEUE_MAX_CRASHES', 3, 1),
    maxDeliveries: readInteger(env, 'QUEUE_MAX_DELIVERIES', 0, 0),
    crashKey: `${stream}:crashes`,
    aliveKey: `${stream}:alive`,
    dbConnections: readInteger(env, 'QUEUE_DB_CONNECTIONS', 2, 1),
    retryInitialMs,
    retryMaxMs: readInteger(env, 'QUEUE_RETRY_MAX_MS', 2000, retryInitialMs),
    workMs: readInteger(env, 'QUEUE_WORK_MS', 0, 0),
    crashIds: readIdList(env.QUEUE_CRASH_IDS),
    sigkillIds: readIdList(env.QUEUE_SIGKILL_IDS),
    hangIds: readIdList(env.QUEUE_HANG_IDS),
  }
}
