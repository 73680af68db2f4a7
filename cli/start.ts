import { createRequire } from 'node:module'
import type { Server } from 'node:net'
import { supervise, type SupervisedCluster } from '../src/index.js'
import type { ResolvedApp } from './app-config.js'
import { type ControlledApp, closeControl, listenControl } from './control-server.js'
import { CliError, metricsListenMessage, noTypeScriptLoaderMessage } from './errors.js'
import { createLogFeed } from './log-stream.js'
import { ensureRunDir, socketPath } from './run-dir.js'

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/**
 * `xcluster start`: run each app as a supervised cluster in this foreground process (systemd,
 * Docker or Kubernetes supervise the master; there is no daemon), each behind its control socket.
 * SIGINT/SIGTERM stop every app gracefully; a second signal exits at once with 130. Resolves
 * with the exit code once every app has stopped: 0, or 1 when one failed (its restart budget spent).
 */
export async function startApps(apps: ResolvedApp[], runDir: string): Promise<number> {
  for (const app of apps) checkLoader(app.script)
  const dir = ensureRunDir(runDir)
  const running: Array<{ app: ResolvedApp; cluster: SupervisedCluster; control: Server; path: string }> = []
  const startedAt = Date.now()
  try {
    for (const app of apps) {
      const path = socketPath(dir, app.name)
      let cluster: SupervisedCluster | undefined
      const controlled: ControlledApp = {
        status: () => ({
          name: app.name,
          pid: process.pid,
          script: app.script,
          instances: app.instances,
          startedAt,
          workers: cluster?.workers() ?? [],
        }),
        reload: (env) => cluster!.reload(env ? { env } : undefined),
        stop: () => cluster!.stop('xcluster stop'),
        logs: createLogFeed(app.name, app.options.logs?.format ?? 'raw', () => cluster),
      }
      // The socket first: a second master of the same app must be refused before it forks anything.
      const control = await listenControl(path, app.name, controlled)
      cluster = supervise(app.options)
      running.push({ app, cluster, control, path })
      describeApp(app, cluster, path)
      if (app.options.metrics) await describeMetrics(app.name, cluster)
    }
  } catch (error) {
    for (const { cluster, control, path } of running) {
      closeControl(control, path)
      await cluster.stop('xcluster start failed')
    }
    throw error
  }
  let isStopping = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (isStopping) process.exit(130)
    isStopping = true
    console.log(`xcluster: ${signal} received, stopping ${running.map((r) => r.app.name).join(', ')}`)
    for (const { cluster } of running) void cluster.stop(`${signal} received by the master`)
  }
  for (const signal of SIGNALS) process.on(signal, onSignal)
  const outcomes = await Promise.all(
    running.map(async ({ app, cluster, control, path }) => {
      try {
        await cluster.onStopped()
        console.log(`xcluster: ${app.name} stopped`)
        return 0
      } catch (error) {
        console.error(`xcluster: ${app.name} failed: ${(error as Error).message}`)
        return 1
      } finally {
        closeControl(control, path)
      }
    }),
  )
  for (const signal of SIGNALS) process.off(signal, onSignal)
  return Math.max(...outcomes)
}

/** A `.ts` server needs tsx: say so before forking workers that would die of a syntax error. */
function checkLoader(script: string): void {
  if (!/\.[cm]?tsx?$/.test(script) || process.execArgv.some((arg) => /tsx|strip-types|transform-types/.test(arg))) return
  try {
    createRequire(import.meta.url).resolve('tsx')
  } catch {
    throw new CliError(noTypeScriptLoaderMessage(script), 'ERR_CLI_CONFIG')
  }
}

const workers = (count: number) => `${count} worker${count === 1 ? '' : 's'}`

function describeApp(app: ResolvedApp, cluster: SupervisedCluster, path: string): void {
  console.log(`xcluster: ${app.name}: ${workers(app.instances)} of ${app.script} (master pid ${process.pid}, control socket ${path})`)
  cluster.on('exit', ({ slotId, pid, reason, expected }) => {
    if (!expected) console.error(`xcluster: ${app.name}: worker ${slotId} (pid ${pid}) exited: ${reason}`)
  })
  cluster.on('restart', ({ slotId, delay, reason }) =>
    console.log(`xcluster: ${app.name}: restarting ${slotId} in ${delay} ms (${reason})`),
  )
  cluster.onReady().then(
    () => console.log(`xcluster: ${app.name}: ${workers(app.instances)} listening`),
    () => {},
  )
  if (app.options.dashboard)
    cluster.dashboardUrl().then(
      (url) => console.log(`xcluster: ${app.name}: live view at ${url}`),
      () => {},
    )
}

/** A metrics port that cannot be bound fails the start: an orchestrator's probes would never answer. */
async function describeMetrics(name: string, cluster: SupervisedCluster): Promise<void> {
  const { url } = await cluster.metrics().catch((error: Error) => {
    throw new CliError(metricsListenMessage(name, error.message), 'ERR_CLI_CONFIG', { cause: error })
  })
  console.log(`xcluster: ${name}: health and metrics at ${url} (/healthz, /readyz, /metrics)`)
}
