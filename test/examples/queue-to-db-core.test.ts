/**
 * The queue-to-db example's parts without xcluster: job parsing, settings, the database
 * writer and the stream consumer, against the real Redis and MariaDB from scripts/services.sh.
 * Without the servers (outside CI) the store and consumer suites are counted as skipped.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { readQueueConfig } from '../../examples/queue-to-db/config.js'
import { createJobConsumer } from '../../examples/queue-to-db/consumer.js'
import type { JobConsumer } from '../../examples/queue-to-db/consumer.js'
import { parseJob } from '../../examples/queue-to-db/job.js'
import type { Job } from '../../examples/queue-to-db/job.js'
import { markAlive } from '../../examples/queue-to-db/prune-consumers.js'
import { JobTimeoutError, runJob } from '../../examples/queue-to-db/run-job.js'
import { makeJobs, produceJobs } from '../../examples/queue-to-db/producer.js'
import { classifyDbError, createJobStore } from '../../examples/queue-to-db/store.js'
import { SILENT_DEATH } from '../../examples/queue-to-db/failures.js'
import { MYSQL_URL, SERVERS, createTestQueue, waitFor } from '../fixtures/queue-helpers.js'
import { whenAvailable } from '../helpers/when-available.js'
import type { TestQueue } from '../fixtures/queue-helpers.js'
import { startTcpProxy } from '../fixtures/queue-tcp-proxy.js'
import type { TcpProxy } from '../fixtures/queue-tcp-proxy.js'

const job = suite('queue-to-db job format')

job('accepts a well-formed job', () => {
  assert.equal(parseJob(Buffer.from('{"id":"a-1","name":"first","amount":-5}')), {
    ok: true,
    job: { id: 'a-1', name: 'first', amount: -5 },
  })
})

job('refuses bad JSON and bytes that are not UTF-8 as invalid-json', () => {
  assert.equal(parseJob(Buffer.from('{oops')).ok, false)
  const bad = parseJob(Buffer.from('{oops'))
  assert.ok(!bad.ok && bad.reason === 'invalid-json' && bad.detail.length > 0)
  assert.equal(parseJob(Buffer.from([0x7b, 0xff, 0x7d])), { ok: false, reason: 'invalid-json', detail: 'the job is not valid UTF-8' })
})

job('refuses wrong shapes with the field at fault', () => {
  const cases: [string, string][] = [
    ['[1]', 'expected an object, got an array'],
    ['null', 'expected an object, got null'],
    ['"x"', 'expected an object, got string'],
    ['{"id":"a","name":"n","amount":1,"__proto__":{"x":1}}', 'unknown field(s): __proto__'],
    ['{"id":"a b","name":"n","amount":1}', 'expected "id" to be 1 to 64 characters of A-Z a-z 0-9 _ - . :'],
    ['{"id":"a","name":7,"amount":1}', 'expected "name" to be a string of at most 200 characters'],
    ['{"id":"a","name":"n","amount":1.5}', 'expected "amount" to be a safe integer'],
  ]
  for (const [text, detail] of cases) assert.equal(parseJob(Buffer.from(text)), { ok: false, reason: 'wrong-shape', detail }, text)
})

job.run()

// ---

const config = suite('queue-to-db settings')

config('reads defaults and derives the dead-letter stream from the stream', () => {
  const c = readQueueConfig({ QUEUE_STREAM: 'orders' })
  assert.is(c.deadLetterStream, 'orders:dead')
  assert.is(c.minIdleMs, 30_000)
  assert.is(c.maxCrashes, 3)
  assert.is(c.maxDeliveries, 0)
  assert.is(c.crashKey, 'orders:crashes')
  assert.is(c.leaseMs, 10_000)
  assert.is(c.jobTimeoutMs, 30_000)
  assert.is(c.pruneIdleMs, 300_000)
  assert.is(c.aliveKey, 'orders:alive')
})

config('turns the job deadline and pruning off with 0, and rejects a pruning threshold under 1 s', () => {
  const off = readQueueConfig({ QUEUE_JOB_TIMEOUT_MS: '0', QUEUE_PRUNE_IDLE_MS: '0' })
  assert.equal([off.jobTimeoutMs, off.pruneIdleMs], [0, 0])
  assert.throws(
    () => readQueueConfig({ QUEUE_PRUNE_IDLE_MS: '500' }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message === 'Expected `QUEUE_PRUNE_IDLE_MS` to be 0 (off) or an integer from 1000 and up, got `500`',
  )
  assert.throws(
    () => readQueueConfig({ QUEUE_JOB_TIMEOUT_MS: '-1' }),
    (error: Error) =>
      error instanceof RangeError && error.message === 'Expected `QUEUE_JOB_TIMEOUT_MS` to be an integer from 0 and up, got `-1`',
  )
})

config('rejects a table name that is not a plain identifier', () => {
  assert.throws(
    () => readQueueConfig({ QUEUE_TABLE: 'jobs; DROP TABLE x' }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === 'Expected `QUEUE_TABLE` to be a plain SQL identifier (letters, digits, _), got `jobs; DROP TABLE x`',
  )
})

config('rejects a minimum idle time that is not an integer of at least 100 ms', () => {
  assert.throws(
    () => readQueueConfig({ QUEUE_MIN_IDLE_MS: '5' }),
    (error: Error) =>
      error instanceof RangeError && error.message === 'Expected `QUEUE_MIN_IDLE_MS` to be an integer from 100 and up, got `5`',
  )
})

config.run()

// ---

const deadline = suite('queue-to-db job deadline')
const JOB: Job = { id: 'j-1', name: 'one', amount: 1 }

deadline('aborts the signal of a job that never settles with a JobTimeoutError and reports it timed out', async () => {
  let seen: AbortSignal | undefined
  const outcome = await runJob(
    (_job, signal) => {
      seen = signal
      return new Promise(() => {})
    },
    JOB,
    50,
  )
  assert.ok(!outcome.ok && outcome.kind === 'timed-out')
  const error = (outcome as { error: unknown }).error
  assert.instance(error, JobTimeoutError)
  assert.is((error as JobTimeoutError).name, 'JobTimeoutError')
  assert.is((error as JobTimeoutError).code, 'ERR_JOB_TIMEOUT')
  assert.is((error as JobTimeoutError).message, 'job "j-1" did not finish within 50 ms (QUEUE_JOB_TIMEOUT_MS); its handler was aborted')
  assert.equal([(error as JobTimeoutError).jobId, (error as JobTimeoutError).timeout], ['j-1', 50])
  assert.ok(seen!.aborted)
  assert.is(seen!.reason, error)
})

deadline('reports a handler that throws or rejects as job-failed, and leaves the signal alone when the job succeeds', async () => {
  const boom = new Error('boom')
  assert.equal(
    await runJob(
      () => {
        throw boom
      },
      JOB,
      1000,
    ),
    { ok: false, kind: 'job-failed', error: boom },
  )
  assert.equal(await runJob(() => Promise.reject(boom), JOB, 0), { ok: false, kind: 'job-failed', error: boom })
  let seen: AbortSignal | undefined
  assert.equal(
    await runJob(
      async (_job, signal) => {
        seen = signal
      },
      JOB,
      1000,
    ),
    { ok: true },
  )
  assert.is(seen!.aborted, false)
})

deadline.run()

// ---

const store = whenAvailable(suite('queue-to-db job store'), SERVERS)
let storeQueue: TestQueue | undefined

store.after.each(async () => {
  await storeQueue?.cleanup()
  storeQueue = undefined
})

store('inserts a job once and updates the same row when it is written again', async () => {
  storeQueue = await createTestQueue('store')
  const jobs = createJobStore({ url: MYSQL_URL, table: storeQueue.config.table })
  try {
    await jobs.ensureTable()
    const meta = { streamId: '1-0', consumer: 'c1', deliveries: 1 }
    assert.is(await jobs.saveJob({ id: 'j1', name: 'one', amount: 1 }, meta), 'inserted')
    assert.is(await jobs.saveJob({ id: 'j1', name: 'one', amount: 1 }, { ...meta, deliveries: 2 }), 'updated')
    assert.equal(await storeQueue.rowStats(), { rows: 1, distinctIds: 1, rewritten: 1, redelivered: 1 })
  } finally {
    await jobs.close()
  }
})

store('sorts a refused connection as temporary and a value the table refuses as a job error', async () => {
  storeQueue = await createTestQueue('store')
  const closed = net.createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as net.AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const down = createJobStore({ url: `mysql://xcluster:xcluster@127.0.0.1:${port}/xcluster`, table: storeQueue.config.table })
  const up = createJobStore({ url: MYSQL_URL, table: storeQueue.config.table })
  try {
    const refused = await down.ensureTable().then(
      () => null,
      (error: unknown) => error,
    )
    assert.is((refused as { code?: string }).code, 'ECONNREFUSED')
    assert.is(classifyDbError(refused), 'temporary')
    await up.ensureTable()
    const tooLong = await up
      .saveJob({ id: 'j1', name: 'x'.repeat(300), amount: 1 }, { streamId: '1-0', consumer: 'c', deliveries: 1 })
      .then(
        () => null,
        (error: unknown) => error,
      )
    assert.is((tooLong as { code?: string }).code, 'ER_DATA_TOO_LONG')
    assert.is(classifyDbError(tooLong), 'job')
    assert.is(classifyDbError(new Error('other')), 'unknown')
  } finally {
    await down.close()
    await up.close()
  }
})

store.run()

// ---

const consumer = whenAvailable(suite('queue-to-db consumer'), SERVERS)
let queue: TestQueue | undefined
let running: JobConsumer[] = []
let proxy: TcpProxy | undefined

consumer.after.each(async () => {
  await Promise.all(running.map((c) => c.stop()))
  running = []
  await proxy?.close()
  proxy = undefined
  await queue?.cleanup()
  queue = undefined
})

interface ConsumerExtras {
  handleJob?: (job: Job, signal: AbortSignal) => unknown
  log?: (line: string) => void
}

function startConsumer(
  q: TestQueue,
  name: string,
  env: Record<string, string> = {},
  mysqlUrl = MYSQL_URL,
  extras: ConsumerExtras = {},
): JobConsumer {
  const c = readQueueConfig({ ...q.env, QUEUE_BLOCK_MS: '100', ...env })
  const created = createJobConsumer({
    config: c,
    consumer: name,
    store: createJobStore({ url: mysqlUrl, table: c.table }),
    ...extras,
  })
  running.push(created)
  created.run().catch((error) => console.error('consumer failed', error))
  return created
}

consumer('stores every valid job once and dead-letters bad input with its reason and original bytes', async () => {
  queue = await createTestQueue('core')
  const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d])
  await produceJobs(queue.redis, queue.config.stream, makeJobs(20, 'ok'))
  const [badJsonId, notUtf8Id, wrongShapeId] = await produceJobs(queue.redis, queue.config.stream, [
    '{"id": "x", oops',
    notUtf8,
    '{"id":"w1","name":"n"}',
  ])
  const noJobField = String(await queue.redis.call('XADD', queue.config.stream, '*', 'payload', 'hello'))
  const c = startConsumer(queue, 'core-1')
  await waitFor(
    '20 rows and 4 dead letters',
    async () => (await queue!.rowStats()).rows === 20 && (await queue!.deadLetters()).length === 4,
  )
  await waitFor('an empty pending list', async () => (await queue!.pending()) === 0)
  assert.equal(await queue.rowStats(), { rows: 20, distinctIds: 20, rewritten: 0, redelivered: 0 })
  const dead = new Map((await queue.deadLetters()).map((d) => [d.fields['source-id']!.toString(), d.fields]))
  assert.is(dead.get(badJsonId!)!.reason!.toString(), 'invalid-json')
  assert.is(dead.get(badJsonId!)!.data!.toString(), '{"id": "x", oops')
  assert.is(dead.get(notUtf8Id!)!.detail!.toString(), 'the job is not valid UTF-8')
  assert.ok(dead.get(notUtf8Id!)!.data!.equals(notUtf8), 'the dead letter keeps the original bytes')
  assert.is(dead.get(wrongShapeId!)!.reason!.toString(), 'wrong-shape')
  assert.is(dead.get(wrongShapeId!)!.detail!.toString(), 'expected "amount" to be a safe integer')
  assert.is(dead.get(noJobField)!.detail!.toString(), 'the entry has no "job" field')
  assert.is(dead.get(noJobField)!['field:payload']!.toString(), 'hello')
  const progress = c.progress()
  assert.is(progress.done, 20)
  assert.is(progress.deadLettered, 4)
  const stats = await c.queueStats()
  assert.equal(stats, { length: 24, pending: 0, lag: 0, deadLettered: 4, consumers: 1 })
})

consumer('takes over entries a dead consumer left pending and dead-letters one delivered too often', async () => {
  queue = await createTestQueue('core', { QUEUE_MIN_IDLE_MS: '200', QUEUE_MAX_DELIVERIES: '3' })
  const [retried, poison] = await produceJobs(queue.redis, queue.config.stream, makeJobs(2, 'stale'))
  await queue.redis.call('XGROUP', 'CREATE', queue.config.stream, queue.config.group, '0', 'MKSTREAM')
  // A consumer that read both entries and died: they stay in its pending list.
  await queue.redis.call('XREADGROUP', 'GROUP', queue.config.group, 'ghost', 'COUNT', 2, 'STREAMS', queue.config.stream, '>')
  // The poison entry has already been delivered 3 times without an ack.
  await queue.redis.call('XCLAIM', queue.config.stream, queue.config.group, 'ghost', 0, poison!, 'RETRYCOUNT', 3)
  const c = startConsumer(queue, 'core-2')
  await waitFor('an empty pending list', async () => (await queue!.pending()) === 0)
  assert.equal(await queue.rowStats(), { rows: 1, distinctIds: 1, rewritten: 0, redelivered: 1 })
  const dead = await queue.deadLetters()
  assert.is(dead.length, 1)
  assert.is(dead[0]!.fields['source-id']!.toString(), poison)
  assert.is(dead[0]!.fields.reason!.toString(), 'max-deliveries')
  assert.is(dead[0]!.fields.detail!.toString(), 'delivered 3 times without an ack')
  assert.is(dead[0]!.fields.deliveries!.toString(), '3')
  const [row] = (await queue.db.query(`SELECT stream_id, deliveries FROM \`${queue.config.table}\``))[0] as {
    stream_id: string
    deliveries: number
  }[]
  assert.equal(row, { stream_id: retried, deliveries: 2 })
  assert.is(c.progress().reclaimed, 2)
})

consumer('dead-letters an entry whose job crashed its worker maxCrashes times, and retries one that crashed fewer times', async () => {
  queue = await createTestQueue('core', { QUEUE_MIN_IDLE_MS: '200' })
  const [once, thrice] = await produceJobs(queue.redis, queue.config.stream, makeJobs(2, 'crashy'))
  await queue.redis.call('XGROUP', 'CREATE', queue.config.stream, queue.config.group, '0', 'MKSTREAM')
  await queue.redis.call('XREADGROUP', 'GROUP', queue.config.group, 'ghost', 'COUNT', 2, 'STREAMS', queue.config.stream, '>')
  await queue.redis.call('XCLAIM', queue.config.stream, queue.config.group, 'ghost', 0, thrice!, 'RETRYCOUNT', 3)
  // What dying workers record from their uncaughtException handler (recordCrash).
  await queue.redis.hset(queue.config.crashKey, once!, 1, `${once}:error`, 'Error: boom', thrice!, 3, `${thrice}:error`, 'Error: boom')
  startConsumer(queue, 'core-crash')
  await waitFor('an empty pending list', async () => (await queue!.pending()) === 0)
  assert.equal(await queue.rowStats(), { rows: 1, distinctIds: 1, rewritten: 0, redelivered: 1 })
  const dead = await queue.deadLetters()
  assert.is(dead.length, 1)
  assert.is(dead[0]!.fields['source-id']!.toString(), thrice)
  assert.is(dead[0]!.fields.reason!.toString(), 'crashed-worker')
  assert.is(dead[0]!.fields.detail!.toString(), 'crashed its worker 3 times in 3 deliveries; last error: Error: boom')
  assert.is(await queue.redis.exists(queue.config.crashKey), 0, 'both crash records are gone')
})

consumer('blames a job whose worker died while running it, from the marker it left', async () => {
  queue = await createTestQueue('core', { QUEUE_MIN_IDLE_MS: '200' })
  const [first, third] = await produceJobs(queue.redis, queue.config.stream, makeJobs(2, 'marked'))
  await queue.redis.call('XGROUP', 'CREATE', queue.config.stream, queue.config.group, '0', 'MKSTREAM')
  await queue.redis.call('XREADGROUP', 'GROUP', queue.config.group, 'ghost', 'COUNT', 2, 'STREAMS', queue.config.stream, '>')
  // The ghost was SIGKILLed while running these redelivered jobs: no error recorded, only markers.
  await queue.redis.hset(
    queue.config.crashKey,
    `${first}:running`,
    'ghost',
    `${third}:running`,
    'ghost',
    third!,
    2,
    `${third}:error`,
    'Error: boom',
  )
  const c = startConsumer(queue, 'core-marker')
  await waitFor('an empty pending list', async () => (await queue!.pending()) === 0)
  assert.equal(await queue.rowStats(), { rows: 1, distinctIds: 1, rewritten: 0, redelivered: 1 })
  const dead = await queue.deadLetters()
  assert.is(dead.length, 1)
  assert.is(dead[0]!.fields['source-id']!.toString(), third)
  assert.is(dead[0]!.fields.detail!.toString(), `crashed its worker 3 times in 1 deliveries; last error: ${SILENT_DEATH}`)
  assert.is(await queue.redis.exists(queue.config.crashKey), 0, 'every marker and record is gone')
  assert.is(c.progress().deadLettered, 1)
})

consumer('keeps jobs pending, unacknowledged and out of the dead-letter stream while the database is unreachable', async () => {
  queue = await createTestQueue('core', { QUEUE_MIN_IDLE_MS: '300' })
  const target = new URL(MYSQL_URL)
  proxy = await startTcpProxy('127.0.0.1', Number(target.port))
  const viaProxy = `mysql://xcluster:xcluster@127.0.0.1:${proxy.port}${target.pathname}`
  const c = startConsumer(queue, 'core-3', { QUEUE_RETRY_MAX_MS: '200' }, viaProxy)
  await produceJobs(queue.redis, queue.config.stream, makeJobs(5, 'first'))
  await waitFor('the first 5 rows', async () => (await queue!.rowStats()).rows === 5)
  await proxy.cut()
  await produceJobs(queue.redis, queue.config.stream, makeJobs(5, 'outage'))
  await waitFor('the consumer to wait for the database', () => c.progress().isWaitingForDb)
  // Longer than minIdleMs: the held entries must be renewed, not reclaimed by the consumer itself.
  await sleep(1000)
  // Nothing acknowledged: the 5 entries are either held by the consumer or not read yet.
  const during = await c.queueStats()
  assert.ok(during.pending >= 1, `${during.pending} pending`)
  assert.is(during.pending + (during.lag ?? NaN), 5)
  assert.is((await queue.deadLetters()).length, 0)
  assert.is((await queue.rowStats()).rows, 5)
  await proxy.restore()
  await waitFor('an empty pending list', async () => (await queue!.pending()) === 0)
  assert.equal(await queue.rowStats(), { rows: 10, distinctIds: 10, rewritten: 0, redelivered: 0 })
  const progress = c.progress()
  assert.ok(progress.dbRetries > 0, `retried ${progress.dbRetries} times`)
  assert.is(progress.reclaimed, 0)
  assert.is(progress.deadLettered, 0)
  assert.is(progress.done, 10)
})

consumer(
  'fails a job that runs past its deadline or rejects, goes on with its batch, and dead-letters each after maxCrashes failures',
  async () => {
    queue = await createTestQueue('core', { QUEUE_MIN_IDLE_MS: '200', QUEUE_JOB_TIMEOUT_MS: '100' })
    const [, hangId, , boomId] = await produceJobs(queue.redis, queue.config.stream, [
      { id: 'ok-0', name: 'ok', amount: 0 },
      { id: 'hang', name: 'never settles', amount: 1 },
      { id: 'ok-1', name: 'ok', amount: 1 },
      { id: 'boom', name: 'rejects', amount: 2 },
      { id: 'ok-2', name: 'ok', amount: 2 },
    ])
    const aborted: unknown[] = []
    const handleJob = (job: Job, signal: AbortSignal) => {
      // Ignores its signal: the worst case, a handler the deadline cannot stop.
      if (job.id === 'hang') {
        signal.addEventListener('abort', () => aborted.push(signal.reason))
        return new Promise(() => {})
      }
      if (job.id === 'boom') return Promise.reject(new Error('boom'))
      return undefined
    }
    const logs: string[] = []
    const c = startConsumer(queue, 'core-deadline', {}, MYSQL_URL, { handleJob, log: (line) => logs.push(line) })
    await waitFor(
      'two dead letters and an empty pending list',
      async () => (await queue!.deadLetters()).length === 2 && (await queue!.pending()) === 0,
    )
    // The rest of the batch was written on its first delivery: the failures held nothing up.
    assert.equal(await queue.rowStats(), { rows: 3, distinctIds: 3, rewritten: 0, redelivered: 0 })
    const dead = new Map((await queue.deadLetters()).map((d) => [d.fields['source-id']!.toString(), d.fields]))
    assert.is(dead.get(hangId!)!.reason!.toString(), 'timed-out')
    assert.is(dead.get(hangId!)!.deliveries!.toString(), '3')
    assert.is(
      dead.get(hangId!)!.detail!.toString(),
      'failed 3 times in 3 deliveries, the last time by running past its deadline; ' +
        'last error: JobTimeoutError: job "hang" did not finish within 100 ms (QUEUE_JOB_TIMEOUT_MS); its handler was aborted',
    )
    assert.is(dead.get(boomId!)!.reason!.toString(), 'job-failed')
    assert.match(
      dead.get(boomId!)!.detail!.toString(),
      /^failed 3 times in 3 deliveries, the last time with an error; last error: Error: boom\n {4}at /,
    )
    assert.is(aborted.length, 3)
    for (const reason of aborted) assert.instance(reason, JobTimeoutError)
    const progress = c.progress()
    assert.equal([progress.timedOut, progress.failedJobs, progress.deadLettered, progress.done], [3, 3, 2, 3])
    assert.ok(
      logs.includes(
        `job hang (${hangId}) ran past its 100 ms deadline (failure 1 of 3): job "hang" did not finish within 100 ms (QUEUE_JOB_TIMEOUT_MS); its handler was aborted`,
      ),
      logs.join('\n'),
    )
    assert.is(await queue.redis.exists(queue.config.crashKey), 0, 'no failure record left')
  },
)

/** The group's consumers but `except` (Redis 7.0 lists a consumer only once a read or claim returned something). */
consumer('does not blame a job that timed out after another consumer took its entry over', async () => {
  queue = await createTestQueue('core', { QUEUE_MIN_IDLE_MS: '60000', QUEUE_JOB_TIMEOUT_MS: '300' })
  const [id] = await produceJobs(queue.redis, queue.config.stream, [{ id: 'slow', name: 'hangs', amount: 1 }])
  let isRunning = false
  const logs: string[] = []
  const c = startConsumer(queue, 'core-slow', {}, MYSQL_URL, {
    handleJob: () => {
      isRunning = true
      return new Promise(() => {})
    },
    log: (line) => logs.push(line),
  })
  await waitFor('the job to run', () => isRunning)
  // What a worker that found the entry stale would do (say, this one froze past minIdleMs).
  await queue.redis.call('XCLAIM', queue.config.stream, queue.config.group, 'thief', 0, id!)
  await waitFor('the deadline', () => c.progress().timedOut === 1)
  await waitFor('the log line', () => logs.some((line) => line.startsWith('job slow')))
  assert.ok(
    logs.includes(`job slow (${id}) ran past its 300 ms deadline, but another consumer had taken it over: not blamed`),
    logs.join('\n'),
  )
  assert.is(await queue.redis.exists(queue.config.crashKey), 0, 'no failure recorded')
  const owner = (await queue.redis.call('XPENDING', queue.config.stream, queue.config.group, '-', '+', 10)) as [string, string][]
  assert.equal(
    owner.map(([entry, consumer]) => [entry, consumer]),
    [[id, 'thief']],
  )
})

