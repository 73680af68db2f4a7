/**
 * The local live view: an HTTP server in the master that serves one page and a stream of
 * Server-Sent Events built from XState inspection events. It needs no internet.
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AnyStateMachine, InspectionEvent } from 'xstate'
import {
  READ_ONLY,
  describeBadAllowedHosts,
  describeBadHost,
  describeBadMachine,
  describeBadMaxClients,
  describeBadPort,
  describeBadToken,
  describeBadStallTimeout,
  describeTooManyClients,
} from './messages.js'
import { createChartRegistry } from './chart-registry.js'
import { createEventStream } from './event-stream.js'
import { MAX_MESSAGE_BYTES, attachInspectorSocket } from './inspector-socket.js'
import type { InspectorSocket } from './inspector-socket.js'
import { renderLivePage } from './page.js'
import { parseRemoteEvent } from './remote-events.js'
import { assertSafeBinding, createRequestGuard, listAllowedHostNames } from './security.js'
import { createStateTable } from './state-table.js'
import type { StateTableChange } from './state-table.js'

/** The host the view binds to unless told otherwise: this machine only. */
export const DEFAULT_LIVE_VIEW_HOST = '127.0.0.1'
/** Browsers that may stream at once unless told otherwise. */
export const DEFAULT_MAX_CLIENTS = 32
/** How long a browser's buffer may stay full before it is dropped, in ms (10 s). */
export const DEFAULT_STALL_TIMEOUT = 10_000
/** How often the per-worker figures are read while a browser is connected, in ms. */
const STATS_INTERVAL = 1_000

/** Per-worker figures that only the runtime knows; keyed by node:cluster's `worker.id`. */
export interface XclusterWorkerStats {
  workerId: number
  inFlight: number
  restarts: number
}

export interface XclusterLiveViewOptions {
  /** TCP port; 0 lets the system pick a free one (read it from `url`). @default 0 */
  port?: number
  /**
   * Interface to bind. Anything but loopback requires `token`.
   * @default '127.0.0.1'
   */
  host?: string
  /**
   * Required to open the page or the stream, as `?token=…` or `Authorization: Bearer …`.
   * Required when `host` is not loopback. @default undefined (no token on loopback)
   */
  token?: string
  /** Extra host names the Host header may carry (a reverse proxy's name). @default [] */
  allowedHosts?: string[]
  /**
   * The worker lifecycle machine: actors running it are shown as workers. Every machine the view
   * sees is drawn; this one is drawn first. Leave it out for a view of any XState program.
   */
  workerMachine?: AnyStateMachine
  /**
   * Accept `@statelyai/inspect`'s `createWebSocketInspector({ url: 'ws://127.0.0.1:PORT' })` on
   * the same port (with `?token=…` in that URL when a token is set), and show those machines too.
   * @default false
   */
  acceptInspectors?: boolean
  /** Returns calls in flight and restarts per live worker; read once a second while a browser watches. */
  getStats?: () => XclusterWorkerStats[]
  /** Browsers that may stream at once; more get 503. @default 32 */
  maxClients?: number
  /**
   * A browser whose socket buffer stays full this long (it stopped reading) is dropped, even
   * when nothing more is sent, so that it cannot hold one of the `maxClients` places. In ms.
   * @default 10_000
   */
  stallTimeout?: number
  /** The page title. @default 'xcluster live view' */
  title?: string
}

export interface XclusterLiveView {
  /** Where to open the view on this machine (loopback for a wildcard bind), with `?token=` when a token is set. */
  url: string
  /** Pass to `createActor(machine, { inspect: view.observer })`, or through `combineInspectors`. */
  observer: (event: InspectionEvent) => void
  /**
   * Feeds one inspection event in `@statelyai/inspect`'s JSON shape (what
   * `createWebSocketInspector` sends: `@xstate.actor` with `definition`, `@xstate.snapshot`,
   * `@xstate.event`), as a string or an object. For events that reach the master some other way,
   * such as actors' inspection relayed from a worker process. Malformed input is ignored.
   */
  observeRemote(message: string | object): void
  /** The WebSocket address inspected programs send to, when `acceptInspectors` is on. */
  inspectorUrl: string | null
  /** Resolves once every chart asked for so far is drawn. */
  onChartsDrawn(): Promise<void>
  /** Ends every stream and stops the server. Idempotent. */
  close(): Promise<void>
}

