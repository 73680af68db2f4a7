/**
 * Accepts `@statelyai/inspect`'s `createWebSocketInspector` on the live view's own port: any
 * XState v5 program can send its inspection events to `ws://127.0.0.1:PORT` and be seen offline.
 * Node 20 has a WebSocket client but no server, so the `ws` package serves the upgrade.
 *
 * Same gate as the page: the Host header must be ours and the token must match (`?token=` in the
 * inspector's URL). A browser page elsewhere could open a WebSocket to 127.0.0.1 and inject
 * made-up actors, so an `Origin` header (only browsers send one) must name this view too.
 * Messages are capped at `MAX_MESSAGE_BYTES`; the connections at `MAX_INSPECTOR_CONNECTIONS`.
 */
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'
import { FOREIGN_ORIGIN, TOO_MANY_INSPECTORS } from './messages.js'
import { parseHostHeader } from './security.js'
import type { GuardVerdict } from './security.js'
import { parseRemoteEvent } from './remote-events.js'
import type { RemoteInspectionEvent } from './remote-events.js'

/** Largest inspection message accepted, in bytes (1 MiB); a bigger one closes that socket (1009). */
export const MAX_MESSAGE_BYTES = 1024 * 1024
/** Inspected programs connected at once. */
export const MAX_INSPECTOR_CONNECTIONS = 16

export interface InspectorSocket {
  readonly size: number
  close(): void
}

/** Serves WebSocket upgrades on `server`; each parsed event goes to `onEvent`. */
export function attachInspectorSocket(
  server: Server,
  options: {
    guard: (request: IncomingMessage) => GuardVerdict
    allowedHostNames: ReadonlySet<string>
    onEvent: (event: RemoteInspectionEvent) => void
  },
): InspectorSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  const sockets = new Set<WebSocket>()

  function refuse(socket: Duplex, status: number, message: string): void {
    socket.end(
      `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 503 ? 'Service Unavailable' : 'Forbidden'}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${message}\n`,
    )
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const verdict = options.guard(request)
    if (!verdict.isAllowed) return refuse(socket, verdict.status, verdict.message)
    if (!isOwnOrigin(request.headers.origin, options.allowedHostNames)) return refuse(socket, 403, FOREIGN_ORIGIN)
    if (sockets.size >= MAX_INSPECTOR_CONNECTIONS) return refuse(socket, 503, TOO_MANY_INSPECTORS)
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      ws.on('error', () => ws.terminate())
      ws.on('message', (data, isBinary) => {
        if (isBinary) return
        const event = parseRemoteEvent(data.toString())
        if (event) options.onEvent(event)
      })
    })
  }

  server.on('upgrade', onUpgrade)
  return {
    get size() {
      return sockets.size
    },
    close() {
      server.off('upgrade', onUpgrade)
      for (const ws of sockets) ws.terminate()
      sockets.clear()
      wss.close()
    },
  }
}

/** An upgrade with an `Origin` (a browser) is accepted only from a page of this view. */
function isOwnOrigin(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true
  try {
    const host = parseHostHeader(new URL(origin).host)
    return host !== null && allowed.has(host)
  } catch {
    return false
  }
}