async function readConsumers(q: TestQueue, except = 'core-pruner'): Promise<Map<string, { pending: number; idle: number }>> {
  const reply = (await q.redis.call('XINFO', 'CONSUMERS', q.config.stream, q.config.group)) as unknown[][]
  return new Map(
    reply
      .map(
        (flat) =>
          [
            String(flat[flat.indexOf('name') + 1]),
            { pending: Number(flat[flat.indexOf('pending') + 1]), idle: Number(flat[flat.indexOf('idle') + 1]) },
          ] as const,
      )
      .filter(([name]) => name !== except),
  )
}

consumer('prunes an idle consumer with nothing pending, never one that owns entries or reports itself alive', async () => {
  // minIdleMs of a minute: the holder's entry cannot be claimed during the test.
  queue = await createTestQueue('core', { QUEUE_MIN_IDLE_MS: '60000', QUEUE_PRUNE_IDLE_MS: '1000', QUEUE_CLAIM_INTERVAL_MS: '50' })
  const { stream, group } = queue.config
  const [held] = await produceJobs(queue.redis, stream, makeJobs(1, 'prune'))
  await queue.redis.call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
  // Created in this order, so each is idle at least as long as the ones after it.
  await queue.redis.call('XREADGROUP', 'GROUP', group, 'holder', 'COUNT', 1, 'STREAMS', stream, '>')
  await queue.redis.call('XGROUP', 'CREATECONSUMER', stream, group, 'reporter')
  await queue.redis.call('XGROUP', 'CREATECONSUMER', stream, group, 'ghost')
  // 'reporter' stands for a live worker of another host whose reads find nothing.
  await markAlive(queue.redis, queue.config, 'reporter')
  let isReporting = true
  const reporting = (async () => {
    while (isReporting) {
      await markAlive(queue!.redis, queue!.config, 'reporter')
      await sleep(100)
    }
  })()
  const logs: string[] = []
  try {
    const c = startConsumer(queue, 'core-pruner', {}, MYSQL_URL, { log: (line) => logs.push(line) })
    await waitFor('the ghost to be removed', async () => !(await readConsumers(queue!)).has('ghost'))
    const after = await readConsumers(queue)
    assert.equal([...after.keys()].sort(), ['holder', 'reporter'])
    assert.ok(after.get('reporter')!.idle >= 1000, `the reporter was idle long enough too (${after.get('reporter')!.idle} ms)`)
    assert.equal(after.get('holder')!.pending, 1)
    assert.ok(after.get('holder')!.idle >= 1000, `the holder was idle long enough too (${after.get('holder')!.idle} ms)`)
    assert.is(c.progress().prunedConsumers, 1)
    assert.ok(logs.includes('removed consumer ghost from the group: no pending entries, idle and silent for 1000 ms'), logs.join('\n'))
    // Silent, the reporter goes; the holder stays until its entry leaves its pending list.
    isReporting = false
    await reporting
    await waitFor('the reporter to be removed', async () => !(await readConsumers(queue!)).has('reporter'))
    const holder = (await queue.redis.call('XPENDING', stream, group, '-', '+', 10, 'holder')) as [string][]
    assert.equal(
      holder.map(([id]) => id),
      [held],
    )
    await queue.redis.call('XACK', stream, group, held!)
    await waitFor('the holder to be removed', async () => !(await readConsumers(queue!)).has('holder'))
    assert.equal([...(await readConsumers(queue)).keys()], [])
    assert.is(c.progress().prunedConsumers, 3)
  } finally {
    isReporting = false
    await reporting
  }
})

consumer.run()
