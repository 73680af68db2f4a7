/**
 * The producer: appends jobs to the stream, one entry per job with the JSON in the `job` field.
 * Run it from the command line to fill the queue:
 *
 *   node --import tsx examples/queue-to-db/producer.ts 10000
 *
 * XADD is acknowledged by Redis once the entry is in the stream; if the producer dies before
 * it learns that, sending the same job (same id) again is safe: the table keys on the job id.
 */
import { pathToFileURL } from 'node:url'
import type { Redis } from 'ioredis'
import { readQueueConfig } from './config.js'
import type { Job } from './job.js'
import { JOB_FIELD } from './job.js'
import { connectRedis } from './streams.js'

/** Entries sent per pipeline round trip. */
const CHUNK_SIZE = 500

/**
 * Appends raw job payloads to `stream` (`Job` objects are JSON-encoded, strings and buffers
 * are sent as they are, which is how the tests inject bad input). Resolves to the entry ids.
 *
 * @example
 * await produceJobs(redis, 'jobs', [{ id: 'a1', name: 'first', amount: 100 }])
 */
export async function produceJobs(redis: Redis, stream: string, jobs: Iterable<Job | string | Buffer>): Promise<string[]> {
  const ids: string[] = []
  let pipeline = redis.pipeline()
  let queued = 0
  const flush = async () => {
    const results = (await pipeline.exec()) ?? []
    for (const [error, id] of results) {
      if (error) throw error
      ids.push(String(id))
    }
    pipeline = redis.pipeline()
    queued = 0
  }
  for (const job of jobs) {
    const payload = typeof job === 'string' || Buffer.isBuffer(job) ? job : JSON.stringify(job)
    pipeline.call('XADD', stream, '*', JOB_FIELD, payload)
    if (++queued === CHUNK_SIZE) await flush()
  }
  if (queued > 0) await flush()
  return ids
}

/** `count` well-formed jobs with ids `<prefix>-0` … `<prefix>-<count-1>`. */
export function* makeJobs(count: number, prefix: string): Generator<Job> {
  for (let i = 0; i < count; i++) yield { id: `${prefix}-${i}`, name: `job ${i}`, amount: i * 100 }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1000)
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`Expected the job count to be an integer from 1 and up, got \`${process.argv[2]}\``)
  }
  const config = readQueueConfig()
  const redis = connectRedis(config.redisUrl, 'queue-to-db-producer')
  try {
    const prefix = `job-${Date.now().toString(36)}`
    await produceJobs(redis, config.stream, makeJobs(count, prefix))
    console.log(`added ${count} jobs (${prefix}-0 … ${prefix}-${count - 1}) to stream "${config.stream}" on ${config.redisUrl}`)
  } finally {
    redis.disconnect()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
