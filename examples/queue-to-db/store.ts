/**
 * The database side: one MariaDB table keyed by the producer's job id, written with an
 * idempotent upsert so that a redelivered job updates its row instead of adding one.
 */
import mysql from 'mysql2/promise'
import type { Job } from './job.js'

/** Where a write came from; stored next to the job for the audit. */
export interface SaveMeta {
  /** The stream entry id. */
  streamId: string
  /** The consumer that wrote the row. */
  consumer: string
  /** Which delivery of the entry this was (1 = first). */
  deliveries: number
}

/** One job and where it came from. */
export interface SaveRow {
  job: Job
  meta: SaveMeta
}

/** `inserted`: first write of this id; `updated`: the row existed (the job was redelivered). */
export type SaveOutcome = 'inserted' | 'updated'

/** How a failed write must be handled. */
export type DbErrorKind =
  /** The database is unreachable or busy: retry later, do not ack, do not dead-letter. */
  | 'temporary'
  /** The database refuses this job's values: dead-letter the job. */
  | 'job'
  /** Anything else (a missing table, a privilege): retry later and log, never drop the job. */
  | 'unknown'

export interface JobStore {
  /** Creates the table if it does not exist. */
  ensureTable(): Promise<void>
  /** Writes one job in its own autocommitted statement; resolves once it is committed. */
  saveJob(job: Job, meta: SaveMeta): Promise<SaveOutcome>
  /**
   * Writes several jobs in one autocommitted multi-row upsert: all of them are committed, or
   * none. Resolves to how many rows were new and how many existed (written again).
   */
  saveJobs(rows: readonly SaveRow[]): Promise<{ inserted: number; updated: number }>
  /** Closes the pool. */
  close(): Promise<void>
}

export interface JobStoreOptions {
  /** `mysql://user:password@host:port/database` */
  url: string
  /** The table name, already checked to be a plain identifier. */
  table: string
  /** @default 2 */
  connectionLimit?: number
}

/** Per statement: a connection that accepts but never answers must not hold a job forever. */
const QUERY_TIMEOUT_MS = 10_000
/** A refused or black-holed server must fail fast so the job goes back to the retry loop. */
const CONNECT_TIMEOUT_MS = 3_000

const TEMPORARY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
])
const JOB_CODES = new Set([
  'ER_DATA_TOO_LONG',
  'ER_TRUNCATED_WRONG_VALUE',
  'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD',
  'ER_WARN_DATA_OUT_OF_RANGE',
  'ER_BAD_NULL_ERROR',
  'ER_WARN_NULL_TO_NOTNULL',
])

/**
 * Sorts a mysql2 error: only errors about the job's own values may dead-letter it; a lost
 * connection (mysql2 marks it `fatal`) or a refused one is temporary.
 */
export function classifyDbError(error: unknown): DbErrorKind {
  const { code, fatal } = (error ?? {}) as { code?: unknown; fatal?: unknown }
  if (typeof code === 'string' && JOB_CODES.has(code)) return 'job'
  if (fatal === true || (typeof code === 'string' && TEMPORARY_CODES.has(code))) return 'temporary'
  return 'unknown'
}

/**
 * Opens a pool on `url` for the table `table`.
 *
 * @example
 * const store = createJobStore({ url: process.env.XCLUSTER_MYSQL_URL!, table: 'jobs' })
 * await store.ensureTable()
 * await store.saveJob({ id: 'a1', name: 'x', amount: 5 }, { streamId: '1-0', consumer: 'c1', deliveries: 1 })
 */
export function createJobStore(options: JobStoreOptions): JobStore {
  const pool = mysql.createPool({
    uri: options.url,
    connectionLimit: options.connectionLimit ?? 2,
    connectTimeout: CONNECT_TIMEOUT_MS,
    enableKeepAlive: true,
  })
  const table = `\`${options.table}\``
  // `writes` counts every upsert: 1 = written once; more = a redelivery wrote it again
  // (harmless, and the figure the tests report as re-executions).
  const insert = `INSERT INTO ${table} (id, name, amount, stream_id, consumer, deliveries) VALUES`
  const onDuplicate = `ON DUPLICATE KEY UPDATE name = VALUES(name), amount = VALUES(amount), stream_id = VALUES(stream_id),
      consumer = VALUES(consumer), deliveries = VALUES(deliveries), writes = writes + 1`
  const upsert = `${insert} (?, ?, ?, ?, ?, ?) ${onDuplicate}`
  const toValues = ({ job, meta }: SaveRow) => [job.id, job.name, job.amount, meta.streamId, meta.consumer, meta.deliveries]
  return {
    async ensureTable() {
      await pool.query({
        sql: `CREATE TABLE IF NOT EXISTS ${table} (
          id VARCHAR(64) NOT NULL PRIMARY KEY,
          name VARCHAR(200) NOT NULL,
          amount BIGINT NOT NULL,
          stream_id VARCHAR(40) NOT NULL,
          consumer VARCHAR(200) NOT NULL,
          deliveries INT NOT NULL,
          writes INT NOT NULL DEFAULT 1,
          written_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
        timeout: QUERY_TIMEOUT_MS,
      })
    },
    async saveJob(job, meta) {
      const [result] = await pool.execute<mysql.ResultSetHeader>({ sql: upsert, timeout: QUERY_TIMEOUT_MS }, toValues({ job, meta }))
      // MariaDB reports 1 affected row for an insert, 2 for an update of an existing row.
      return result.affectedRows === 1 ? 'inserted' : 'updated'
    },
    async saveJobs(rows) {
      if (rows.length === 0) return { inserted: 0, updated: 0 }
      // query(), not execute(): one prepared statement per batch size would pile up on the server.
      const [result] = await pool.query<mysql.ResultSetHeader>({
        sql: `${insert} ${rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')} ${onDuplicate}`,
        values: rows.flatMap(toValues),
        timeout: QUERY_TIMEOUT_MS,
      })
      const updated = result.affectedRows - rows.length
      return { inserted: rows.length - updated, updated }
    },
    async close() {
      await pool.end()
    },
  }
}
