import { chmodSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { sendControl } from './control-client.js'
import { type AppStatus, type ControlReply, type ControlRequest, MAX_LINE } from './control-protocol.js'
import { CliError, socketHeldMessage } from './errors.js'
import { type LogFeed, serveLogs } from './log-stream.js'

/** What the control socket drives: one app's supervised cluster. */
export interface ControlledApp {
  status(): AppStatus
  reload(env: Record<string, string> | undefined): Promise<void>
  stop(): Promise<void>
  /** The app's worker output, for `xcluster logs`. */
  logs: LogFeed
}

/**
 * Listen on the app's control socket (mode 0600, in the private run directory). A socket file
 * that nobody answers on is a dead master's leftover and is removed; one a live master answers
 * on means this app already runs, and starting is refused.
 * @throws CliError `ERR_CLI_SOCKET_HELD`
 */
export async function listenControl(path: string, name: string, app: ControlledApp): Promise<Server> {
  await removeStaleSocket(path, name)
  const server = createServer((socket) => serveConnection(socket, app))
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      // Another master won the race between our check and our bind.
      reject(error.code === 'EADDRINUSE' ? new CliError(socketHeldMessage(name, path, undefined), 'ERR_CLI_SOCKET_HELD') : error),
    )
    server.listen(path, resolve)
  })
  // The run directory is 0700 already, so the moment before chmod exposes nothing.
  chmodSync(path, 0o600)
  server.unref()
  return server
}

/** Close the control socket and remove its file. */
export function closeControl(server: Server, path: string): void {
  server.close()
  try {
    unlinkSync(path)
  } catch {}
}

async function removeStaleSocket(path: string, name: string): Promise<void> {
  try {
    const reply = await sendControl(path, { command: 'status' })
    throw new CliError(socketHeldMessage(name, path, reply.ok ? reply.status?.pid : undefined), 'ERR_CLI_SOCKET_HELD')
  } catch (error) {
    if (error instanceof CliError && error.code === 'ERR_CLI_SOCKET_HELD') throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ECONNREFUSED') unlinkSync(path)
    else if (code !== 'ENOENT') throw error
  }
}

/** One request line in, one reply line out; a bad request gets an error reply, never a crash. */
function serveConnection(socket: Socket, app: ControlledApp): void {
  let buffer = ''
  socket.setEncoding('utf8')
  socket.on('error', () => {})
  socket.on('data', (chunk: string) => {
    buffer += chunk
    if (buffer.length > MAX_LINE) return reply(socket, failure('ERR_CLI_CONTROL', `request longer than ${MAX_LINE} bytes`))
    const end = buffer.indexOf('\n')
    if (end === -1) return
    socket.removeAllListeners('data')
    let request: ControlRequest
    try {
      request = JSON.parse(buffer.slice(0, end)) as ControlRequest
    } catch {
      return reply(socket, failure('ERR_CLI_CONTROL', 'the request is not JSON'))
    }
    // Its answer is a stream of lines, not one reply.
    if (request?.command === 'logs') return serveLogs(socket, request, app.logs)
    handle(request, app).then((answer) => reply(socket, answer))
  })
}

async function handle(request: ControlRequest, app: ControlledApp): Promise<ControlReply> {
  try {
    switch (request?.command) {
      case 'status':
        return { ok: true, status: app.status() }
      case 'reload':
        await app.reload(checkEnv(request.env))
        return { ok: true, status: app.status() }
      case 'stop':
        // Answer first: the master exits once the stop is done, and the reply must not race it.
        queueMicrotask(() => void app.stop())
        return { ok: true }
      default:
        return failure(
          'ERR_CLI_CONTROL',
          `unknown command ${JSON.stringify(String((request as { command?: unknown })?.command)).slice(0, 80)}`,
        )
    }
  } catch (error) {
    const { name, message, code } = error as Error & { code?: string }
    return { ok: false, error: { name, message, code } }
  }
}

function checkEnv(env: unknown): Record<string, string> | undefined {
  if (env === undefined) return undefined
  if (env === null || typeof env !== 'object' || Object.values(env).some((value) => typeof value !== 'string')) {
    throw new CliError('reload: `env` must be an object of strings', 'ERR_CLI_CONTROL')
  }
  return { ...(env as Record<string, string>) }
}

const failure = (code: string, message: string): ControlReply => ({ ok: false, error: { name: 'CliError', code, message } })

function reply(socket: Socket, answer: ControlReply): void {
  socket.end(`${JSON.stringify(answer)}\n`)
}
