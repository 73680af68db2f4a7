/**
 * xcluster's built CLI beside PM2, side by side in one run, on the same unmodified server files
 * (plain CommonJS, nothing in them knows either manager):
 * (a) requests lost during a rolling reload of 4 workers under 50 keep-alive clients;
 * (b) SIGKILL → serving: one worker, killed once it is past both managers' 1 s minimum uptime,
 *     timed until its replacement answers (a fresh connection every 5 ms, until a new pid
 *     answers), rounds interleaved between the managers;
 * (c) memory-limit restarts: 2 workers of a server that keeps 64 KiB per request, under 50
 *     keep-alive clients, `--max-rss` vs `--max-memory-restart`, both checked every second;
 *     requests failed or lost while the managers restart it;
 * (d) the supervising process's memory (xcluster's master vs PM2's daemon, "God") with 1 and 4
 *     workers;
 * (e) where a built xcluster worker's start goes (fork → process → Node bootstrap → loaders →
 *     preload → user code → listening), from `supervise()` of the built package under plain node.
 * PM2 runs from the devDependency with a private PM2_HOME (its daemon is killed at the end);
 * `PM2_WORKER_INTERVAL=1000` makes it check memory every second instead of every 30 s.
 * Run: `npm run bench -- pm2` (sections filter: `npm run bench -- pm2 sigkill`).
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { get } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import type { XclusterStartTiming } from '../src/index.js'
import { describeMachine, findFreePort, fixturePath, format, isSelected, printTable, summarize } from './fixtures/cluster-report.js'
import {
  describeErrors,
  printReloadRuns,
  type AppSpec,
  buildCli,
  type Counts,
  createPm2,
  createXclusterCli,
  type Manager,
  measureReload,
  readRss,
  startLoad,
  waitForServing,
  withPm2Daemon,
} from './fixtures/process-managers.js'

const CLIENTS = 50
const RELOAD_ROUNDS = 2
const KILL_ROUNDS = 5
const UP_BEFORE_KILL = 1500 // ms: past both managers' default minimum uptime (1 s), so a kill is a crash
const POLL_INTERVAL = 5 // ms
const MEMORY_WINDOW = 8000 // ms of load on the leaking server
const MEMORY_LIMIT_MB = 160
const SPLIT_ROUNDS = 5
const SERVER = fixturePath('keep-alive-server.cjs')
const LEAKY_SERVER = fixturePath('leaky-server.cjs')

type Named = [name: string, manager: Manager]

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const ratio = (a: number, b: number) => (b > 0 ? `${format(a / b, 2)}x` : '—')

/** The pid in the body of one request on a fresh connection, or undefined if nothing answered. */
function askPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve(Number(body.split(' ')[1]) || undefined))
      response.on('error', () => resolve(undefined))
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => resolve(undefined))
  })
}

/**
 * SIGKILL the one worker serving on `port`; ms until a new pid answers. A request is started
 * every 5 ms without waiting for the ones before: a connection the master accepted while no
 * worker listened is answered once the replacement listens, and must not hold up the polling.
 */
async function timeKillToServing(port: number): Promise<number> {
  const pid = await askPid(port)
  if (pid === undefined) throw new Error(`nothing answers on port ${port} before the kill`)
  const killedAt = performance.now()
  process.kill(pid, 'SIGKILL')
  let servedAt: number | undefined
  const pending = new Set<Promise<void>>()
  while (servedAt === undefined && performance.now() - killedAt < 30_000) {
    const ask: Promise<void> = askPid(port).then((answer) => {
      pending.delete(ask)
      if (answer !== undefined && answer !== pid) servedAt ??= performance.now()
    })
    pending.add(ask)
    await sleep(POLL_INTERVAL)
  }
  await Promise.all(pending)
  if (servedAt === undefined) throw new Error(`no replacement answered on port ${port} within 30 s of the kill`)
  return servedAt - killedAt
}

async function benchReload(managers: Named[]): Promise<void> {
  const runs = new Map<string, Array<{ lost: number; reloadMs: number; counts: Counts }>>(managers.map(([name]) => [name, []]))
  for (let round = 0; round < RELOAD_ROUNDS; round++) {
    for (const [name, manager] of managers) {
      const app = { server: SERVER, workers: 4, env: { PORT: String(await findFreePort()), VERSION: 'v1' } }
      const run = await measureReload(manager, app, { clients: CLIENTS, afterReload: 1000 })
      runs.get(name)!.push(run)
      console.log(`  reload round ${round + 1} ${name}: lost ${run.lost} of ${run.counts.sent}, ${format(run.reloadMs)} ms`)
    }
  }
  printReloadRuns(`(a) Rolling reload of 4 workers under ${CLIENTS} keep-alive clients (keep-alive-server.cjs)`, runs)
}