/**
 * Serves the live view of a cluster: each worker's state, uptime, restarts and calls in flight,
 * the supervisor's state, a log of transitions with their reasons, and the worker statechart.
 * Rejects with a TypeError on bad options, including a non-loopback `host` without `token`.
 *
 * @example
 * const view = await createLiveView({ port: 9999, workerMachine })
 * const actor = createActor(supervisorMachine, { inspect: view.observer }).start()
 * console.log(`live view: ${view.url}`)
 * // later
 * await view.close()
 */
export async function createLiveView(options: XclusterLiveViewOptions): Promise<XclusterLiveView> {
  assertLiveViewOptions(options)
  const host = options.host ?? DEFAULT_LIVE_VIEW_HOST
  const port = options.port ?? 0
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS
  const title = options.title ?? 'xcluster live view'
  const charts = createChartRegistry((chart) => stream.broadcast('chart', chart))
  if (options.workerMachine) charts.keyOfMachine(options.workerMachine)
  const table = createStateTable({
    workerMachineId: options.workerMachine?.id ?? '',
    chartOfMachine: (logic) => charts.keyOfMachine(logic),
    chartOfDefinition: (definition) => charts.keyOfDefinition(definition),
  })
  const allowedHostNames = listAllowedHostNames(host, options.allowedHosts)
  const guard = createRequestGuard({ allowedHostNames, token: options.token })
  let socket: InspectorSocket | undefined
  let isClosed = false
  let lastStats = '[]'
  let statsTimer: NodeJS.Timeout | undefined
  const stream = createEventStream({
    maxClients,
    stallTimeout: options.stallTimeout ?? DEFAULT_STALL_TIMEOUT,
    onIdle() {
      if (statsTimer) clearInterval(statsTimer)
      statsTimer = undefined
    },
  })

  function readStats(): XclusterWorkerStats[] {
    if (!options.getStats) return []
    try {
      // Copy numbers only: whatever the runtime returns, nothing else reaches the browser.
      return options.getStats().map((s) => ({ workerId: Number(s.workerId), inFlight: Number(s.inFlight), restarts: Number(s.restarts) }))
    } catch {
      return []
    }
  }

  const unsubscribe = table.subscribe((change: StateTableChange) => {
    if (stream.size === 0) return
    if (change.type === 'actor') stream.broadcast('actor', change.row)
    else if (change.type === 'transition') stream.broadcast('transition', change.entry)
    else stream.broadcast('remove', { sessionId: change.sessionId })
  })

  function pollStats(): void {
    const stats = readStats()
    const json = JSON.stringify(stats)
    if (json === lastStats) return
    lastStats = json
    stream.broadcast('stats', { now: Date.now(), stats })
  }

  function openStream(res: ServerResponse): void {
    if (!stream.hasRoom()) {
      reply(res, 503, describeTooManyClients(maxClients))
      return
    }
    const stats = readStats()
    stream.open(
      res,
      {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Accel-Buffering': 'no',
        Connection: 'keep-alive',
        ...SECURITY_HEADERS,
      },
      () => ({ now: Date.now(), ...table.read(), stats, charts: charts.list() }),
    )
    if (!statsTimer && options.getStats) {
      lastStats = JSON.stringify(stats)
      statsTimer = setInterval(pollStats, STATS_INTERVAL)
      statsTimer.unref()
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    // A browser asks for the icon without the page's ?token=: answer it without one (it is empty).
    const verdict = guard(req, { needsToken: pathname !== '/favicon.ico' })
    if (!verdict.isAllowed) {
      reply(res, verdict.status, verdict.message)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      reply(res, 405, READ_ONLY)
      return
    }
    if (pathname === '/' || pathname === '/index.html') {
      const nonce = randomBytes(16).toString('base64')
      const html = renderLivePage({ nonce, title })
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        ...SECURITY_HEADERS,
      })
      res.end(req.method === 'HEAD' ? undefined : html)
    } else if (pathname === '/events' && req.method === 'GET') {
      openStream(res)
    } else if (pathname === '/state.json') {
      const body = JSON.stringify({ now: Date.now(), ...table.read(), stats: readStats() })
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS })
      res.end(req.method === 'HEAD' ? undefined : body)
    } else if (pathname === '/history.json') {
      const session = new URL(req.url ?? '/', 'http://localhost').searchParams.get('session') ?? ''
      // null for an actor not held (ended and pruned, or unknown): a 404 would log a console error in the page.
      const history = table.history(session)
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS })
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(history))
    } else if (pathname === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS)
      res.end()
    } else {
      reply(res, 404, 'Not Found')
    }
  }

  const server = createServer(handle)
  if (options.acceptInspectors)
    socket = attachInspectorSocket(server, { guard, allowedHostNames, onEvent: (event) => table.observeRemote(event) })
  try {
    await listen(server, port, host)
  } catch (error) {
    unsubscribe()
    socket?.close()
    throw error
  }
  const address = server.address() as AddressInfo
  // A wildcard bind is reachable here through loopback; an address like 0.0.0.0 is no place to browse to.
  const shownAddress = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address
  const shownHost = shownAddress.includes(':') ? `[${shownAddress}]` : shownAddress
  const query = options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`
  const url = `http://${shownHost}:${address.port}/${query}`

  return {
    url,
    inspectorUrl: options.acceptInspectors ? `ws://${shownHost}:${address.port}/${query}` : null,
    onChartsDrawn: () => charts.onIdle(),
    observer(event) {
      if (!isClosed) table.observe(event)
    },
    observeRemote(message) {
      if (isClosed) return
      let text: string
      try {
        text = typeof message === 'string' ? message : JSON.stringify(message)
      } catch {
        return
      }
      if (text.length > MAX_MESSAGE_BYTES) return
      const event = parseRemoteEvent(text)
      if (event) table.observeRemote(event)
    },
    async close() {
      if (isClosed) return
      isClosed = true
      unsubscribe()
      if (statsTimer) clearInterval(statsTimer)
      stream.close()
      socket?.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

/**
 * Checks live view options without starting anything, so that `supervise()` can refuse bad
 * `dashboard` options synchronously. Throws a TypeError naming the bad option, including a
 * non-loopback `host` without `token`. `createLiveView` runs the same checks.
 *
 * @example
 * assertLiveViewOptions({ host: '0.0.0.0', workerMachine }) // throws: needs a token
 */
export function assertLiveViewOptions(options: XclusterLiveViewOptions): void {
  const host = options.host ?? DEFAULT_LIVE_VIEW_HOST
  const port = options.port ?? 0
  const maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS
  if (typeof host !== 'string' || host.trim() === '') throw new TypeError(describeBadHost(host))
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(describeBadPort(port))
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === ''))
    throw new TypeError(describeBadToken(options.token))
  if (!Number.isInteger(maxClients) || maxClients < 1) throw new TypeError(describeBadMaxClients(maxClients))
  const stallTimeout = options.stallTimeout ?? DEFAULT_STALL_TIMEOUT
  if (!Number.isInteger(stallTimeout) || stallTimeout < 1) throw new TypeError(describeBadStallTimeout(stallTimeout))
  if (
    options.allowedHosts !== undefined &&
    (!Array.isArray(options.allowedHosts) || !options.allowedHosts.every((h) => typeof h === 'string'))
  ) {
    throw new TypeError(describeBadAllowedHosts(options.allowedHosts))
  }
  const machine = options.workerMachine as unknown as { id?: unknown; root?: unknown } | undefined
  if (machine !== undefined && (!machine || typeof machine.id !== 'string' || machine.root === undefined))
    throw new TypeError(describeBadMachine(options.workerMachine))
  assertSafeBinding(host, options.token)
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
} as const

function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS })
  res.end(`${message}\n`)
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}
