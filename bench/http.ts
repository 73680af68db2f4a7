/**
 * HTTP hello world: requests/s of xcluster with 1 and N workers (up to the core count, at most
 * 4), beside bare `node:http` in one process and bare `node:cluster` with N workers, all serving
 * `fixtures/cluster-http.ts` on 127.0.0.1. The load comes from autocannon in a separate process
 * (`-c 50`, keep-alive, 2 s per run). Printed as ratios to xcluster with 1 worker and to bare node:http.
 *
 * Not benchmark.js: 3 rounds in which every case gets one autocannon run, in turn; requests/s =
 * 2xx responses / duration, median of the 3 runs.
 * Run: `npm run bench -- http`.
 */
import { type ChildProcess, execFile, fork } from 'node:child_process'
import cluster, { type Worker } from 'node:cluster'
import { once } from 'node:events'
import { get } from 'node:http'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { supervise } from '../src/index.js'
import { describeMachine, findFreePort, fixturePath, format, isSelected, printTable, summarize } from './fixtures/cluster-report.js'

const CONNECTIONS = 50
const DURATION = 2 // seconds per autocannon run
const ROUNDS = 3 // runs per case, the cases taking turns
const WORKER_FILE = fixturePath('cluster-http.ts')
const EXEC_ARGV = ['--import', 'tsx']
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js')

interface LoadResult {
  requestsPerSecond: number
  latency: number
  total: number
}

/** Runs autocannon in its own process against `port`; throws unless every response was a 2xx. */
async function generateLoad(port: number): Promise<LoadResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [AUTOCANNON, '-j', '-c', String(CONNECTIONS), '-d', String(DURATION), `http://127.0.0.1:${port}/`],
    { timeout: (DURATION + 30) * 1000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
  )
  const result = JSON.parse(stdout) as {
    '2xx': number
    non2xx: number
    errors: number
    timeouts: number
    duration: number
    latency: { average: number }
  }
  const ok = result['2xx']
  if (!(ok > 0) || result.non2xx !== 0 || result.errors !== 0 || result.timeouts !== 0) {
    throw new Error(`Sanity check failed: ${ok} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`)
  }
  return { requestsPerSecond: ok / result.duration, latency: result.latency.average, total: ok }
}

/** GET /pid on a fresh connection each time; the set of pids that answered. */
async function collectPids(port: number, requests: number): Promise<Set<number>> {
  const pids = new Set<number>()
  for (let i = 0; i < requests; i++) {
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/pid', agent: false }, (response) => {
        let text = ''
        response
          .setEncoding('utf8')
          .on('data', (chunk: string) => (text += chunk))
          .on('end', () => resolve(text))
      }).on('error', reject)
    })
    pids.add(Number(body))
  }
  return pids
}

interface Server {
  stop(): Promise<void>
}

async function startBareHttp(port: number): Promise<Server> {
  const child: ChildProcess = fork(WORKER_FILE, { execArgv: EXEC_ARGV, env: { ...process.env, PORT: String(port) } })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
  try {
    // A plain process has no cluster 'listening' event: poll until it answers.
    const deadline = Date.now() + 30_000
    while (
      !(await collectPids(port, 1).then(
        () => true,
        () => false,
      ))
    ) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`The bare node:http process did not serve port ${port} (exit code ${child.exitCode})`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { stop }
}

async function startBareCluster(port: number, count: number): Promise<Server> {
  cluster.setupPrimary({ exec: WORKER_FILE, execArgv: EXEC_ARGV, args: [] })
  const workers: Worker[] = Array.from({ length: count }, () => cluster.fork({ PORT: String(port) }))
  const stop = async () => {
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.isDead()) return
        const exited = once(worker, 'exit')
        worker.disconnect()
        await exited
      }),
    )
  }
  try {
    await Promise.all(workers.map((worker) => once(worker, 'listening')))
  } catch (error) {
    await stop()
    throw error
  }
  return { stop }
}

