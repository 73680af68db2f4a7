/**
 * The live view's gatekeeping: which host it may bind to, which Host headers it answers, and the
 * token check. Nothing here changes state; the view itself serves GET only.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { isIP } from 'node:net'
import { networkInterfaces } from 'node:os'
import { BAD_TOKEN, FOREIGN_HOST, describeMissingToken } from './messages.js'

const LOOPBACK_NAMES = new Set(['localhost', '::1', '0:0:0:0:0:0:0:1'])
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0'])

/** Whether `host` only accepts connections from this machine (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const name = stripBrackets(host.trim().toLowerCase())
  if (LOOPBACK_NAMES.has(name) || name.endsWith('.localhost')) return true
  if (isIP(name) === 4) return name.startsWith('127.')
  // An IPv4-mapped IPv6 loopback such as ::ffff:127.0.0.1.
  return name.startsWith('::ffff:127.')
}

/** Throws a TypeError when the view would be reachable from other machines without a token. */
export function assertSafeBinding(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && token === undefined) throw new TypeError(describeMissingToken(host))
}

/**
 * The host names (lower case, IPv6 without brackets) a Host header may carry for a view bound
 * to `host`. A Host header is checked so that a page on another site cannot reach the view
 * through DNS rebinding (a name of theirs that resolves to 127.0.0.1).
 */
export function listAllowedHostNames(host: string, extra: readonly string[] = []): Set<string> {
  const names = new Set<string>(['localhost', '127.0.0.1', '::1'])
  const bound = stripBrackets(host.trim().toLowerCase())
  names.add(bound)
  if (WILDCARD_HOSTS.has(bound)) {
    // Bound to every interface: any of this machine's own addresses is a fair Host.
    for (const list of Object.values(networkInterfaces())) {
      for (const entry of list ?? []) names.add(stripBrackets(entry.address.toLowerCase()))
    }
  }
  for (const name of extra) names.add(stripBrackets(name.trim().toLowerCase()))
  return names
}

/** The host name of a Host header ("[::1]:8080" → "::1"), or null when it is missing or malformed. */
export function parseHostHeader(header: string | undefined): string | null {
  if (header === undefined) return null
  const value = header.trim().toLowerCase()
  if (value === '' || /[\s/@?#\\]/.test(value)) return null
  if (value.startsWith('[')) {
    const end = value.indexOf(']')
    if (end === -1) return null
    const rest = value.slice(end + 1)
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null
    return value.slice(1, end)
  }
  const colon = value.lastIndexOf(':')
  if (colon === -1) return value
  if (value.indexOf(':') !== colon) return null
  if (!/^\d{1,5}$/.test(value.slice(colon + 1))) return null
  return value.slice(0, colon)
}

/** What the guard decided about a request: go on, or answer with this status and message. */
export type GuardVerdict = { isAllowed: true } | { isAllowed: false; status: number; message: string }

/** Checks the Host header, then the token when one is set. */
export function createRequestGuard(options: {
  allowedHostNames: ReadonlySet<string>
  token?: string | undefined
}): (request: IncomingMessage, check?: { needsToken: boolean }) => GuardVerdict {
  const { allowedHostNames } = options
  const expected = options.token === undefined ? undefined : digest(options.token)
  return (request, check = { needsToken: true }) => {
    const hostName = parseHostHeader(request.headers.host)
    if (hostName === null || !allowedHostNames.has(hostName)) {
      return { isAllowed: false, status: 403, message: FOREIGN_HOST }
    }
    if (expected !== undefined && check.needsToken) {
      const given = readToken(request)
      // Compare digests so that the comparison takes the same time whatever the length.
      if (given === null || !timingSafeEqual(digest(given), expected)) {
        return { isAllowed: false, status: 401, message: BAD_TOKEN }
      }
    }
    return { isAllowed: true }
  }
}

/** The token from `?token=`, `Authorization: Bearer …` or `X-Xcluster-Token`, or null. */
function readToken(request: IncomingMessage): string | null {
  const auth = request.headers.authorization
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim()
  const header = request.headers['x-xcluster-token']
  if (typeof header === 'string') return header
  const url = new URL(request.url ?? '/', 'http://localhost')
  return url.searchParams.get('token')
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}
