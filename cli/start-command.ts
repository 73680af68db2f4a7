import { availableParallelism } from 'node:os'
import { type Command, InvalidArgumentError, Option } from 'commander'
import { DEFAULT_HEALTH, DEFAULT_RESTART, DEFAULT_TIMEOUTS } from '../src/supervisor/settings.js'
import type { XclusterLogFormat } from '../src/index.js'
import { LOG_FORMATS } from '../src/ops/log-format.js'
import { DEFAULT_CLI_LOG_FORMAT, resolveApp, type XclusterAppConfig } from './app-config.js'
import { DEFAULT_METRICS_HOST } from '../src/ops/metrics-options.js'
import { findConfigFile, loadConfigFile } from './config-file.js'
import { CliError } from './errors.js'
import { startApps } from './start.js'

/** Parsers of flag values: a bad one is reported by commander with the flag's name. */
export const integer =
  (min: number) =>
  (value: string): number => {
    const number = Number(value)
    if (!/^\d+$/.test(value) || number < min) throw new InvalidArgumentError(`expected an integer from ${min} and up, got "${value}"`)
    return number
  }
const milliseconds = integer(1)
export const collectEnv = (value: string, previous: Record<string, string> = {}): Record<string, string> => {
  const equals = value.indexOf('=')
  if (equals < 1) throw new InvalidArgumentError(`expected KEY=VALUE, got "${value}"`)
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) }
}
// `--max-crashes` takes a count or `Infinity` (no limit, the default).
const countOrInfinity = (value: string): number => (value === 'Infinity' ? Infinity : integer(0)(value))
const port = (value: string): number => {
  const number = integer(0)(value)
  if (number > 65_535) throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`)
  return number
}
const instances = (value: string): number | 'max' => (value === 'max' ? 'max' : integer(1)(value))

interface StartFlags {
  instances: number | 'max'
  name?: string
  runDir: string
  config?: string
  env?: Record<string, string>
  nodeArgs?: string
  restart: 'permanent' | 'transient' | 'temporary'
  maxRestarts: number
  restartPeriod: number
  minUptime: number
  maxCrashes: number
  crashPeriod: number
  backoffInitial: number
  backoffMax: number
  startTimeout: number
  drainTimeout: number
  disconnectTimeout: number
  terminateTimeout: number
  killTimeout: number
  heartbeatInterval: number
  maxMissedHeartbeats: number
  maxRss?: number
  maxHeap?: number
  maxUnavailable: number
  liveView?: true | number
  liveViewHost: string
  liveViewToken?: string
  logFormat: XclusterLogFormat
  metricsPort?: number
  metricsHost?: string
  readyWorkers?: number
}

/** `xcluster start [script] [args...]` and its options, each with its default in --help. */
export function addStartCommand(program: Command, runDirOption: () => Option): void {
  program
    .command('start')
    .description('run an unmodified server file as supervised workers, in the foreground')
    .argument('[script]', 'the server file (CJS, ESM, or TypeScript with tsx installed); without it, the config file')
    .argument('[args...]', 'arguments for the script (after --)')
    .addOption(
      new Option('-i, --instances <n|max>', `workers to run; max = os.availableParallelism() (${availableParallelism()} here)`)
        .default('max')
        .argParser(instances),
    )
    .addOption(new Option('-n, --name <name>', "app name; names the control socket (default: the script's base name)"))
    .addOption(runDirOption())
    .addOption(
      new Option(
        '-c, --config <file>',
        `config file (default: xcluster.config.{ts,js,mjs,cjs,json} in the working directory, when no script is given)`,
      ),
    )
    .addOption(new Option('-e, --env <KEY=VALUE>', 'environment variable of the workers (repeatable)').argParser(collectEnv))
    .addOption(new Option('--node-args <flags>', 'Node flags of the workers, space-separated'))
    .addOption(
      new Option('--restart <type>', 'restart policy').choices(['permanent', 'transient', 'temporary']).default(DEFAULT_RESTART.type),
    )
    .addOption(
      new Option(
        '--min-uptime <ms>',
        'a worker that dies before it listens or within this time of its fork failed to start (backoff, --max-restarts)',
      )
        .default(DEFAULT_RESTART.minUptime)
        .argParser(integer(0)),
    )
    .addOption(
      new Option('--max-restarts <n>', 'start failures allowed within --restart-period before the master gives up and exits 1')
        .default(DEFAULT_RESTART.maxRestarts)
        .argParser(integer(0)),
    )
    .addOption(
      new Option('--restart-period <ms>', 'window of the start-failure budget').default(DEFAULT_RESTART.period).argParser(milliseconds),
    )
    .addOption(
      new Option(
        '--max-crashes <n|Infinity>',
        'crashes of serving workers (restarted at once) allowed within --crash-period before the master exits 1',
      )
        .default(DEFAULT_RESTART.maxCrashes, String(DEFAULT_RESTART.maxCrashes))
        .argParser(countOrInfinity),
    )
    .addOption(new Option('--crash-period <ms>', 'window of the crash budget').default(DEFAULT_RESTART.crashPeriod).argParser(milliseconds))
    .addOption(
      new Option('--backoff-initial <ms>', 'delay before the first restart of a worker')
        .default(DEFAULT_RESTART.backoff.initial)
        .argParser(milliseconds),
    )
    .addOption(
      new Option('--backoff-max <ms>', 'ceiling of the doubling restart delay')
        .default(DEFAULT_RESTART.backoff.max)
        .argParser(milliseconds),
    )
    .addOption(
      new Option('--start-timeout <ms>', 'fork to listening, before a worker counts as failed to start')
        .default(DEFAULT_TIMEOUTS.start)
        .argParser(milliseconds),
    )
    .addOption(
      new Option('--drain-timeout <ms>', 'for in-flight calls of a stopping worker')
        .default(DEFAULT_TIMEOUTS.drain)
        .argParser(milliseconds),
    )
    .addOption(
      new Option('--disconnect-timeout <ms>', 'for in-flight HTTP requests and the exit after disconnect, before SIGTERM')
        .default(DEFAULT_TIMEOUTS.disconnect)
        .argParser(milliseconds),
    )
    .addOption(
      new Option('--terminate-timeout <ms>', 'after SIGTERM, before SIGKILL').default(DEFAULT_TIMEOUTS.terminate).argParser(milliseconds),
    )
    .addOption(
      new Option('--kill-timeout <ms>', 'after SIGKILL, before the process is given up for lost')
        .default(DEFAULT_TIMEOUTS.kill)
        .argParser(milliseconds),
    )
    .addOption(
      new Option('--heartbeat-interval <ms>', 'health check of workers that use xcluster/worker')
        .default(DEFAULT_HEALTH.heartbeatInterval)
        .argParser(milliseconds),
    )
    .addOption(
      new Option('--max-missed-heartbeats <n>', 'missed heartbeats before a worker counts as hung')
        .default(DEFAULT_HEALTH.maxMissedHeartbeats)
        .argParser(integer(1)),
    )
    .addOption(
      new Option('--max-rss <bytes>', 'replace a worker whose resident memory exceeds this (default: no limit)').argParser(integer(1)),
    )
    .addOption(new Option('--max-heap <bytes>', 'replace a worker whose V8 heap exceeds this (default: no limit)').argParser(integer(1)))
    .addOption(new Option('--max-unavailable <n>', 'workers a rolling reload replaces at once').default(1).argParser(integer(1)))
    .addOption(
      new Option('--live-view [port]', 'serve the live view (any free port when none is given) (default: off)').argParser(integer(0)),
    )
    .addOption(
      new Option('--live-view-host <host>', 'interface of the live view; anything but loopback needs --live-view-token').default(
        '127.0.0.1',
      ),
    )
    .addOption(new Option('--live-view-token <token>', 'token required to open the live view (?token=)'))
    .addOption(
      new Option('--log-format <format>', 'worker output: [app #worker pid N] prefixes, raw as written, or JSON lines')
        .choices(LOG_FORMATS)
        .default(DEFAULT_CLI_LOG_FORMAT),
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve /healthz, /readyz and Prometheus /metrics on this port (0: any free one) (default: off)',
      ).argParser(port),
    )
    .addOption(
      new Option('--metrics-host <host>', 'interface of the metrics endpoint; 0.0.0.0 for probes and scrapes from outside the pod').default(
        DEFAULT_METRICS_HOST,
      ),
    )
    .addOption(
      new Option('--ready-workers <n>', 'listening workers for /readyz to answer 200 (default: --instances)').argParser(integer(1)),
    )
    .action(async (script: string | undefined, args: string[], flags: StartFlags, command: Command) => {
      const isGiven = (flag: string) => command.getOptionValueSource(flag) === 'cli'
      process.exitCode = await startApps(await appsToStart(script, args, flags, isGiven), flags.runDir)
    })
}

/**
 * The apps of `start`: from the flags when a script is given, else from the config file, with
 * the flags given on the command line over each app's settings (`--name` picks one app).
 */
async function appsToStart(script: string | undefined, args: string[], flags: StartFlags, isGiven: (flag: string) => boolean) {
  const config = flags.config ?? (script === undefined ? findConfigFile(process.cwd()) : undefined)
  if (script !== undefined && flags.config !== undefined) {
    throw new CliError('xcluster start: give a script or --config, not both (the config file names its scripts)', 'ERR_CLI_USAGE')
  }
  if (config !== undefined) {
    const given = Object.fromEntries(
      Object.entries(flags).map(([flag, value]) => [flag, isGiven(flag) ? value : undefined]),
    ) as unknown as StartFlags
    const { script: _script, args: _args, name: _name, ...overrides } = fromFlags('', [], given)
    const apps = await loadConfigFile(config, withoutUndefined(overrides))
    if (flags.name === undefined) return apps
    const app = apps.find((candidate) => candidate.name === flags.name)
    if (!app)
      throw new CliError(
        `xcluster start: ${config} has no app named "${flags.name}"; its apps are ${apps.map((a) => a.name).join(', ')}`,
        'ERR_CLI_USAGE',
      )
    return [app]
  }
  if (script === undefined) {
    throw new CliError(
      'xcluster start: no script given and no xcluster.config.{ts,js,mjs,cjs,json} here; run `xcluster start server.js`',
      'ERR_CLI_USAGE',
    )
  }
  const app = fromFlags(script, args, flags)
  if (flags.metricsPort === undefined) {
    // Without a config file, the endpoint is on only with its port.
    const stray = ['metricsHost', 'readyWorkers'].find(isGiven)
    if (stray !== undefined)
      throw new CliError(
        `xcluster start: --${stray === 'metricsHost' ? 'metrics-host' : 'ready-workers'} needs --metrics-port`,
        'ERR_CLI_USAGE',
      )
    app.metrics = undefined
  }
  return [resolveApp(app, 'flags', '', process.cwd())]
}

/** A copy without the keys whose value is undefined, one section deep and in `restart.backoff`. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  const entries = Object.entries(value).flatMap(([key, item]): Array<[string, unknown]> => {
    if (item === undefined) return []
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const inner = withoutUndefined(item as object)
      return Object.keys(inner).length === 0 ? [] : [[key, inner]]
    }
    return [[key, item]]
  })
  return Object.fromEntries(entries) as Partial<T>
}

function fromFlags(script: string, args: string[], flags: StartFlags): XclusterAppConfig {
  return {
    script,
    name: flags.name,
    instances: flags.instances,
    args,
    nodeArgs: flags.nodeArgs?.split(/\s+/).filter(Boolean),
    env: flags.env,
    restart: {
      type: flags.restart,
      minUptime: flags.minUptime,
      maxRestarts: flags.maxRestarts,
      period: flags.restartPeriod,
      maxCrashes: flags.maxCrashes,
      crashPeriod: flags.crashPeriod,
      backoff: { initial: flags.backoffInitial, max: flags.backoffMax },
    },
    timeouts: {
      start: flags.startTimeout,
      drain: flags.drainTimeout,
      disconnect: flags.disconnectTimeout,
      terminate: flags.terminateTimeout,
      kill: flags.killTimeout,
    },
    health: {
      heartbeatInterval: flags.heartbeatInterval,
      maxMissedHeartbeats: flags.maxMissedHeartbeats,
      maxRss: flags.maxRss,
      maxHeapUsed: flags.maxHeap,
    },
    reload: { maxUnavailable: flags.maxUnavailable },
    logs: { format: flags.logFormat },
    liveView:
      flags.liveView === undefined
        ? undefined
        : { port: flags.liveView === true ? 0 : flags.liveView, host: flags.liveViewHost, token: flags.liveViewToken },
    // Over a config file, --metrics-host or --ready-workers alone change its `metrics` section.
    metrics: { port: flags.metricsPort, host: flags.metricsHost, readyWorkers: flags.readyWorkers },
  }
}
