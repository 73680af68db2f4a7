import type { Socket } from 'node:net'
import type { SupervisedCluster, XclusterLogFilter, XclusterLogFormat, XclusterLogLine } from '../src/index.js'
import { matchesFilter } from '../src/ops/log-buffer.js'
import type { LogsMessage, LogsRequest } from './control-protocol.js'

/** What `xcluster logs` reads of one app: its kept lines, its new ones, and its end. */
export interface LogFeed {
  name: string
  format: XclusterLogFormat
  recent(filter: XclusterLogFilter): XclusterLogLine[]
  /** Calls `listener` with each new line; returns the function that unsubscribes. */
  onLine(listener: (line: XclusterLogLine) => void): () => void
  /** Settles once the app has ended (at once if it has). */
  onEnd(): Promise<{ end: 'stopped' | 'failed'; message: string }>
}

/** Lines sent when the request names no count. */
export const DEFAULT_LOG_LINES = 100
/**
 * Bytes a follower may leave unread in the master before it is dropped: one that stops reading
 * (a paused terminal, a dead pipe) must not make the master buffer without bound. Well above the
 * kept lines' 1 MiB, so that a follower reading the first burst is not dropped.
 */
export const FOLLOWER_BACKLOG_MAX = 4 * 1024 * 1024 // 4 MiB
/** Followers of one app at once; one more is refused. */
export const MAX_FOLLOWERS = 16
/** How long a dropped follower may take to read its last line before its socket is destroyed, in ms. */
const DROP_GRACE = 10_000

const followers = new WeakMap<LogFeed, Set<Socket>>()

/**
 * Answer a `logs` request on its control connection: a header line, the kept lines that match,
 * then either an end line (`done`) or, with `follow`, every new matching line until the app ends
 * or the follower falls {@link FOLLOWER_BACKLOG_MAX} bytes behind.
 */
export function serveLogs(socket: Socket, raw: LogsRequest, feed: LogFeed): void {
  const send = (message: LogsMessage) => socket.write(`${JSON.stringify(message)}\n`)
  const problem = checkRequest(raw)
  const fail = (message: string) =>
    socket.end(`${JSON.stringify({ ok: false, error: { name: 'CliError', code: 'ERR_CLI_CONTROL', message } })}\n`)
  if (problem) return void fail(`logs: ${problem}`)
  const filter = toFilter(raw)
  const active = followers.get(feed) ?? new Set<Socket>()
  followers.set(feed, active)
  if (raw.follow && active.size >= MAX_FOLLOWERS)
    return void fail(`logs --follow: ${MAX_FOLLOWERS} followers of "${feed.name}" already; stop one of them first`)

  send({ ok: true, name: feed.name, format: feed.format })
  for (const line of feed.recent({ ...filter, lines: raw.lines ?? DEFAULT_LOG_LINES })) send({ log: line })
  if (!raw.follow) return void socket.end(`${JSON.stringify({ end: 'done', message: '' } satisfies LogsMessage)}\n`)

  // A follower never keeps the master alive: it ends when its app does.
  socket.unref()
  active.add(socket)
  let isOpen = true
  const close = (last: LogsMessage) => {
    if (!isOpen) return
    isOpen = false
    unsubscribe()
    active.delete(socket)
    socket.end(`${JSON.stringify(last)}\n`)
  }
  const unsubscribe = feed.onLine((line) => {
    if (!matchesFilter(line, filter)) return
    if (socket.writableLength > FOLLOWER_BACKLOG_MAX) {
      close({
        end: 'dropped',
        message: `the master dropped this follower: it left more than ${FOLLOWER_BACKLOG_MAX} bytes unread; run \`xcluster logs --follow\` again`,
      })
      console.error(`xcluster: ${feed.name}: dropped a \`logs --follow\` client that left more than ${FOLLOWER_BACKLOG_MAX} bytes unread`)
      setTimeout(() => socket.destroy(), DROP_GRACE).unref()
      return
    }
    send({ log: line })
  })
  socket.once('close', () => {
    isOpen = false
    unsubscribe()
    active.delete(socket)
  })
  feed.onEnd().then(close, () => {})
}

const SLOT = /^slot-\d{1,6}$/

/** The request is untrusted (any process of this user may connect): each field checked. */
function checkRequest(request: LogsRequest): string | undefined {
  const { worker, lines, follow } = request
  if (worker !== undefined && !(Number.isInteger(worker) && (worker as number) >= 1) && !(typeof worker === 'string' && SLOT.test(worker)))
    return '`worker` must be a worker id (an integer from 1) or a slot (slot-0)'
  if (lines !== undefined && !(Number.isInteger(lines) && lines >= 0)) return '`lines` must be an integer from 0 and up'
  if (follow !== undefined && typeof follow !== 'boolean') return '`follow` must be a boolean'
  return undefined
}

function toFilter(request: LogsRequest): XclusterLogFilter {
  if (typeof request.worker === 'number') return { workerId: request.worker }
  if (typeof request.worker === 'string') return { slotId: request.worker }
  return {}
}

/** The feed of one app the CLI runs; `cluster()` is undefined until it is supervised. */
export function createLogFeed(name: string, format: XclusterLogFormat, cluster: () => SupervisedCluster | undefined): LogFeed {
  return {
    name,
    format,
    recent: (filter) => cluster()?.logs(filter) ?? [],
    onLine: (listener) => cluster()?.on('log', listener) ?? (() => {}),
    onEnd: () =>
      (cluster()?.onStopped() ?? Promise.resolve()).then(
        () => ({ end: 'stopped' as const, message: `the master stopped "${name}"` }),
        (error: Error) => ({ end: 'failed' as const, message: `"${name}" failed: ${error.message}` }),
      ),
  }
}
