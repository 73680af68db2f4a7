/**
 * The master: supervises the consumer workers and prints progress once a second, read from
 * the workers through RPC (`progress()`, `queueStats()`).
 *
 *   node --import tsx examples/queue-to-db/master.ts [--workers 4] [--until-drained]
 *     [--min-uptime ms] [--max-restarts n] [--restart-period ms] [--max-crashes n|Infinity]
 *     [--crash-period ms] [--backoff-initial ms] [--backoff-max ms]
 *
 * The restart flags (or their `QUEUE_RESTART_*` variables, see `restart-settings.ts`) tune the
 * supervisor; unset, xcluster's defaults hold: a worker killed while consuming is restarted at once.
 *
 * SIGINT/SIGTERM stop it gracefully: each worker finishes its job in progress or leaves it
 * pending for the next run.
 */
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { supervise } from '../../src/index.js'
import type { SuperviseOptions } from '../../src/index.js'
import type { ConsumerProgress } from './progress.js'
import { queueContract } from './contract.js'
import type { QueueStats } from './streams.js'
import { RESTART_FLAGS, readRestartSettings } from './restart-settings.js'

/** Options of {@link startQueueToDb}; the `supervise()` ones are passed through. */
export interface QueueToDbOptions
  extends Pick<
    SuperviseOptions<typeof queueContract>,
    'count' | 'restart' | 'health' | 'timeouts' | 'handleSignals' | 'execArgv' | 'silent'
  > {
  /** Settings for the workers (`QUEUE_*`, `XCLUSTER_*_URL`), over the master's environment. */
  env?: Record<string, string>
  /** Receives the workers' log lines. @default console.log */
  log?: (line: string) => void
}

/** The figures the master prints. */
export interface QueueProgress {
  /** Jobs done, summed over every worker ever seen (a killed worker counts up to its last report). */
  done: number
  /** Jobs done since the previous call, per second. */
  perSecond: number
  /** From Redis, through one worker; `null` if no worker answered. */
  queue: QueueStats | null
  /** The workers that answered. */
  workers: ConsumerProgress[]
}

/**
 * Starts the supervised consumers.
 *
 * @example
 * const app = startQueueToDb({ count: 4, env: { QUEUE_STREAM: 'orders' } })
 * await app.cluster.onReady()
 * console.log(await app.readProgress())
 * await app.cluster.stop()
 */
export function startQueueToDb(options: QueueToDbOptions = {}) {
  const log = options.log ?? ((line: string) => console.log(line))
  const cluster = supervise({
    worker: new URL('./worker.ts', import.meta.url),
    contract: queueContract,
    handlers: { log },
    count: options.count ?? 4,
    env: options.env ?? {},
    // The worker is TypeScript: load tsx in it even when the master runs from compiled code.
    execArgv: options.execArgv ?? ['--import', 'tsx'],
    ...(options.restart && { restart: options.restart }),
    ...(options.health && { health: options.health }),
    ...(options.timeouts && { timeouts: options.timeouts }),
    ...(options.silent !== undefined && { silent: options.silent }),
    handleSignals: options.handleSignals ?? true,
  })
  const doneByWorker = new Map<string | number, number>()
  let last = { done: 0, at: Date.now() }

  async function readProgress(): Promise<QueueProgress> {
    const [replies, queue] = await Promise.all([cluster.all.progress(), cluster.any.queueStats().catch(() => null)])
    const workers: ConsumerProgress[] = []
    for (const reply of replies) {
      if (reply.status !== 'fulfilled') continue
      workers.push(reply.value)
      doneByWorker.set(reply.workerId, reply.value.done)
    }
    let done = 0
    for (const count of doneByWorker.values()) done += count
    const now = Date.now()
    const perSecond = now > last.at ? Math.round(((done - last.done) * 1000) / (now - last.at)) : 0
    last = { done, at: now }
    return { done, perSecond, queue, workers }
  }

  return { cluster, readProgress }
}

/** One line: `done 1200 (+640/s) · pending 37 · waiting 8800 · dead-lettered 3 · workers 4 · restarts 2`. */
export function formatProgress(progress: QueueProgress, restarts: number): string {
  const q = progress.queue
  const waitingForDb = progress.workers.filter((w) => w.isWaitingForDb).length
  return [
    `done ${progress.done} (+${progress.perSecond}/s)`,
    `pending ${q?.pending ?? '?'}`,
    `waiting ${q?.lag ?? '?'}`,
    `dead-lettered ${q?.deadLettered ?? '?'}`,
    `workers ${progress.workers.length}`,
    `restarts ${restarts}`,
    ...(waitingForDb > 0 ? [`waiting for the database ${waitingForDb}`] : []),
  ].join(' · ')
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { workers: { type: 'string', default: '4' }, 'until-drained': { type: 'boolean', default: false }, ...RESTART_FLAGS },
  })
  const count = Number(values.workers)
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`Expected \`--workers\` to be an integer from 1 and up, got \`${values.workers}\``)
  }
  const restart = readRestartSettings(values)
  const { cluster, readProgress } = startQueueToDb({ count, ...(restart && { restart }) })
  let restarts = 0
  cluster.on('restart', () => {
    restarts++
  })
  cluster.on('exit', (e) => console.log(`worker ${e.pid} exited (code ${e.exit.code}, signal ${e.exit.signal}): ${e.reason}`))
  cluster.on('failed', (error) => console.error('supervisor failed:', error))
  await cluster.onReady()
  console.log(`queue-to-db: ${count} workers ready`)
  const timer = setInterval(() => {
    readProgress().then(
      (progress) => {
        console.log(formatProgress(progress, restarts))
        const q = progress.queue
        if (values['until-drained'] && q && q.pending === 0 && q.lag === 0) {
          clearInterval(timer)
          console.log('queue-to-db: drained, stopping')
          cluster.stop().catch((error) => console.error(error))
        }
      },
      (error) => console.error('progress:', error),
    )
  }, 1000)
  timer.unref()
  await cluster.onStopped().finally(() => clearInterval(timer))
  console.log('queue-to-db: stopped')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error)
    process.exitCode = 1
  })
}
