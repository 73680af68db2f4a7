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
  TOO_MANY_CLIENTS,
  describeBadAllowedHosts,
  describeBadHost,
  describeBadMachine,
  describeBadMaxClients,
  describeBadPort,
  describeBadToken,
} from './messages.js'
import { renderLivePage } from './page.js'
import { assertSafeBinding, createRequestGuard, listAllowedHostNames } from './security.js'
import { createStateTable } from './state-table.js'
import type { StateTableChange } from './state-table.js'
import { layoutStatechart, renderStatechartSvg } from './statechart.js'

/** The host the view binds to unless told otherwise: this machine only. */
export const DEFAULT_LIVE_VIEW_HOST = '127.0.0.1'
const DEFAULT_MAX_CLIENTS = 8
/** How often the per-worker figures are read while a browser is connected, in ms. */
const STATS_INTERVAL = 1_000
/** A comment line keeps proxies and browsers from closing an idle stream, every 15 s. */
const KEEPALIVE_INTERVAL = 15_000
/** A browser that stops reading is dropped once this much is queued for it, in bytes (1 MiB). */
const MAX_QUEUED_BYTES = 1024 * 1024
/** The browser's reconnect delay after a dropped stream, in ms. */
const RETRY_DELAY = 2_000

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
  /** The worker lifecycle machine: its chart is drawn, and actors running it are shown as workers. */
  workerMachine: AnyStateMachine
  /** Returns calls in flight and restarts per live worker; read once a second while a browser watches. */
  getStats?: () => XclusterWorkerStats[]
  /** Browsers that may stream at once; more get 503. @default 8 */
  maxClients?: number
  /** The page title. @default 'xcluster live view' */
  title?: string
}

export interface XclusterLiveView {
  /** Where to open the view on this machine (loopback for a wildcard bind), with `?token=` when a token is set. */
  url: string
  /** Pass to `createActor(machine, { inspect: view.observer })`, or through `combineInspectors`. */
  observer: (event: InspectionEvent) => void
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
  const layout = layoutStatechart(options.workerMachine)
  const svg = renderStatechartSvg(layout)
  const title = options.title ?? 'xcluster live view'
  const table = createStateTable({ workerMachineId: options.workerMachine.id })
  const guard = createRequestGuard({ allowedHostNames: listAllowedHostNames(host, options.allowedHosts), token: options.token })
  const clients = new Set<ServerResponse>()
  let isClosed = false
  let lastStats = '[]'
  let statsTimer: NodeJS.Timeout | undefined

  function readStats(): XclusterWorkerStats[] {
    if (!options.getStats) return []
    try {
      // Copy numbers only: whatever the runtime returns, nothing else reaches the browser.
      return options.getStats().map((s) => ({ workerId: Number(s.workerId), inFlight: Number(s.inFlight), restarts: Number(s.restarts) }))
    } catch {
      return []
    }
  }

  function send(res: ServerResponse, event: string, data: unknown): void {
    // JSON.stringify leaves no raw newline, so one `data:` line carries the whole message.
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    if (res.writableLength > MAX_QUEUED_BYTES) {
      clients.delete(res)
      res.destroy()
    }
  }

  function broadcast(event: string, data: unknown): void {
    for (const res of clients) send(res, event, data)
  }

  const unsubscribe = table.subscribe((change: StateTableChange) => {
    if (clients.size === 0) return
    if (change.type === 'actor') broadcast('actor', change.row)
    else if (change.type === 'transition') broadcast('transition', change.entry)
    else broadcast('remove', { sessionId: change.sessionId })
  })

  function pollStats(): void {
    const stats = readStats()
    const json = JSON.stringify(stats)
    if (json === lastStats) return
    lastStats = json
    broadcast('stats', { now: Date.now(), stats })
  }

  function openStream(req: IncomingMessage, res: ServerResponse): void {
    if (clients.size >= maxClients) {
      reply(res, 503, TOO_MANY_CLIENTS)
      return
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
      ...SECURITY_HEADERS,
    })
    res.write(`retry: ${RETRY_DELAY}\n\n`)
    const stats = readStats()
    send(res, 'init', { now: Date.now(), ...table.read(), stats })
    clients.add(res)
    if (!statsTimer && options.getStats) {
      lastStats = JSON.stringify(stats)
      statsTimer = setInterval(pollStats, STATS_INTERVAL)
      statsTimer.unref()
    }
    req.on('close', () => {
      clients.delete(res)
      if (clients.size === 0 && statsTimer) {
        clearInterval(statsTimer)
        statsTimer = undefined
      }
    })
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const verdict = guard(req)
    if (!verdict.isAllowed) {
      reply(res, verdict.status, verdict.message)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      reply(res, 405, READ_ONLY)
      return
    }
    const { pathname } = new URL(req.url ?? '/', 'http://localhost')
    if (pathname === '/' || pathname === '/index.html') {
      const nonce = randomBytes(16).toString('base64')
      const html = renderLivePage({ nonce, title, svg, layout })
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        ...SECURITY_HEADERS,
      })
      res.end(req.method === 'HEAD' ? undefined : html)
    } else if (pathname === '/events' && req.method === 'GET') {
      openStream(req, res)
    } else if (pathname === '/state.json') {
      const body = JSON.stringify({ now: Date.now(), ...table.read(), stats: readStats() })
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS })
      res.end(req.method === 'HEAD' ? undefined : body)
    } else if (pathname === '/favicon.ico') {
      res.writeHead(204, SECURITY_HEADERS)
      res.end()
    } else {
      reply(res, 404, 'Not Found')
    }
  }

  const server = createServer(handle)
  try {
    await listen(server, port, host)
  } catch (error) {
    unsubscribe()
    throw error
  }
  const keepAlive = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n')
  }, KEEPALIVE_INTERVAL)
  keepAlive.unref()
  const address = server.address() as AddressInfo
  // A wildcard bind is reachable here through loopback; an address like 0.0.0.0 is no place to browse to.
  const shownAddress = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address
  const shownHost = shownAddress.includes(':') ? `[${shownAddress}]` : shownAddress
  const url = `http://${shownHost}:${address.port}/${options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`}`

  return {
    url,
    observer(event) {
      if (!isClosed) table.observe(event)
    },
    async close() {
      if (isClosed) return
      isClosed = true
      unsubscribe()
      clearInterval(keepAlive)
      if (statsTimer) clearInterval(statsTimer)
      for (const res of clients) res.end()
      clients.clear()
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
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token === '')) throw new TypeError(describeBadToken(options.token))
  if (!Number.isInteger(maxClients) || maxClients < 1) throw new TypeError(describeBadMaxClients(maxClients))
  if (options.allowedHosts !== undefined && (!Array.isArray(options.allowedHosts) || !options.allowedHosts.every((h) => typeof h === 'string'))) {
    throw new TypeError(describeBadAllowedHosts(options.allowedHosts))
  }
  const machine = options.workerMachine as unknown as { id?: unknown; root?: unknown } | undefined
  if (!machine || typeof machine.id !== 'string' || machine.root === undefined) throw new TypeError(describeBadMachine(options.workerMachine))
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
