import { request } from 'node:http'

/** Counts of a load loop. */
export interface LoadResult {
  served: number
  failed: number
  errors: string[]
  /** Every distinct response body's first word (the worker's version) and pid seen. */
  bodies: Set<string>
}

/** One GET on a fresh connection (no keep-alive), resolving with the body. */
export function get(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`status ${response.statusCode}`))))
      response.on('error', reject)
    })
    req.on('error', reject)
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')))
    req.end()
  })
}

/**
 * Send requests in a loop with `concurrency` clients until `stop()`; bounded by `maxRequests`
 * so it always ends by itself.
 */
export function startLoad(port: number, options: { concurrency?: number; maxRequests?: number } = {}) {
  const result: LoadResult = { served: 0, failed: 0, errors: [], bodies: new Set() }
  let isStopped = false
  let sent = 0
  const maxRequests = options.maxRequests ?? 100_000
  const client = async () => {
    while (!isStopped && sent < maxRequests) {
      sent++
      try {
        result.bodies.add((await get(port)).trim())
        result.served++
      } catch (error) {
        result.failed++
        if (result.errors.length < 10) result.errors.push((error as Error).message)
      }
    }
  }
  const clients = Promise.all(Array.from({ length: options.concurrency ?? 4 }, client))
  return {
    result,
    async stop(): Promise<LoadResult> {
      isStopped = true
      await clients
      return result
    },
  }
}
