import { mkdirSync, readdirSync, statSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { basename, extname, join, resolve } from 'node:path'
import { CliError, unsafeRunDirMessage } from './errors.js'

/** Suffix of a control socket file in the run directory. */
export const SOCKET_SUFFIX = '.sock'

/**
 * Where control sockets live: `--run-dir`, else `$XDG_RUNTIME_DIR/xcluster` (systemd's per-user
 * runtime directory), else `<tmpdir>/xcluster-<uid>`.
 */
export function defaultRunDir(): string {
  const runtime = process.env.XDG_RUNTIME_DIR
  if (runtime) return join(runtime, 'xcluster')
  return join(tmpdir(), `xcluster-${userInfo().uid}`)
}

/**
 * Create the run directory (mode 0700) or check an existing one: it must be ours and closed to
 * others, since whoever can reach a control socket can stop or reload the app.
 * @throws CliError `ERR_CLI_RUN_DIR` when it is not.
 */
export function ensureRunDir(runDir: string): string {
  const dir = resolve(runDir)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const stat = statSync(dir)
  const uid = process.getuid?.()
  if (!stat.isDirectory()) throw new CliError(unsafeRunDirMessage(dir, 'is not a directory'), 'ERR_CLI_RUN_DIR')
  if (uid !== undefined && stat.uid !== uid)
    throw new CliError(unsafeRunDirMessage(dir, `belongs to uid ${stat.uid}, not to you (uid ${uid})`), 'ERR_CLI_RUN_DIR')
  if ((stat.mode & 0o077) !== 0)
    throw new CliError(unsafeRunDirMessage(dir, `has mode 0${(stat.mode & 0o777).toString(8)}`), 'ERR_CLI_RUN_DIR')
  return dir
}

/** The app name a server file gets when none is given: `server` for `./src/server.js`. */
export function defaultAppName(script: string): string {
  return basename(script, extname(script))
}

/** The control socket of app `name`. */
export function socketPath(runDir: string, name: string): string {
  return join(resolve(runDir), `${name}${SOCKET_SUFFIX}`)
}

/** Names of the apps that have a socket file in the run directory (alive or stale). */
export function listApps(runDir: string): string[] {
  try {
    return readdirSync(runDir)
      .filter((file) => file.endsWith(SOCKET_SUFFIX))
      .map((file) => file.slice(0, -SOCKET_SUFFIX.length))
      .sort()
  } catch {
    return []
  }
}
