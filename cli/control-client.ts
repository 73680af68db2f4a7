import { connect } from 'node:net'
import { type ControlReply, type ControlRequest, MAX_LINE } from './control-protocol.js'

/**
 * Send one request to a master's control socket and read its one-line reply. Rejects with the
 * socket's own error (`ENOENT`, `ECONNREFUSED`: no master) for the caller to explain.
 */
export function sendControl(path: string, request: ControlRequest): Promise<ControlReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let buffer = ''
    socket.setEncoding('utf8')
    socket.on('error', reject)
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on('data', (chunk: string) => {
      buffer += chunk
      if (buffer.length > MAX_LINE) socket.destroy(new Error(`the master's reply is longer than ${MAX_LINE} bytes`))
    })
    socket.on('end', () => {
      try {
        resolve(JSON.parse(buffer) as ControlReply)
      } catch {
        reject(new Error(`the master's reply is not JSON: ${buffer.slice(0, 80)}`))
      }
    })
  })
}
