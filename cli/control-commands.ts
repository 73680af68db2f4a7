import { sendControl } from './control-client.js'
import type { ControlReply, ControlRequest } from './control-protocol.js'
import { ambiguousAppMessage, CliError, noMasterMessage } from './errors.js'
import { formatStatus } from './format-status.js'
import { listApps, socketPath } from './run-dir.js'

/** Which app a command talks to: `--name`, or the only one in the run directory. */
interface Target {
  name?: string
  runDir: string
}

/**
 * Send `request` to the app's master. No socket, or nobody on it, is "no master runs", with
 * exit code 1; a command the master refused or failed rejects with its message.
 * @throws CliError `ERR_CLI_NO_MASTER` | `ERR_CLI_CONTROL`
 */
async function send(command: string, target: Target, request: ControlRequest): Promise<Extract<ControlReply, { ok: true }>> {
  const name = target.name ?? pickApp(command, target.runDir)
  const path = socketPath(target.runDir, name)
  let reply: ControlReply
  try {
    reply = await sendControl(path, request)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ECONNREFUSED')
      throw new CliError(noMasterMessage(command, name, path), 'ERR_CLI_NO_MASTER', { cause: error })
    throw error
  }
  if (!reply.ok) {
    throw new CliError(`xcluster ${command}: ${reply.error.message}${reply.error.code ? ` (${reply.error.code})` : ''}`, 'ERR_CLI_CONTROL')
  }
  return reply
}

/** The app of a command without `--name`: the only one in the run directory. */
export function pickApp(command: string, runDir: string): string {
  const names = listApps(runDir)
  if (names.length > 1) throw new CliError(ambiguousAppMessage(command, names, runDir), 'ERR_CLI_USAGE')
  // With none, name the default the message can show; the connect then fails as "no master".
  return names[0] ?? 'server'
}

/** `xcluster status`: print the workers table. */
export async function showStatus(target: Target): Promise<void> {
  const reply = await send('status', target, { command: 'status' })
  console.log(formatStatus(reply.status!))
}

/** `xcluster reload [--env K=V]`: a rolling reload; resolves once every worker is of the new generation. */
export async function reloadApp(target: Target, env: Record<string, string> | undefined): Promise<void> {
  const reply = await send('reload', target, { command: 'reload', env })
  const status = reply.status!
  const generation = Math.max(...status.workers.map((w) => w.generation))
  console.log(`xcluster reload: ${status.name}: ${status.workers.length} workers replaced, now generation ${generation}`)
}

const STOP_POLL_INTERVAL = 100 // ms

/**
 * `xcluster stop`: ask the master to stop gracefully, then wait until its control socket is gone
 * (the master removes it once every worker exited), so a script can rely on the stop being done.
 */
export async function stopApp(target: Target): Promise<void> {
  const name = target.name ?? pickApp('stop', target.runDir)
  await send('stop', { ...target, name }, { command: 'stop' })
  console.log(`xcluster stop: ${name} is stopping`)
  const path = socketPath(target.runDir, name)
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, STOP_POLL_INTERVAL))
    const isGone = await sendControl(path, { command: 'status' }).then(
      () => false,
      () => true,
    )
    if (isGone) break
  }
  console.log(`xcluster stop: ${name} stopped`)
}
