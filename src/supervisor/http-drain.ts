/**
 * Graceful close of the HTTP servers a worker creates, with no user code: loaded by the worker
 * preload, it wraps `net.Server.prototype.listen` and gives every HTTP/1.1, HTTPS or HTTP/2
 * server that listens a `close()` that drains kept-alive connections instead of leaving them.
 *
 * Why: node:cluster's disconnect closes each server of the worker, and `server.close()` waits for
 * every connection to end. In Node 20 it closes only *idle* keep-alive sockets (and those at
 * once, racing a request the client is writing); a busy one stays open, keeps the worker alive
 * until the master's deadline, and the SIGTERM then resets one request per open connection
 * (https://github.com/nodejs/node/issues/2642).
 */
import net from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2Session } from 'node:http2'
import { notifyDrain } from './drain-hooks.js'
import { drainUpgraded } from './upgrade-drain.js'

/**
 * How long a kept-alive socket may stay idle once its server drains before it is closed, in ms.
 * A client may be writing its next request on it right now; closing the socket at once would
 * reset that request, waiting this long lets it arrive and be answered with `Connection: close`.
 */
export const DRAIN_IDLE_GRACE = 250 // ms

/** An HTTP/1 server as this module sees it (`http.Server` and `https.Server` both are). */
interface Http1Server extends net.Server {
  closeIdleConnections(): void
}

/** An HTTP/2 server (`http2.createServer()` / `createSecureServer()`). */
interface Http2Server extends net.Server {
  updateSettings(settings: object): void
}

const isHttp1 = (server: net.Server): server is Http1Server => typeof (server as Http1Server).closeIdleConnections === 'function'
const isHttp2 = (server: net.Server): server is Http2Server => typeof (server as Http2Server).updateSettings === 'function'

const drained = new WeakSet<net.Server>()

/** Wrap `net.Server.prototype.listen` once, so that every HTTP server that listens drains on close. */
export function installHttpDrain(): void {
  const listen = net.Server.prototype.listen
  if ((listen as { isXclusterDrain?: boolean }).isXclusterDrain) return
  const wrapped = function (this: net.Server, ...args: unknown[]) {
    if (!drained.has(this)) {
      drained.add(this)
      if (isHttp2(this)) drainHttp2OnClose(this)
      else if (isHttp1(this)) drainHttp1OnClose(this)
    }
    return Reflect.apply(listen, this, args)
  }
  Object.defineProperty(wrapped, 'isXclusterDrain', { value: true })
  net.Server.prototype.listen = wrapped as typeof listen
}

/** One kept-alive HTTP/1 connection: the responses it is still writing, its idle timer. */
interface Connection {
  responses: Set<ServerResponse>
  idleTimer: NodeJS.Timeout | undefined
  /** The request that upgraded it (WebSocket…): no longer HTTP, drained by upgrade-drain.ts. */
  upgrade: IncomingMessage | undefined
}

/**
 * Track each connection's responses, and on `close()`: stop listening at once (the master hands
 * new connections to other workers), answer every response not yet started with
 * `Connection: close`, and close each socket once it has no response left and stayed idle for
 * `DRAIN_IDLE_GRACE`. An upgraded socket is no longer HTTP: `drainUpgraded()` ends it after the
 * app's own grace. `close()`'s callback fires when the last socket is gone, as before.
 */
function drainHttp1OnClose(server: Http1Server): void {
  const connections = new Map<net.Socket, Connection>()
  let isDraining = false
  const closeWhenIdle = (socket: net.Socket, connection: Connection) => {
    if (connection.upgrade) return drainUpgraded(socket, connection.upgrade)
    if (connection.responses.size > 0 || connection.idleTimer || socket.destroyed) return
    connection.idleTimer = setTimeout(() => {
      if (connection.responses.size === 0) socket.destroy()
    }, DRAIN_IDLE_GRACE)
    connection.idleTimer.unref()
  }
  const track = (socket: net.Socket) => {
    const connection: Connection = { responses: new Set(), idleTimer: undefined, upgrade: undefined }
    connections.set(socket, connection)
    socket.once('close', () => {
      clearTimeout(connection.idleTimer)
      connections.delete(socket)
    })
    // A TLS socket that finishes its handshake once the drain began still gets its grace and close.
    if (isDraining) closeWhenIdle(socket, connection)
    return connection
  }
  // https.Server hands requests on the TLS socket, which `secureConnection` announces.
  server.on(server.listenerCount('secureConnection') > 0 ? 'secureConnection' : 'connection', track)
  // First in line, so that `Connection: close` is set before the user's handler writes headers.
  server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket
    const connection = connections.get(socket) ?? track(socket)
    clearTimeout(connection.idleTimer)
    connection.idleTimer = undefined
    connection.responses.add(response)
    if (isDraining) response.shouldKeepAlive = false
    response.once('close', () => {
      connection.responses.delete(response)
      if (isDraining) closeWhenIdle(socket, connection)
    })
  })
  // Upgrades are seen on their way out, not with a listener: with an 'upgrade' listener of ours,
  // Node would treat every `Upgrade:` request as one (it answers them as plain requests while
  // nobody listens), and a server without WebSockets would change behaviour.
  const emit = server.emit
  server.emit = function (this: Http1Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'upgrade') {
      const [request, socket] = args as [IncomingMessage, net.Socket]
      const connection = connections.get(socket) ?? track(socket)
      clearTimeout(connection.idleTimer)
      connection.upgrade = request
      if (isDraining) drainUpgraded(socket, request)
    }
    return Reflect.apply(emit, this, [event, ...args])
  } as typeof emit
  const close = net.Server.prototype.close
  // Not http.Server's own close: it would close idle sockets at once, racing the client's next request.
  server.close = function (this: Http1Server, callback?: (error?: Error) => void) {
    isDraining = true
    notifyDrain()
    for (const [socket, connection] of connections) {
      for (const response of connection.responses) if (!response.headersSent) response.shouldKeepAlive = false
      closeWhenIdle(socket, connection)
    }
    Reflect.apply(close, this, callback ? [callback] : [])
    return this
  }
}

/**
 * HTTP/2: on `close()`, stop listening and close each session gracefully (GOAWAY: streams already
 * open finish, the client opens new ones on a new connection, to another worker).
 */
function drainHttp2OnClose(server: Http2Server): void {
  const sessions = new Set<Http2Session>()
  server.on('session', (session: Http2Session) => {
    sessions.add(session)
    session.once('close', () => sessions.delete(session))
  })
  const close = net.Server.prototype.close
  server.close = function (this: Http2Server, callback?: (error?: Error) => void) {
    notifyDrain()
    Reflect.apply(close, this, callback ? [callback] : [])
    for (const session of sessions) if (!session.closed) session.close()
    return this
  }
}