async function benchKill(managers: Named[]): Promise<void> {
  const apps = new Map<string, AppSpec>()
  for (const [name, manager] of managers) {
    const app = { server: SERVER, workers: 1, env: { PORT: String(await findFreePort()), VERSION: 'v1' } }
    apps.set(name, app)
    await manager.start(app)
    await waitForServing(Number(app.env.PORT))
  }
  const times = new Map<string, number[]>(managers.map(([name]) => [name, []]))
  try {
    for (let round = 0; round < KILL_ROUNDS; round++) {
      for (const [name] of managers) {
        await sleep(UP_BEFORE_KILL)
        const ms = await timeKillToServing(Number(apps.get(name)!.env.PORT))
        times.get(name)!.push(ms)
        console.log(`  kill round ${round + 1} ${name}: ${format(ms)} ms`)
      }
    }
  } finally {
    for (const [, manager] of managers) await manager.stop()
  }
  const summaries = [...times].map(([name, list]) => [name, summarize(list)] as const)
  const baseline = summaries.at(-1)![1].median
  printTable(
    `(b) SIGKILL → replacement answering (1 worker, ${KILL_ROUNDS} kills each, interleaved; ms)`,
    ['case', 'median', 'min', 'max', 'runs', 'vs pm2'],
    summaries.map(([name, s]) => [name, format(s.median), format(s.min), format(s.max), String(s.runs), ratio(s.median, baseline)]),
  )
}

async function benchMemoryLimit(managers: Array<[string, Manager, string[]]>): Promise<void> {
  const rows: string[][] = []
  for (const [name, manager, args] of managers) {
    const port = await findFreePort()
    await manager.start({ server: LEAKY_SERVER, workers: 2, env: { PORT: String(port), LEAK_KB: '64' }, args })
    await waitForServing(port)
    const load = await startLoad(port, CLIENTS)
    await sleep(MEMORY_WINDOW)
    const counts = await load.stop()
    await manager.stop()
    if (!(counts.answered > 0)) throw new Error(`Sanity check failed: ${counts.answered} requests answered`)
    // The body's first word is the pid: each process that served, the 2 first ones included.
    const processes = Object.keys(counts.versions).length
    rows.push([
      name,
      format(counts.sent),
      format(counts.answered),
      format(counts.sent - counts.answered),
      describeErrors(counts),
      String(processes - 2),
    ])
    console.log(`  memory ${name}: lost ${counts.sent - counts.answered} of ${counts.sent}, ${processes - 2} restarts`)
  }
  printTable(
    `(c) Memory-limit restarts: 2 workers keeping 64 KiB per request, limit ${MEMORY_LIMIT_MB} MiB, ${MEMORY_WINDOW / 1000} s under ${CLIENTS} keep-alive clients`,
    ['case', 'sent', 'answered', 'lost', 'errors', 'restarts'],
    rows,
  )
}

async function benchMasterMemory(managers: Named[]): Promise<void> {
  const rss = new Map<string, number[]>(managers.map(([name]) => [name, []]))
  for (const workers of [1, 4]) {
    for (const [name, manager] of managers) {
      const port = await findFreePort()
      await manager.start({ server: SERVER, workers, env: { PORT: String(port), VERSION: 'v1' } })
      await waitForServing(port)
      await sleep(1000) // settled: past the start's garbage
      rss.get(name)!.push(readRss(manager.masterPid()))
      await manager.stop()
    }
  }
  const mib = (bytes: number) => format(bytes / 1024 / 1024, 1)
  printTable(
    '(d) Memory of the supervising process (xcluster master vs PM2 daemon), rss MiB',
    ['case', '1 worker', '4 workers', 'per extra worker'],
    [...rss].map(([name, [one, four]]) => [name, mib(one!), mib(four!), mib((four! - one!) / 3)]),
  )
}

async function benchStartSplit(): Promise<void> {
  const child = fork(fileURLToPath(new URL('./fixtures/start-split.mjs', import.meta.url)), [], {
    execArgv: [],
    env: { ...process.env, SERVER, PORT: String(await findFreePort()), ROUNDS: String(SPLIT_ROUNDS) },
  })
  const [splits] = (await once(child, 'message')) as [XclusterStartTiming[]]
  await once(child, 'exit')
  const phases = ['spawn', 'bootstrap', 'loaders', 'preload', 'user', 'listen', 'total'] as const
  const rows = splits.map((split, i) => [i === 0 ? 'first start' : `replacement ${i}`, ...phases.map((p) => format(split[p], 1))])
  rows.push(['median', ...phases.map((p) => format(summarize(splits.map((s) => s[p])).median, 1))])
  printTable('(e) Start split of a built xcluster worker (keep-alive-server.cjs, plain node; ms)', ['start', ...phases], rows)
}

export async function run(filters: readonly string[]): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'xcluster-pm2-'))
  const runDir = mkdtempSync(join(tmpdir(), 'xc-bench-'))
  buildCli()
  const pm2 = createPm2(home, { PM2_WORKER_INTERVAL: '1000' })
  const xcluster = createXclusterCli(runDir)
  const managers: Named[] = [
    ['xcluster (built CLI)', xcluster],
    ['pm2', pm2],
  ]
  const cleanup = () => {
    rmSync(home, { recursive: true, force: true })
    rmSync(runDir, { recursive: true, force: true })
  }
  console.log(`xcluster vs PM2 (${describeMachine(availableParallelism())})`)
  await withPm2Daemon(pm2, cleanup, async () => {
    if (isSelected('reload', filters)) await benchReload(managers)
    if (isSelected('sigkill', filters)) await benchKill(managers)
    if (isSelected('memory-limit', filters)) {
      await benchMemoryLimit([
        ['xcluster --max-rss', xcluster, ['--max-rss', String(MEMORY_LIMIT_MB * 1024 * 1024), '--heartbeat-interval', '1000']],
        ['pm2 --max-memory-restart', pm2, ['--max-memory-restart', `${MEMORY_LIMIT_MB}M`]],
      ])
    }
    if (isSelected('master-memory', filters)) await benchMasterMemory(managers)
    if (isSelected('start-split', filters)) await benchStartSplit()
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
