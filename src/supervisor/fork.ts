import cluster, { type Worker } from 'node:cluster'

/** What one generation of workers is forked with. A reload may bring new settings. */
export interface ForkSettings {
  /** Absolute path of the worker's entry file. */
  exec: string
  args: string[]
  /** Node flags; inherits the master's by default, so a `.ts` worker works under tsx. */
  execArgv: string[]
  env: Record<string, string | undefined>
  silent: boolean
}

/** Environment variables every worker receives, so it can tell where it runs. */
export const WORKER_ENV = {
  slot: 'XCLUSTER_SLOT',
  incarnation: 'XCLUSTER_INCARNATION',
  generation: 'XCLUSTER_GENERATION',
} as const

// The preload sits beside this module: `.ts` under tsx, `.js` once built.
const PRELOAD = new URL(`./worker-preload${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href

/** Node flags of a worker: the user's, then our preload. */
export function workerExecArgv(execArgv: string[]): string[] {
  return [...execArgv, '--import', PRELOAD]
}

/**
 * Fork one cluster worker. `cluster.setupPrimary()` holds global settings, so they are set right
 * before each fork: several supervisors (or tests) in one process each fork their own file.
 */
export function forkWorker(settings: ForkSettings, position: { slotId: string; incarnation: number; generation: number }): Worker {
  cluster.setupPrimary({
    exec: settings.exec,
    args: settings.args,
    execArgv: workerExecArgv(settings.execArgv),
    silent: settings.silent,
  })
  return cluster.fork({
    ...settings.env,
    [WORKER_ENV.slot]: position.slotId,
    [WORKER_ENV.incarnation]: String(position.incarnation),
    [WORKER_ENV.generation]: String(position.generation),
  })
}
