/**
 * examples/queue-to-db under a storm of external kills, in one run: rows stored per second by
 * 4 supervised consumers with no kills (the baseline) vs while a random consuming worker (state
 * `listening`) is SIGKILLed every 100 ms, as the OOM killer or a chaos tool would. The
 * supervisor runs with its default restart options, as a user's would.
 *
 * Each phase gets a fresh stream and table, keeps a backlog of jobs in front of the workers,
 * counts the rows stored during a fixed window, then stops killing and producing and waits until
 * every job produced has its row. Lost = jobs produced − distinct rows stored, counted here from
 * the table, not from the workers' reports; the topic throws if any job is lost, dead-lettered or
 * the cluster fails. Phases alternate (calm, storm, calm, storm) so that outside load hits both.
 *
 * Needs Redis and MariaDB: `source scripts/services.sh; start_services`.
 * Run: `npm run bench -- queue`.
 */
import { availableParallelism } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startQueueToDb } from '../examples/queue-to-db/master.js'
import { makeJobs, produceJobs } from '../examples/queue-to-db/producer.js'
import type { WorkerExitEvent, WorkerRestartEvent } from '../src/index.js'
// The tests' queue helpers: a unique stream, group and table per phase, and direct reads of both.
import { createTestQueue, waitFor } from '../test/fixtures/queue-helpers.js'
import { describeMachine, format, isSelected, printTable, type Summary, summarize } from './fixtures/cluster-report.js'

const WORKERS = 4
const KILL_INTERVAL = 100 // ms between kills in the storm
const WINDOW = 15_000 // ms of measurement per phase
const WARM_UP = 2_000 // ms between the cluster being ready and the window, in both phases
const ROUNDS = 2 // calm + storm each round
const BACKLOG = 3_000 // jobs kept waiting in front of the workers
const PRODUCE_BATCH = 2_000
const DRAIN_TIMEOUT = 180_000 // ms for every job produced to have its row once the storm ends
const QUEUE_ENV = {
  QUEUE_WORK_MS: '1', // 1 ms of simulated work per job, as in the example's README
  QUEUE_BLOCK_MS: '200',
  // A killed worker's entries go back to the others after 1 s instead of 30.
  QUEUE_MIN_IDLE_MS: '1000',
  // Random kills land on innocent jobs; this run is about throughput and loss, not poison jobs.
  QUEUE_MAX_CRASHES: '1000',
}

interface PhaseResult {
  kind: 'calm' | 'storm'
  rowsPerSecond: number
  produced: number
  lost: number
  duplicates: number
  kills: number
  /** Kill ticks that found no consuming worker. */
  emptyTicks: number
  ticks: number
  crashRestarts: number
  startFailureRestarts: number
  /** Of the workers killed, those that had been forked less than 1 s before (the default `restart.minUptime`). */
  killedYoung: number
  /** Median ms from a worker's first transition to `listening`, over the workers started during the window. */
  bootMedian: number
}

