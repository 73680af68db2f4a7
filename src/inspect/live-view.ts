/**
 * The local live view: an HTTP server in the master that serves one page and a stream of
 * Server-Sent Events built from XState inspection events. It needs no internet.
 */
import { createServer } from 'node:http'
import type { Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createChangeBatcher } from './change-batcher.js'
import { createChartRegistry } from './chart-registry.js'
import { createEventStream } from './event-stream.js'
import { MAX_MESSAGE_BYTES, attachInspectorSocket } from './inspector-socket.js'
import type { InspectorSocket } from './inspector-socket.js'
import { DEFAULT_LIVE_VIEW_HOST, DEFAULT_MAX_CLIENTS, DEFAULT_STALL_TIMEOUT, assertLiveViewOptions } from './live-view-options.js'
import type { XclusterLiveView, XclusterLiveViewOptions, XclusterWorkerStats } from './live-view-options.js'
import { SECURITY_HEADERS, handleLiveViewRequest, reply } from './live-view-routes.js'
import { describeTooManyClients } from './messages.js'
import { parseRemoteEvent } from './remote-events.js'
import { createRequestGuard, listAllowedHostNames } from './security.js'
import { createStateTable } from './state-table.js'

export { DEFAULT_LIVE_VIEW_HOST, DEFAULT_MAX_CLIENTS, DEFAULT_STALL_TIMEOUT, assertLiveViewOptions } from './live-view-options.js'
export type { XclusterLiveView, XclusterLiveViewOptions, XclusterWorkerStats } from './live-view-options.js'

/** How often the per-worker figures are read while a browser is connected, in ms. */
const STATS_INTERVAL = 1_000

/**
 * Serves the live view of a cluster: each worker's state, uptime, restarts and calls in flight,
 * the supervisor's state, a log of transitions with their reasons, the statecharts, and the
 * worker actors (listed by worker, filtered by kind and state, counted by state).
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
  const charts = createChartRegistry((chart) => stream.broadcast('chart', chart))
  if (options.workerMachine) charts.keyOfMachine(options.workerMachine)
  const table = createStateTable({
    workerMachineId: options.workerMachine?.id ?? '',
    chartOfMachine: (logic) => charts.keyOfMachine(logic),
    chartOfDefinition: (definition) => charts.keyOfDefinition(definition),
  })
  const guard = createRequestGuard({ allowedHostNames: listAllowedHostNames(host, options.allowedHosts), token: options.token })
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
  const batcher = createChangeBatcher(
    (batch) => stream.broadcast('batch', batch),
    () => table.summarizeActors(),
  )
  const unsubscribe = table.subscribe((change) => {
    if (stream.size > 0) batcher.add(change)
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

  function pollStats(): void {
    const stats = readStats()
    const json = JSON.stringify(stats)
    if (json === lastStats) return
    lastStats = json
    stream.broadcast('stats', { now: Date.now(), stats })
  }

  function openStream(res: ServerResponse): void {
    if (!stream.hasRoom()) return reply(res, 503, describeTooManyClients(maxClients))
    // Changes already in the table go to the others now: the newcomer's `init` holds them.
    batcher.flush()
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
      () => ({
        now: Date.now(),
        ...table.read({ isListedIncluded: false }),
        stats,
        charts: charts.list(),
        actorSummary: table.summarizeActors(),
      }),
    )
    if (!statsTimer && options.getStats) {
      lastStats = JSON.stringify(stats)
      statsTimer = setInterval(pollStats, STATS_INTERVAL)
      statsTimer.unref()
    }
  }

  const routes = { title: options.title ?? 'xcluster live view', guard, table, openStream, readStats }
  const server = createServer((req, res) => handleLiveViewRequest(routes, req, res))
  if (options.acceptInspectors)
    socket = attachInspectorSocket(server, {
      guard,
      allowedHostNames: listAllowedHostNames(host, options.allowedHosts),
      onEvent: (event) => table.observeRemote(event),
    })
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

  return {
    url: `http://${shownHost}:${address.port}/${query}`,
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
      batcher.close()
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
