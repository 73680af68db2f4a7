/**
 * Rolling reload under keep-alive load, xcluster beside PM2 in one run: both run the same
 * unmodified server (`fixtures/keep-alive-server.cjs`, 4 workers) while 50 keep-alive clients in
 * a separate process send requests; each case reloads all 4 workers to VERSION=v2 in the middle.
 * Counted by the client, request by request (it never reconnects silently): lost = sent −
 * answered; also the reload's wall time and whether v2 really served afterwards.
 * xcluster runs twice: `supervise()` in this process (from source, so master and workers load
 * tsx), and the built CLI (`xcluster start`, `xcluster reload --env`) under plain node.
 * PM2 runs from the devDependency with a private PM2_HOME, `pm2 reload --update-env`; its daemon
 * is killed at the end.
 * Run: `npm run bench -- reload` (or `node --import tsx bench/reload.ts`).
 */
import { type ChildProcess, execFile, execFileSync, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { supervise } from '../src/index.js'
import { describeMachine, findFreePort, fixturePath, format, isSelected, printTable } from './fixtures/cluster-report.js'

const WORKERS = 4
const CLIENTS = 50
const ROUNDS = 2 // per case, the cases taking turns
const AFTER_RELOAD = 1000 // ms of load after the reload, so requests meet only new workers too
const SERVER = fixturePath('keep-alive-server.cjs')
const PM2 = createRequire(import.meta.url).resolve('pm2/bin/pm2')
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const ROOT = fileURLToPath(new URL('../', import.meta.url))
const CLI = join(ROOT, 'dist/cli/bin.js')

interface Counts {
  sent: number
  answered: number
  failed: number
  non2xx: number
  errorCodes: Record<string, number>
  versions: Record<string, number>
}

interface Run {
  lost: number
  reloadMs: number
  counts: Counts
}

/** A process manager under test: start 4 workers on `port`, reload them to v2, stop. */
interface Manager {
  start(port: number): Promise<void>
  reload(): Promise<void>
  stop(): Promise<void>
}

async function measure(manager: Manager): Promise<Run> {
  const port = await findFreePort()
  await manager.start(port)
  await waitForServing(port)
  const client = fork(fixturePath('keep-alive-client.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, PORT: String(port), CLIENTS: String(CLIENTS) },
  })
  await once(client, 'message') // warm: the load runs
  const started = performance.now()
  await manager.reload()
  const reloadMs = performance.now() - started
  await new Promise((resolve) => setTimeout(resolve, AFTER_RELOAD))
  const reply = once(client, 'message')
  client.send({ stop: true })
  const [{ result }] = (await reply) as [{ result: Counts }]
  await once(client, 'exit')
  await manager.stop()
  // A load that never ran would report nothing lost.
  if (!(result.answered > 0)) throw new Error(`Sanity check failed: ${result.answered} requests answered`)
  return { lost: result.sent - result.answered, reloadMs, counts: result }
}

/** Poll until something answers on `port`. */
async function waitForServing(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const ok = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nothing serves on port ${port}`)
}

function createXcluster(): Manager {
  let cluster: ReturnType<typeof supervise> | undefined
  return {
    async start(port) {
      cluster = supervise({ worker: SERVER, count: WORKERS, env: { PORT: String(port), VERSION: 'v1' }, handleSignals: false })
      await cluster.onReady()
    },
    reload: () => cluster!.reload({ env: { VERSION: 'v2' } }),
    stop: () => cluster!.stop(),
  }
}

/**
 * The built CLI (`dist/cli/bin.js`, compiled by this bench first), as a user runs it: plain node,
 * no tsx in the master or the workers; reload and stop through the control socket.
 */
function createXclusterCli(runDir: string): Manager {
  let master: ChildProcess | undefined
  const cli = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, [CLI, ...args, '--run-dir', runDir], { env: { ...process.env, ...env }, timeout: 60_000 })
  return {
    async start(port) {
      master = spawn(process.execPath, [CLI, 'start', SERVER, '-i', String(WORKERS), '--run-dir', runDir], {
        env: { ...process.env, PORT: String(port), VERSION: 'v1' },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let output = ''
      await new Promise<void>((resolve, reject) => {
        master!.stdout!.on('data', (chunk) => {
          output += chunk
          if (/workers? listening/.test(output)) resolve()
        })
        master!.once('exit', (code) => reject(new Error(`xcluster start exited with ${code}: ${output}`)))
      })
    },
    reload: async () => void (await cli(['reload', '--env', 'VERSION=v2'])),
    async stop() {
      const exited = once(master!, 'exit')
      await cli(['stop'])
      await exited
    },
  }
}

function createPm2(home: string): Manager {
  const pm2 = (args: string[], env: Record<string, string> = {}) =>
    promisify(execFile)(process.execPath, [PM2, ...args], { env: { ...process.env, PM2_HOME: home, ...env }, timeout: 60_000 })
  return {
    async start(port) {
      await pm2(['start', SERVER, '-i', String(WORKERS), '--name', 'bench-reload'], { PORT: String(port), VERSION: 'v1' })
    },
    reload: async () => void (await pm2(['reload', 'bench-reload', '--update-env'], { VERSION: 'v2' })),
    stop: async () => void (await pm2(['delete', 'bench-reload'])),
  }
}

export async function run(filters: readonly string[]): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'xcluster-pm2-'))
  const runDir = mkdtempSync(join(tmpdir(), 'xc-bench-'))
  // The built CLI, so that its case runs as an installed package does: no tsx anywhere.
  execFileSync(process.execPath, [TSC, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
  const cases: Array<[string, Manager]> = [
    ['xcluster reload() (master and workers under tsx)', createXcluster()],
    ['xcluster reload (built CLI, plain node)', createXclusterCli(runDir)],
    ['pm2 reload --update-env', createPm2(home)],
  ]
  const chosen = cases.filter(([name]) => isSelected(name, filters) || filters.includes('pm2'))
  const runs = new Map<string, Run[]>(chosen.map(([name]) => [name, []]))
  // PM2's daemon outlives the bench unless killed: also on Ctrl-C or a timeout's SIGTERM.
  const killDaemon = () => execFileSync(process.execPath, [PM2, 'kill'], { env: { ...process.env, PM2_HOME: home }, stdio: 'ignore' })
  const onSignal = () => {
    killDaemon()
    rmSync(home, { recursive: true, force: true })
    process.exit(130)
  }
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal)
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, manager] of chosen) runs.get(name)!.push(await measure(manager))
    }
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    try {
      killDaemon()
    } catch {}
    rmSync(home, { recursive: true, force: true })
    rmSync(runDir, { recursive: true, force: true })
  }
  printTable(
    `Rolling reload of ${WORKERS} workers under ${CLIENTS} keep-alive clients (${ROUNDS} runs each; ${describeMachine(availableParallelism())})`,
    ['case', 'sent', 'answered', 'lost', 'errors', 'reload ms', 'v2 answered after'],
    [...runs].flatMap(([name, list]) =>
      list.map((r) => [
        name,
        format(r.counts.sent),
        format(r.counts.answered),
        format(r.lost),
        Object.entries(r.counts.errorCodes)
          .map(([code, n]) => `${code}×${n}`)
          .join(' ') || '0',
        format(r.reloadMs),
        format(r.counts.versions.v2 ?? 0),
      ]),
    ),
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
