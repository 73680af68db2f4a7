/**
 * What a draining worker does with its upgraded connections (WebSocket, or any other protocol
 * a server took over with `'upgrade'`). They are not HTTP any more, so `Connection: close`
 * cannot end them, and they were closed as idle kept-alive sockets 250 ms into the drain: the
 * client saw an abnormal closure (WebSocket code 1006) and could not tell a restart from a crash.
 *
 * Now the app gets a grace to close them itself (its `onDrain()` listeners ran when the drain
 * began: that is where it can close with its own code and reason); a WebSocket still open
 * after it gets a close frame with 1001 "going away", the code RFC 6455 §7.4.1 gives a server
 * that goes down, so clients reconnect (to another worker); any other upgraded socket is ended.
 * Either is destroyed if its peer has not closed it after a second grace.
 */
import type { IncomingMessage } from 'node:http'
import type net from 'node:net'

/** How long the app may take to close its upgraded connections itself once a drain began, in ms. */
export const UPGRADE_CLOSE_GRACE = 1000 // ms
/** How long a peer may take to close its side after our close frame or FIN, in ms. */
export const UPGRADE_END_GRACE = 1000 // ms

/** Close code sent to a WebSocket still open after the grace (RFC 6455 §7.4.1). */
export const WEBSOCKET_GOING_AWAY = 1001
const GOING_AWAY_REASON = 'server restarting'

/**
 * A WebSocket close frame as a server sends it: FIN + opcode 0x8, unmasked, a 2-byte code and a
 * short UTF-8 reason (control frames carry at most 125 bytes of payload).
 */
export function websocketCloseFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8').subarray(0, 123)
  const frame = Buffer.alloc(4 + text.length)
  frame[0] = 0x88
  frame[1] = 2 + text.length
  frame.writeUInt16BE(code, 2)
  text.copy(frame, 4)
  return frame
}

// A server closed twice (its own `close()`, then the cluster's disconnect) drains each socket once.
const draining = new WeakSet<net.Socket>()

const isWebSocket = (request: IncomingMessage): boolean => request.headers.upgrade?.toLowerCase() === 'websocket'

/**
 * Ends one upgraded socket of a draining server, after the app's grace. Timers are unref'd: a
 * socket that closes sooner lets the worker exit at once.
 *
 * Writing our frame between the app's own is safe: a server library writes each frame within one
 * tick (ws corks header and payload), and RFC 6455 §5.4 lets a control frame sit between the
 * fragments of a message.
 */
export function drainUpgraded(socket: net.Socket, request: IncomingMessage): void {
  if (draining.has(socket)) return
  draining.add(socket)
  const closeTimer = setTimeout(() => {
    if (socket.destroyed) return
    if (isWebSocket(request) && socket.writable) socket.write(websocketCloseFrame(WEBSOCKET_GOING_AWAY, GOING_AWAY_REASON))
    // A WebSocket peer answers with its own close frame, and the server's library then ends the
    // socket; a raw protocol gets our FIN. Either way, a peer that never closes is cut off.
    else socket.end()
    setTimeout(() => socket.destroy(), UPGRADE_END_GRACE).unref()
  }, UPGRADE_CLOSE_GRACE)
  closeTimer.unref()
  socket.once('close', () => clearTimeout(closeTimer))
}