async function runPhase(kind: 'calm' | 'storm', round: number): Promise<PhaseResult> {
  const queue = await createTestQueue(`bench${kind}${round}`, QUEUE_ENV)
  const app = startQueueToDb({
    count: WORKERS,
    env: queue.env,
    handleSignals: false,
    // The workers' own lines (a killed consumer's log) would drown the table.
    silent: true,
    log: () => {},
  })
  const restarts: WorkerRestartEvent[] = []
  const exits: WorkerExitEvent[] = []
  const forkedAt = new Map<number, number>()
  let failure: Error | undefined
  app.cluster.on('restart', (event) => restarts.push(event))
  app.cluster.on('exit', (event) => exits.push(event))
  app.cluster.on('failed', (error) => (failure = error))
  // The first transition that knows the pid (forking → online) comes within ms of the fork.
  const boots: number[] = []
  let windowStart = Infinity
  app.cluster.on('transition', (event) => {
    if (event.pid === null) return
    if (!forkedAt.has(event.pid)) forkedAt.set(event.pid, event.at)
    const forked = forkedAt.get(event.pid)!
    if (event.to === 'listening' && forked >= windowStart) boots.push(event.at - forked)
  })
  // The workers create the table after they are ready: until then, no rows.
  const countRows = () =>
    queue
      .rowStats()
      .catch((error: { code?: string }) =>
        error.code === 'ER_NO_SUCH_TABLE' ? { rows: 0, distinctIds: 0, rewritten: 0, redelivered: 0 } : Promise.reject(error),
      )
  let produced = 0
  let producerError: unknown
  let isProducing = true
  let producing: Promise<void> = Promise.resolve()
  const jobs = makeJobs(Number.MAX_SAFE_INTEGER, `${kind}-${round}`)
  const produce = async () => {
    while (isProducing) {
      const { rows } = await countRows()
      if (produced - rows < BACKLOG) {
        const wave = Array.from({ length: PRODUCE_BATCH }, () => jobs.next().value!)
        await produceJobs(queue.redis, queue.config.stream, wave)
        produced += wave.length
      } else await sleep(50)
    }
  }
  const result: PhaseResult = {
    kind,
    rowsPerSecond: 0,
    produced: 0,
    lost: 0,
    duplicates: 0,
    kills: 0,
    emptyTicks: 0,
    ticks: 0,
    crashRestarts: 0,
    startFailureRestarts: 0,
    killedYoung: 0,
    bootMedian: NaN,
  }
  let killer: NodeJS.Timeout | undefined
  let deadLetters = 0
  let rows = { rows: 0, distinctIds: 0 }
  try {
    // The workers create the table: produce once they are ready.
    await app.cluster.onReady()
    producing = produce().catch((error) => {
      producerError = error
    })
    await sleep(WARM_UP)
    if (kind === 'storm') {
      killer = setInterval(() => {
        result.ticks++
        const consuming = app.cluster.workers().filter((w) => w.state === 'listening' && w.pid !== null)
        const victim = consuming[Math.floor(Math.random() * consuming.length)]
        if (!victim) return void result.emptyTicks++
        try {
          process.kill(victim.pid!, 'SIGKILL')
          result.kills++
          if (Date.now() - (forkedAt.get(victim.pid!) ?? 0) < 1000) result.killedYoung++
        } catch {}
      }, KILL_INTERVAL)
    }
    windowStart = Date.now()
    const before = await countRows()
    const startedAt = performance.now()
    await sleep(WINDOW)
    const after = await countRows()
    result.rowsPerSecond = ((after.rows - before.rows) * 1000) / (performance.now() - startedAt)
    clearInterval(killer)
    isProducing = false
    await producing
    if (producerError) throw producerError
    if (failure) throw new Error(`Sanity check failed: the ${kind} cluster failed: ${failure.message}`)
    await waitFor(
      `every one of the ${produced} jobs to have its row`,
      async () => (await countRows()).distinctIds >= produced,
      DRAIN_TIMEOUT,
      200,
    )
    rows = await countRows()
    deadLetters = (await queue.deadLetters()).length
  } finally {
    clearInterval(killer)
    isProducing = false
    await producing
    await app.cluster.stop()
    await queue.cleanup()
  }
  result.produced = produced
  result.bootMedian = boots.length > 0 ? summarize(boots).median : NaN
  result.lost = produced - rows.distinctIds
  result.duplicates = rows.rows - rows.distinctIds
  result.crashRestarts = restarts.filter((r) => r.kind === 'crash').length
  result.startFailureRestarts = restarts.filter((r) => r.kind === 'start-failure').length
  if (result.lost !== 0 || deadLetters > 0 || result.duplicates !== 0) {
    throw new Error(
      `Sanity check failed: ${kind}: ${result.lost} lost, ${deadLetters} dead-lettered, ${result.duplicates} duplicate rows of ${produced}`,
    )
  }
  if (!(result.rowsPerSecond > 0) || (kind === 'storm' && result.kills === 0)) {
    throw new Error(`Sanity check failed: ${kind}: ${format(result.rowsPerSecond)} rows/s, ${result.kills} kills`)
  }
  return result
}

export async function run(filters: readonly string[]): Promise<void> {
  if (!isSelected('queue', filters)) return
  const results: PhaseResult[] = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['calm', 'storm'] as const) {
      try {
        results.push(await runPhase(kind, round))
      } catch (error) {
        // Without the servers, say how to start them rather than fail every other topic's run.
        if (results.length === 0 && /is not reachable/.test((error as Error).message)) {
          return void console.log(`\nqueue: skipped: ${(error as Error).message}`)
        }
        throw error
      }
    }
  }
  const calm = summarize(results.filter((r) => r.kind === 'calm').map((r) => r.rowsPerSecond))
  const storm = summarize(results.filter((r) => r.kind === 'storm').map((r) => r.rowsPerSecond))
  const range = (s: Summary) => `${format(s.min)}–${format(s.max)}`
  printTable(
    `queue-to-db, ${WORKERS} workers, rows/s over ${WINDOW / 1000} s, default restart options (${describeMachine(availableParallelism())})`,
    ['case', 'rows/s (median)', 'range', 'vs no kills'],
    [
      ['no kills', format(calm.median), range(calm), '1.00x'],
      [
        `SIGKILL a consuming worker every ${KILL_INTERVAL} ms`,
        format(storm.median),
        range(storm),
        `${format(storm.median / calm.median, 2)}x`,
      ],
    ],
  )
  printTable(
    'each phase (lost = jobs produced − distinct rows stored, after the phase drained)',
    [
      'phase',
      'rows/s',
      'produced',
      'lost',
      'kills',
      'ticks without a consuming worker',
      'restarts: crash / start failure',
      'killed < 1 s after fork',
      'fork → listening (median)',
    ],
    results.map((r, i) => [
      `${Math.floor(i / 2) + 1} ${r.kind}`,
      format(r.rowsPerSecond),
      format(r.produced),
      format(r.lost),
      format(r.kills),
      r.kind === 'storm' ? `${format(r.emptyTicks)} of ${format(r.ticks)}` : '—',
      `${r.crashRestarts} / ${r.startFailureRestarts}`,
      format(r.killedYoung),
      Number.isNaN(r.bootMedian) ? '—' : `${format(r.bootMedian)} ms`,
    ]),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
