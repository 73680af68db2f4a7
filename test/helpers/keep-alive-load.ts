import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'

const REQUEST_TIMEOUT = 10_000 // ms

/** What a keep-alive load saw, counted request by request on the client side. */
export interface KeepAliveLoadResult {
  /** Requests written to a socket. */
  sent: number
  /** Responses with a 2xx status, read to the end. */
  answered: number
  /** Responses with another status. */
  non2xx: number
  /** Requests that ended in a socket error (reset, hang-up, refused) instead of a response. */
  failed: number
  /** Failed requests sent before `mark()` was called (e.g. before a stop signal). */
  failedBeforeMark: number
  /** The first few errors, as `code message`. */
  errors: string[]
  /** Failures by error code (`ECONNREFUSED` after a server stopped listening is not a lost request). */
  errorCodes: Record<string, number>
  /** TCP connections opened (a server that says `Connection: close` makes the client reconnect). */
  connections: number
  /** Each distinct body's first word (the version that answered). */
  versions: Map<string, number>
}

/**
 * `clients` loops of GET requests, each on its own keep-alive agent with one socket, like a
 * browser tab or a pooled HTTP client. Unlike a load generator, it never retries or reconnects
 * silently: every request is counted as answered, non-2xx or failed, so `sent - answered` is
 * what the server lost.
 */
export function startKeepAliveLoad(port: number, options: { clients?: number; path?: string } = {}) {
  const result: KeepAliveLoadResult = {
    sent: 0,
    answered: 0,
    non2xx: 0,
    failed: 0,
    failedBeforeMark: 0,
    errors: [],
    errorCodes: {},
    connections: 0,
    versions: new Map(),
  }
  let isStopped = false
  let markedAt = Number.POSITIVE_INFINITY
  const onStopped = () => {}
  const agents: Agent[] = []
  const sendOne = (agent: Agent): Promise<void> =>
    new Promise((resolve) => {
      const sentAt = performance.now()
      result.sent++
      const req = request({ host: '127.0.0.1', port, path: options.path ?? '/', agent }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => (body += chunk))
        response.on('end', () => {
          if (response.statusCode !== undefined && response.statusCode >= 200 && response.statusCode < 300) {
            result.answered++
            const version = body.split(' ')[0] ?? ''
            result.versions.set(version, (result.versions.get(version) ?? 0) + 1)
          } else result.non2xx++
          resolve()
        })
        response.on('error', (error) => fail(error, sentAt, resolve))
      })
      req.on('error', (error) => fail(error, sentAt, resolve))
      // A request left unanswered is lost too; without a deadline it would hang the load forever.
      req.setTimeout(REQUEST_TIMEOUT, () => req.destroy(Object.assign(new Error('no response within 10 s'), { code: 'TIMEOUT' })))
      req.end()
    })
  const fail = (error: NodeJS.ErrnoException, sentAt: number, done: () => void) => {
    result.failed++
    if (sentAt < markedAt) result.failedBeforeMark++
    const code = error.code ?? error.message
    result.errorCodes[code] = (result.errorCodes[code] ?? 0) + 1
    if (result.errors.length < 10) result.errors.push(`${error.code ?? ''} ${error.message}`.trim())
    done()
  }
  const client = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const createConnection = agent.createConnection.bind(agent)
    agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
      result.connections++
      return createConnection(...args)
    }) as typeof agent.createConnection
    agents.push(agent)
    while (!isStopped) await sendOne(agent)
  }
  const clients = Promise.all(Array.from({ length: options.clients ?? 50 }, client)).then(() => onStopped())
  return {
    result,
    /** Note the time (e.g. of a stop signal): failures of requests sent before it are counted apart. */
    mark(): void {
      markedAt = performance.now()
    },
    /** Resolves once `result.answered` reached `count`. */
    async onAnswered(count: number): Promise<void> {
      while (result.answered < count && !isStopped) await new Promise((resolve) => setTimeout(resolve, 10))
    },
    async stop(): Promise<KeepAliveLoadResult> {
      isStopped = true
      await clients
      for (const agent of agents) agent.destroy()
      return result
    },
  }
}
