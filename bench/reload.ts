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
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { supervise } from '../src/index.js'
import { describeMachine, findFreePort, fixturePath, isSelected } from './fixtures/cluster-report.js'
import {
  printReloadRuns,
  buildCli,
  type Counts,
  createPm2,
  createXclusterCli,
  type Manager,
  measureReload,
  withPm2Daemon,
} from './fixtures/process-managers.js'

const WORKERS = 4
const CLIENTS = 50
const ROUNDS = 2 // per case, the cases taking turns
const AFTER_RELOAD = 1000 // ms of load after the reload, so requests meet only new workers too
const SERVER = fixturePath('keep-alive-server.cjs')

interface Run {
  lost: number
  reloadMs: number
  counts: Counts
}

/** `supervise()` in this process, from source: master and workers under tsx. */
function createXcluster(): Manager {
  let cluster: ReturnType<typeof supervise> | undefined
  return {
    async start(app) {
      cluster = supervise({ worker: app.server, count: app.workers, env: app.env, handleSignals: false })
      await cluster.onReady()
    },
    reload: () => cluster!.reload({ env: { VERSION: 'v2' } }),
    stop: () => cluster!.stop(),
    masterPid: () => process.pid,
  }
}

export async function run(filters: readonly string[]): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'xcluster-pm2-'))
  const runDir = mkdtempSync(join(tmpdir(), 'xc-bench-'))
  buildCli()
  const pm2 = createPm2(home)
  const cases: Array<[string, Manager]> = [
    ['xcluster reload() (master and workers under tsx)', createXcluster()],
    ['xcluster reload (built CLI, plain node)', createXclusterCli(runDir)],
    ['pm2 reload --update-env', pm2],
  ]
  const chosen = cases.filter(([name]) => isSelected(name, filters))
  const runs = new Map<string, Run[]>(chosen.map(([name]) => [name, []]))
  const cleanup = () => {
    rmSync(home, { recursive: true, force: true })
    rmSync(runDir, { recursive: true, force: true })
  }
  await withPm2Daemon(pm2, cleanup, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, manager] of chosen) {
        const port = await findFreePort()
        const app = { server: SERVER, workers: WORKERS, env: { PORT: String(port), VERSION: 'v1' } }
        runs.get(name)!.push(await measureReload(manager, app, { clients: CLIENTS, afterReload: AFTER_RELOAD }))
      }
    }
  })
  printReloadRuns(
    `Rolling reload of ${WORKERS} workers under ${CLIENTS} keep-alive clients (${ROUNDS} runs each; ${describeMachine(availableParallelism())})`,
    runs,
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
