import { availableParallelism } from 'node:os'
import { isAbsolute, resolve } from 'node:path'
import type { SuperviseOptions } from '../src/index.js'
import { resolveOptions } from '../src/supervisor/supervise-options.js'
import { CliError, configMessage } from './errors.js'
import { defaultAppName } from './run-dir.js'

/**
 * One app, as a config file's `apps[i]` (or the file itself) and `xcluster start` flags give it.
 * The sections `restart`, `timeouts`, `health` and `reload` are `supervise()`'s own options.
 */
export interface XclusterAppConfig {
  /** The server file to run, unmodified (CJS, ESM, or TypeScript with tsx installed). */
  script: string
  /** Names the control socket; the script's base name by default. */
  name?: string
  /** Workers to run: a number or `'max'` (os.availableParallelism()). @default 'max' */
  instances?: number | 'max'
  /** Arguments to the script. */
  args?: string[]
  /** Node flags of the workers. */
  nodeArgs?: string[]
  /** Environment of the workers, over the master's own. */
  env?: Record<string, string>
  restart?: SuperviseOptions['restart']
  timeouts?: SuperviseOptions['timeouts']
  health?: SuperviseOptions['health']
  reload?: SuperviseOptions['reload']
  /** Serve the live view: `true` (any free port) or `{ port, host, token }`. @default false */
  liveView?: SuperviseOptions['dashboard']
  /**
   * How worker output is written: `format` (`prefixed`, `raw` or `json`) and the bounds of
   * `supervise()`'s `logs` (`maxLineBytes`, `bufferLines`, `bufferBytes`); the app's `name` names its lines.
   * @default { format: 'prefixed' }
   */
  logs?: Omit<NonNullable<SuperviseOptions['logs']>, 'name'>
  /** Serve `/healthz`, `/readyz` and `/metrics`: `true` (any free port) or `{ port, host, readyWorkers }`. @default false */
  metrics?: SuperviseOptions['metrics']
}

/** The CLI writes worker lines with their app, worker id and pid, as a process manager's user expects. */
export const DEFAULT_CLI_LOG_FORMAT = 'prefixed'

/** An app with its defaults filled in and its `supervise()` options checked. */
export interface ResolvedApp {
  name: string
  script: string
  instances: number
  options: SuperviseOptions
}

const APP_KEYS = [
  'script',
  'name',
  'instances',
  'args',
  'nodeArgs',
  'env',
  'restart',
  'timeouts',
  'health',
  'reload',
  'liveView',
  'logs',
  'metrics',
] as const
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

/**
 * Check one app's settings and turn them into `supervise()` options. Every error names `source`
 * (the config file, or "flags") and the key.
 * @throws CliError `ERR_CLI_CONFIG`
 */
export function resolveApp(raw: unknown, source: string, key: string, baseDir: string): ResolvedApp {
  const fail = (subKey: string, problem: string) =>
    new CliError(configMessage(source, subKey ? `${key}${key ? '.' : ''}${subKey}` : key, problem), 'ERR_CLI_CONFIG')
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw fail('', `must be an object with at least \`script\`, got ${describe(raw)}`)
  const app = raw as Record<string, unknown>
  for (const name of Object.keys(app)) {
    if (!(APP_KEYS as readonly string[]).includes(name)) throw fail(name, `is not a setting; expected one of: ${APP_KEYS.join(', ')}`)
  }
  if (typeof app.script !== 'string' || app.script === '')
    throw fail('script', `must be the path of the server file, got ${describe(app.script)}`)
  const script = isAbsolute(app.script) ? app.script : resolve(baseDir, app.script)
  const name = app.name ?? defaultAppName(script)
  if (typeof name !== 'string' || !NAME.test(name))
    throw fail('name', `must be letters, digits, '.', '_' or '-' (at most 64), got ${describe(name)}`)
  const instances = resolveInstances(app.instances, fail)
  for (const list of ['args', 'nodeArgs'] as const) {
    const value = app[list]
    if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string')))
      throw fail(list, `must be an array of strings, got ${describe(value)}`)
  }
  if (
    app.env !== undefined &&
    (app.env === null || typeof app.env !== 'object' || Object.values(app.env).some((v) => typeof v !== 'string'))
  ) {
    throw fail('env', `must be an object of strings, got ${describe(app.env)}`)
  }
  if (app.logs !== undefined && (app.logs === null || typeof app.logs !== 'object' || Array.isArray(app.logs)))
    throw fail('logs', `must be an object such as { format: 'json' }, got ${describe(app.logs)}`)
  if (app.logs !== undefined && 'name' in app.logs) throw fail('logs.name', "is the app's `name`; set that instead")
  const options: SuperviseOptions = {
    worker: script,
    count: instances,
    args: app.args as string[] | undefined,
    execArgv: app.nodeArgs === undefined ? undefined : [...process.execArgv, ...(app.nodeArgs as string[])],
    env: app.env as Record<string, string> | undefined,
    restart: app.restart as SuperviseOptions['restart'],
    timeouts: app.timeouts as SuperviseOptions['timeouts'],
    health: app.health as SuperviseOptions['health'],
    reload: app.reload as SuperviseOptions['reload'],
    dashboard: app.liveView as SuperviseOptions['dashboard'],
    logs: { format: DEFAULT_CLI_LOG_FORMAT, ...(app.logs as object | undefined), name },
    metrics: app.metrics as SuperviseOptions['metrics'],
    // The CLI stops every app on a signal itself, then exits once all have stopped.
    handleSignals: false,
  }
  try {
    resolveOptions(options)
  } catch (error) {
    // supervise()'s own checks name the option (`restart.maxRestarts`); say which file and app too.
    const message = (error as Error).message
      .replace(/`worker`/g, '`script`')
      .replace(/`dashboard`/g, '`liveView`')
      .replace(/`count`/g, '`instances`')
    throw new CliError(`xcluster: ${source}${key ? ` (${key})` : ''}: ${message}`, 'ERR_CLI_CONFIG', { cause: error })
  }
  return { name, script, instances, options }
}

function resolveInstances(value: unknown, fail: (key: string, problem: string) => Error): number {
  if (value === undefined || value === 'max') return availableParallelism()
  const count = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
    throw fail('instances', `must be an integer from 1 and up, or "max", got ${describe(value)}`)
  return count
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return `${JSON.stringify(value)} (string)`
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `${String(value)} (${typeof value})`
}
