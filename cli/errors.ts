import { XclusterError, setErrorName } from '../src/rpc/errors.js'

/**
 * A failure the CLI reports as one line on stderr and a non-zero exit, never as a stack trace:
 * a bad flag or config key, no master to talk to, a socket another master holds.
 * Codes: `ERR_CLI_CONFIG`, `ERR_CLI_NO_MASTER`, `ERR_CLI_SOCKET_HELD`, `ERR_CLI_USAGE`,
 * `ERR_CLI_CONTROL` (the master refused or failed the command).
 */
export class CliError extends XclusterError {
  /** The process exit code the CLI ends with. */
  exitCode: number

  constructor(message: string, code: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, code, 'cause' in options ? { cause: options.cause } : undefined)
    this.exitCode = options.exitCode ?? 1
  }
}
setErrorName(CliError, 'CliError')

// --- messages, each under a comment that says when it happens -----------------------------------

// status/reload/stop found no socket, or nobody answers on it.
export const noMasterMessage = (command: string, name: string, path: string): string =>
  `xcluster ${command}: no master runs app "${name}" (nothing listens on ${path}); start one with \`xcluster start\`, or pass the --name and --run-dir it was started with.`

// status/reload/stop without --name found several apps in the run directory.
export const ambiguousAppMessage = (command: string, names: string[], runDir: string): string =>
  `xcluster ${command}: several apps run in ${runDir} (${names.join(', ')}); choose one with --name.`

// start found a live master on the socket.
export const socketHeldMessage = (name: string, path: string, pid: number | undefined): string =>
  `xcluster start: another master${pid === undefined ? '' : ` (pid ${pid})`} already runs app "${name}" on ${path}; ` +
  `stop it first (\`xcluster stop --name ${name}\`) or start this one under another --name.`

// The run directory is not private to this user.
export const unsafeRunDirMessage = (runDir: string, problem: string): string =>
  `xcluster: the run directory ${runDir} ${problem}; it holds the control sockets and must be a directory of this user with mode 0700. Fix it or pass another --run-dir.`

// A config file or flag value is wrong: names the file (or "flags"), the key and what was expected.
export const configMessage = (source: string, key: string, problem: string): string => `xcluster: ${source}: \`${key}\` ${problem}`

// A TypeScript server or config file, and no tsx to load it.
export const noTypeScriptLoaderMessage = (file: string): string =>
  `xcluster: ${file} is TypeScript, and tsx is not installed to run it; install it (\`npm install -D tsx\`) or start the built .js file.`

// `logs` lost its connection to the master before the master said the logs ended (it crashed, was SIGKILLed…).
export const logsCutMessage = (name: string, problem: string): string =>
  `xcluster logs: the master of "${name}" went away mid-stream (${problem}); check whether it still runs with \`xcluster status --name ${name}\`.`
// The metrics endpoint of `start` could not listen (the port is in use, the host is not ours).
export const metricsListenMessage = (name: string, problem: string): string =>
  `xcluster start: ${name}: the health and metrics endpoint could not listen (${problem}); pass a free --metrics-port (or metrics.port in the config file), or 0 for any free one.`
