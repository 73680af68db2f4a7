/**
 * The browsers that listen to the live view's Server-Sent Events: at most `maxClients` at once,
 * and none that stops reading may hold its place. A client is dropped when more than
 * `MAX_QUEUED_BYTES` wait for it, or when its socket's buffer stays full for `stallTimeout` ms —
 * checked by a timer, so that a quiet cluster (nothing more to write) still lets it go.
 */
import type { ServerResponse } from 'node:http'

/** A client that stops reading is dropped once this much is queued for it, in bytes (1 MiB). */
const MAX_QUEUED_BYTES = 1024 * 1024
/** A comment line keeps proxies and browsers from closing an idle stream, every 15 s. */
const KEEPALIVE_INTERVAL = 15_000
/** The browser's reconnect delay after a dropped stream, in ms. */
const RETRY_DELAY = 2_000

export interface EventStreamOptions {
  maxClients: number
  /** How long a client's buffer may stay full before it is dropped, in ms. */
  stallTimeout: number
  /** Called when the last client leaves (to stop polling for figures). */
  onIdle?: () => void
}

export interface EventStream {
  readonly size: number
  /** Whether one more client may connect. */
  hasRoom(): boolean
  /** Starts the stream on `res` with the headers given, then sends `init` data. */
  open(res: ServerResponse, headers: Record<string, string>, init: () => unknown): void
  broadcast(event: string, data: unknown): void
  close(): void
}

interface Client {
  res: ServerResponse
  /** Since when its buffer has been over the socket's high-water mark (epoch ms), or null. */
  fullSince: number | null
}

/** Creates the registry of event-stream clients. */
export function createEventStream(options: EventStreamOptions): EventStream {
  const clients = new Map<ServerResponse, Client>()
  const sweepEvery = Math.max(10, Math.min(1_000, Math.floor(options.stallTimeout / 2)))
  let sweep: NodeJS.Timeout | undefined
  let lastKeepAlive = Date.now()

  function drop(client: Client): void {
    clients.delete(client.res)
    client.res.destroy()
  }

  function write(client: Client, chunk: string): void {
    const hasRoom = client.res.write(chunk)
    if (client.res.writableLength > MAX_QUEUED_BYTES) return drop(client)
    if (!hasRoom && client.fullSince === null) client.fullSince = Date.now()
  }

  function check(): void {
    const now = Date.now()
    const isKeepAliveDue = now - lastKeepAlive >= KEEPALIVE_INTERVAL
    if (isKeepAliveDue) lastKeepAlive = now
    for (const client of [...clients.values()]) {
      // The buffer may have emptied without a 'drain' we listened for: ask the stream itself.
      if (client.fullSince !== null && !client.res.writableNeedDrain) client.fullSince = null
      if (client.fullSince !== null && now - client.fullSince >= options.stallTimeout) drop(client)
      else if (isKeepAliveDue) write(client, ': keep-alive\n\n')
    }
  }

  function leave(res: ServerResponse): void {
    clients.delete(res)
    if (clients.size > 0) return
    if (sweep) clearInterval(sweep)
    sweep = undefined
    options.onIdle?.()
  }

  return {
    get size() {
      return clients.size
    },
    hasRoom() {
      return clients.size < options.maxClients
    },
    open(res, headers, init) {
      res.writeHead(200, headers)
      const client: Client = { res, fullSince: null }
      clients.set(res, client)
      res.on('drain', () => (client.fullSince = null))
      res.on('close', () => leave(res))
      write(client, `retry: ${RETRY_DELAY}\n\n`)
      write(client, formatEvent('init', init()))
      if (!sweep) {
        sweep = setInterval(check, sweepEvery)
        sweep.unref()
      }
    },
    broadcast(event, data) {
      if (clients.size === 0) return
      const chunk = formatEvent(event, data)
      for (const client of [...clients.values()]) write(client, chunk)
    },
    close() {
      if (sweep) clearInterval(sweep)
      sweep = undefined
      for (const res of clients.keys()) res.end()
      clients.clear()
    },
  }
}

/** JSON.stringify leaves no raw newline, so one `data:` line carries the whole message. */
function formatEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}
