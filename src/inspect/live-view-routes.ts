/**
 * The live view's HTTP answers: the page (with its CSP nonce), the event stream, the state as
 * JSON, one actor's history, a window of the actor list, and the empty favicon. Every request has
 * passed the guard (Host header, token) before it gets here.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ActorListQuery } from './actor-list.js'
import { READ_ONLY } from './messages.js'
import { renderLivePage } from './page.js'
import type { createRequestGuard } from './security.js'
import type { StateTable } from './state-table.js'

export const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
} as const

/** What the routes need of the view. */
export interface LiveViewRoutes {
  title: string
  guard: ReturnType<typeof createRequestGuard>
  table: StateTable
  openStream(res: ServerResponse): void
  readStats(): unknown
}

/** Answers one request of the live view. */
export function handleLiveViewRequest(routes: LiveViewRoutes, req: IncomingMessage, res: ServerResponse): void {
  const { pathname, searchParams } = new URL(req.url ?? '/', 'http://localhost')
  // A browser asks for the icon without the page's ?token=: answer it without one (it is empty).
  const verdict = routes.guard(req, { needsToken: pathname !== '/favicon.ico' })
  if (!verdict.isAllowed) return reply(res, verdict.status, verdict.message)
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    return reply(res, 405, READ_ONLY)
  }
  const isHead = req.method === 'HEAD'
  if (pathname === '/' || pathname === '/index.html') {
    const nonce = randomBytes(16).toString('base64')
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      ...SECURITY_HEADERS,
    })
    res.end(isHead ? undefined : renderLivePage({ nonce, title: routes.title }))
  } else if (pathname === '/events' && !isHead) {
    routes.openStream(res)
  } else if (pathname === '/state.json') {
    sendJson(res, isHead, { now: Date.now(), ...routes.table.read(), stats: routes.readStats() })
  } else if (pathname === '/history.json') {
    // null for an actor not held (ended and pruned, or unknown): a 404 would log a console error in the page.
    sendJson(res, isHead, routes.table.history(searchParams.get('session') ?? ''))
  } else if (pathname === '/actors.json') {
    sendJson(res, isHead, routes.table.listActors(readListQuery(searchParams)))
  } else if (pathname === '/favicon.ico') {
    res.writeHead(204, SECURITY_HEADERS)
    res.end()
  } else {
    reply(res, 404, 'Not Found')
  }
}

/** `?kind=&state=&offset=&limit=`; anything odd reads as no filter, offset 0, limit 0. */
function readListQuery(params: URLSearchParams): ActorListQuery {
  const count = (name: string): number => {
    const value = Number(params.get(name) ?? 0)
    return Number.isSafeInteger(value) && value > 0 ? value : 0
  }
  return { kind: params.get('kind') ?? '', state: params.get('state') ?? '', offset: count('offset'), limit: count('limit') }
}

function sendJson(res: ServerResponse, isHead: boolean, value: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS })
  res.end(isHead ? undefined : JSON.stringify(value))
}

export function reply(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...SECURITY_HEADERS })
  res.end(`${message}\n`)
}
