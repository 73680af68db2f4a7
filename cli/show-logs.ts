import { connect } from 'node:net'
import { formatLogLine, type XclusterLogFormat } from '../src/index.js'
import { type LogsMessage, type LogsRequest, MAX_LINE } from './control-protocol.js'
import { pickApp } from './control-commands.js'
import { CliError, logsCutMessage, noMasterMessage } from './errors.js'
import { socketPath } from './run-dir.js'

/** What `xcluster logs` was asked for. */
export interface LogsFlags {
  name?: string
  runDir: string
  follow?: boolean
  worker?: number | string
  lines: number
  /** Print in this format instead of the master's own. */
  format?: XclusterLogFormat
}

/**
 * `xcluster logs [--follow] [--worker N] [--lines N]`: print the app's kept worker lines (a
 * worker's stderr lines on stderr), then with `--follow` each new one until the master stops
 * (resolves, after a line on stderr saying so) or the command is interrupted.
 * @throws CliError `ERR_CLI_NO_MASTER` | `ERR_CLI_CONTROL` (refused, dropped, or the master vanished)
 */
export function showLogs(flags: LogsFlags): Promise<void> {
  const name = flags.name ?? pickApp('logs', flags.runDir)
  const path = socketPath(flags.runDir, name)
  const request: LogsRequest = { command: 'logs', worker: flags.worker, lines: flags.lines, follow: flags.follow === true }
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let buffer = ''
    let format: XclusterLogFormat = flags.format ?? 'raw'
    let app = name
    let isDone = false
    const finish = (error?: Error) => {
      isDone = true
      socket.destroy()
      if (error) reject(error)
      else resolve()
    }
    const take = (message: LogsMessage | { ok: false; error: { message: string; code?: string } }) => {
      if ('log' in message) {
        const target = message.log.stream === 'stderr' ? process.stderr : process.stdout
        target.write(`${formatLogLine(message.log, format, app)}\n`)
      } else if ('ok' in message) {
        if (!message.ok) return finish(new CliError(`xcluster logs: ${message.error.message}`, 'ERR_CLI_CONTROL'))
        format = flags.format ?? message.format
        app = message.name
      } else if (message.end === 'done') {
        finish()
      } else if (message.end === 'dropped') {
        finish(new CliError(`xcluster logs: ${message.message}`, 'ERR_CLI_CONTROL'))
      } else if (message.end === 'stopped' || message.end === 'failed') {
        console.error(`xcluster logs: ${message.message}`)
        finish()
      } else {
        finish(new CliError(logsCutMessage(name, 'it sent a line that is not part of a logs answer'), 'ERR_CLI_CONTROL'))
      }
    }
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (isDone) return
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')
        return finish(new CliError(noMasterMessage('logs', name, path), 'ERR_CLI_NO_MASTER', { cause: error }))
      finish(new CliError(logsCutMessage(name, error.message), 'ERR_CLI_CONTROL', { cause: error }))
    })
    socket.on('data', (chunk: string) => {
      buffer += chunk
      let newline = buffer.indexOf('\n')
      while (newline !== -1 && !isDone) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + 1)
        try {
          take(JSON.parse(line))
        } catch {
          return finish(new CliError(logsCutMessage(name, `a line is not JSON: ${line.slice(0, 80)}`), 'ERR_CLI_CONTROL'))
        }
        newline = buffer.indexOf('\n')
      }
      if (buffer.length > MAX_LINE) finish(new CliError(logsCutMessage(name, `a line is longer than ${MAX_LINE} bytes`), 'ERR_CLI_CONTROL'))
    })
    socket.on('close', () => {
      if (!isDone) finish(new CliError(logsCutMessage(name, 'it closed the connection without an end line'), 'ERR_CLI_CONTROL'))
    })
  })
}