async function startXcluster(port: number, count: number): Promise<Server> {
  const supervised = supervise({ worker: WORKER_FILE, count, env: { PORT: String(port) }, execArgv: EXEC_ARGV, handleSignals: false })
  try {
    await supervised.onReady()
  } catch (error) {
    await supervised.stop()
    throw error
  }
  return { stop: () => supervised.stop() }
}

interface Case {
  name: string
  start(port: number): Promise<Server>
  workers: number
  kind: 'xcluster' | 'node:cluster' | 'node:http'
}

/** Runs the HTTP cases; `filters` keep the cases whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const cores = availableParallelism()
  const max = Math.max(2, Math.min(cores, 4))
  const counts = Array.from({ length: max }, (_, i) => i + 1)
  const cases: Case[] = [
    {
      name: 'node:http, 1 process (no cluster)',
      kind: 'node:http',
      workers: 1,
      start: (port: number) => startBareHttp(port),
    } satisfies Case,
    ...counts.map(
      (n): Case => ({
        name: `xcluster, ${n} worker${n > 1 ? 's' : ''}`,
        kind: 'xcluster',
        workers: n,
        start: (port) => startXcluster(port, n),
      }),
    ),
    {
      name: `node:cluster, ${max} workers (no xcluster)`,
      kind: 'node:cluster',
      workers: max,
      start: (port: number) => startBareCluster(port, max),
    } satisfies Case,
  ].filter((c) => isSelected(c.name, filters))
  if (cases.length === 0) return

  // Every server runs for the whole topic (idle ones cost nothing) and the cases take turns,
  // round after round, so that a burst of load from elsewhere on the machine hits all of them.
  const servers = new Map<string, { port: number; server: Server }>()
  const runs = new Map<string, LoadResult[]>(cases.map((c) => [c.name, []]))
  try {
    for (const c of cases) {
      const port = await findFreePort()
      servers.set(c.name, { port, server: await c.start(port) })
      // Each process must answer: new connections go round robin to the workers.
      const pids = await collectPids(port, 4 * c.workers)
      if (pids.size !== c.workers) throw new Error(`Sanity check failed: ${pids.size} of ${c.workers} processes answered ${c.name}`)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[(i + round) % cases.length]!
        runs.get(c.name)!.push(await generateLoad(servers.get(c.name)!.port))
      }
    }
  } finally {
    await Promise.all([...servers.values()].map(({ server }) => server.stop()))
  }
  const results = new Map<string, LoadResult & { spread: string }>()
  for (const [name, list] of runs) {
    const rates = list.map((r) => r.requestsPerSecond)
    results.set(name, {
      requestsPerSecond: summarize(rates).median,
      latency: summarize(list.map((r) => r.latency)).median,
      total: list.reduce((sum, r) => sum + r.total, 0),
      spread: `${format(summarize(rates).min)}–${format(summarize(rates).max)}`,
    })
  }

  const single = results.get('xcluster, 1 worker')
  const bare = results.get('node:http, 1 process (no cluster)')
  const rows = cases.map((c) => {
    const result = results.get(c.name)!
    return [
      c.name,
      `${format(result.requestsPerSecond)} req/s`,
      result.spread,
      `${format(result.latency, 2)} ms`,
      format(result.total),
      single ? `${format(result.requestsPerSecond / single.requestsPerSecond, 2)}x` : '—',
      bare ? `${format(result.requestsPerSecond / bare.requestsPerSecond, 2)}x` : '—',
    ]
  })
  printTable(
    `http: hello world, autocannon -c ${CONNECTIONS} -d ${DURATION} in a separate process on 127.0.0.1, median of ${ROUNDS} interleaved rounds — ${describeMachine(cores)}`,
    ['case', 'median', 'min–max', 'latency avg', 'requests', 'vs xcluster 1 worker', 'vs node:http'],
    rows,
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
