/**
 * The master's HTTP endpoint for orchestrators: `GET /healthz`, `GET /readyz`, `GET /metrics`.
 * Bounded by construction: no request body is ever read (a request that has one gets its answer
 * and `Connection: close`), headers are capped by Node's default limit, and slow clients are cut
 * off by the request and header timeouts below.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { answerHealth, answerReadiness, type ClusterPhase, type ProbeAnswer } from './readiness.js'

/** Whole request, then headers alone: a scrape or a probe takes milliseconds. */
const REQUEST_TIMEOUT = 10_000 // ms
const HEADERS_TIMEOUT = 5_000 // ms
const TEXT = 'text/plain; charset=utf-8'
const ALLOWED = 'GET, HEAD'

/** What the endpoint reads from the cluster on each request. */
export interface OpsProbeSource {
  phase(): ClusterPhase
  listening(): number
}

/** A listening ops endpoint. */
export interface OpsServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string
  close(): Promise<void>
}

/**
 * Starts the endpoint; resolves once it listens, rejects with the listen error (a port in use).
 *
 * @example
 * ```ts
 * const server = await startOpsServer({ port: 0, host: '127.0.0.1', readyWorkers: 2 }, probes, registry)
 * console.log(`${server.url}/readyz`)
 * ```
 */
export function startOpsServer(
  options: { port: number; host: string; readyWorkers: number },
  probes: OpsProbeSource,
  registry: Registry,
): Promise<OpsServer> {
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT, headersTimeout: HEADERS_TIMEOUT }, (request, response) => {
    handleRequest(request, response, options.readyWorkers, probes, registry).catch((error: unknown) => {
      // A collector that threw: the scrape fails, the master goes on.
      if (!response.headersSent) send(response, request, 500, TEXT, `metrics failed: ${(error as Error)?.message}\n`)
      else response.destroy()
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      const host = options.host.includes(':') ? `[${options.host}]` : options.host
      resolve({
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  readyWorkers: number,
  probes: OpsProbeSource,
  registry: Registry,
): Promise<void> {
  const url = request.url ?? '/'
  const query = url.indexOf('?')
  const path = query === -1 ? url : url.slice(0, query)
  if (path !== '/healthz' && path !== '/readyz' && path !== '/metrics') {
    return send(response, request, 404, TEXT, `not found: ${path.length > 64 ? 'this path' : path}; try /healthz, /readyz or /metrics\n`)
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', ALLOWED)
    return send(response, request, 405, TEXT, `method not allowed: ${path} answers ${ALLOWED}\n`)
  }
  if (path === '/metrics') return send(response, request, 200, registry.contentType, await registry.metrics())
  const answer: ProbeAnswer =
    path === '/healthz' ? answerHealth(probes.phase()) : answerReadiness(probes.phase(), probes.listening(), readyWorkers)
  send(response, request, answer.status, TEXT, answer.body)
}

function send(response: ServerResponse, request: IncomingMessage, status: number, type: string, body: string): void {
  // The body of a request is never read: close the connection rather than parse what follows it.
  const hasBody =
    request.headers['content-length'] !== undefined
      ? request.headers['content-length'] !== '0'
      : request.headers['transfer-encoding'] !== undefined
  response.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(hasBody ? { connection: 'close' } : {}),
  })
  response.end(request.method === 'HEAD' ? undefined : body)
}
