import cluster, { type Worker } from 'node:cluster'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** What one generation of workers is forked with. A reload may bring new settings. */
export interface ForkSettings {
  /** Absolute path of the worker's entry file. */
  exec: string
  args: string[]
  /** Node flags; inherits the master's by default, so a `.ts` worker works under tsx. */
  execArgv: string[]
  env: Record<string, string | undefined>
  /**
   * Whether the worker's stdout/stderr stay in the master. Workers are always forked with pipes,
   * so the master keeps the end of each worker's stderr for its crash record; without `silent`
   * both streams are passed through to the master's own.
   */
  silent: boolean
}

/** Environment variables every worker receives, so it can tell where it runs. */
export const WORKER_ENV = {
  slot: 'XCLUSTER_SLOT',
  incarnation: 'XCLUSTER_INCARNATION',
  generation: 'XCLUSTER_GENERATION',
} as const

// The preload sits beside this module: `.ts` when xcluster runs from source, `.js` once built.
const PRELOAD = new URL(`./worker-preload${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href
// Once built, the preload also exists as CommonJS (scripts/build-preload-commonjs.mjs), loaded with
// `--require`: a CommonJS server then never starts Node's ES module loader, which `--import` did at
// every worker start. A build without that step (tsc alone) falls back to the ES module.
const COMMONJS_PRELOAD = PRELOAD.endsWith('.js')
  ? fileURLToPath(new URL('../../cjs/preload/src/supervisor/worker-preload.js', import.meta.url))
  : undefined
const PRELOAD_FLAGS = COMMONJS_PRELOAD && existsSync(COMMONJS_PRELOAD) ? ['--require', COMMONJS_PRELOAD] : ['--import', PRELOAD]
const TYPESCRIPT_FILE = /\.[cm]?tsx?$/
// Flags that already give a child a TypeScript loader.
const TYPESCRIPT_LOADER_FLAG = /tsx|ts-node|strip-types|transform-types/

/**
 * tsx's loader as a file: URL, resolved from here so that it does not depend on the worker's cwd;
 * undefined when tsx is not installed.
 */
function resolveTsxLoader(): string | undefined {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  } catch {
    return undefined
  }
}

/**
 * Node flags of a worker: the user's, a TypeScript loader when a `.ts` file must run and the
 * flags bring none (a master under `tsx` passes its flags on, but one started with `-r tsx`,
 * as test runners do, has none to pass), then our preload.
 */
export function workerExecArgv(exec: string, execArgv: string[]): string[] {
  const argv = [...execArgv]
  const needsLoader = TYPESCRIPT_FILE.test(exec) || PRELOAD.endsWith('.ts')
  if (needsLoader && !argv.some((arg) => TYPESCRIPT_LOADER_FLAG.test(arg))) {
    const loader = resolveTsxLoader()
    if (loader) argv.push('--import', loader)
  }
  argv.push(...PRELOAD_FLAGS)
  return argv
}

/**
 * Fork one cluster worker. `cluster.setupPrimary()` holds global settings, so they are set right
 * before each fork: several supervisors (or tests) in one process each fork their own file.
 * Always with pipes (`silent: true` to node:cluster): the process actor reads the worker's
 * stderr, and passes both streams on unless `settings.silent`.
 */
export function forkWorker(settings: ForkSettings, position: { slotId: string; incarnation: number; generation: number }): Worker {
  cluster.setupPrimary({
    exec: settings.exec,
    args: settings.args,
    execArgv: workerExecArgv(settings.exec, settings.execArgv),
    silent: true,
  })
  return cluster.fork({
    ...settings.env,
    [WORKER_ENV.slot]: position.slotId,
    [WORKER_ENV.incarnation]: String(position.incarnation),
    [WORKER_ENV.generation]: String(position.generation),
  })
}
