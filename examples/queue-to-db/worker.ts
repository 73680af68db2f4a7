/**
 * A consumer worker: serves `progress()` and `queueStats()` to the master and consumes the
 * stream until the master disconnects it (graceful stop) or it receives SIGTERM.
 */
import { hostname } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { nanoid } from 'nanoid'
import { ready, serve } from '../../src/worker.js'
import { readQueueConfig } from './config.js'
import { createJobConsumer } from './consumer.js'
import type { Job } from './job.js'
import { queueContract } from './contract.js'
import { createJobStore } from './store.js'

// The master may have disconnected us while our modules were still loading: that 'disconnect'
// event fired before any listener of ours existed, and we would consume forever as an orphan.
if (!process.connected) process.exit(0)

const config = readQueueConfig()

async function handleJob(job: Job, signal: AbortSignal): Promise<void> {
  if (config.workMs > 0) await sleep(config.workMs, undefined, { signal })
  // A job that never settles and ignores its signal, as an await on a dead socket would: the
  // deadline fails it and the batch goes on (QUEUE_JOB_TIMEOUT_MS).
  if (config.hangIds.has(job.id)) await new Promise(() => {})
  if (config.crashIds.has(job.id)) {
    // A poison job: an exception nobody catches, as a bug deep in a library would throw.
    process.nextTick(() => {
      throw new Error(`job ${job.id} crashes its worker (QUEUE_CRASH_IDS)`)
    })
    await new Promise(() => {})
  }
  // A job that exhausts memory: the kernel's SIGKILL leaves no chance to record anything.
  if (config.sigkillIds.has(job.id)) process.kill(process.pid, 'SIGKILL')
}

// Unique per process, and readable: host, pid, and a random part in case a pid is reused.
const consumerName = `${hostname()}-${process.pid}-${nanoid(6)}`
const consumer = createJobConsumer({
  config,
  consumer: consumerName,
  store: createJobStore({ url: config.mysqlUrl, table: config.table, connectionLimit: config.dbConnections }),
  handleJob,
  log: (line) => master.notify.log(`[${consumerName}] ${line}`),
  // Ready once the group exists: a worker is listening when it can consume.
  onReady: () => ready(),
})

const master = serve(queueContract, {
  progress: () => consumer.progress(),
  queueStats: () => consumer.queueStats(),
})

let _stopping: Promise<void> | undefined
function stop(): void {
  // The job in progress finishes (or stays pending); the rest of the batch stays pending.
  _stopping ??= consumer.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on('disconnect', stop)
process.on('SIGTERM', stop)
// Blame the job in progress, then die as Node would have: the supervisor restarts us.
process.on('uncaughtException', (error) => {
  console.error(error)
  consumer.recordCrash(error).finally(() => process.exit(1))
})
consumer.run().catch((error) => {
  // Redis refused to create the group: let the supervisor restart us with its backoff.
  console.error(error)
  process.exit(1)
})
