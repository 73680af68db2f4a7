/**
 * The control socket's wire format, shared by the master (`control-server.ts`) and the commands
 * (`control-client.ts`): one JSON request line from the client, one JSON reply line from the master.
 */
import type { ClusterWorker, XclusterLogFormat, XclusterLogLine } from '../src/index.js'

/** What a command asks of the master. */
export type ControlRequest = { command: 'status' } | { command: 'reload'; env?: Record<string, string> } | { command: 'stop' } | LogsRequest

/**
 * `xcluster logs`: the kept lines, then (with `follow`) every new one. Its answer is not one line
 * but a stream of {@link LogsMessage} lines: a header, the lines, and an end that says why.
 */
export interface LogsRequest {
  command: 'logs'
  /** A worker id (`3`) or a slot (`slot-0`). */
  worker?: number | string
  /** The newest this many kept lines (0: none, only new ones with `follow`). */
  lines?: number
  follow?: boolean
}

/** One line of the answer to {@link LogsRequest}. */
export type LogsMessage =
  | { ok: true; name: string; format: XclusterLogFormat }
  | { log: XclusterLogLine }
  | {
      /** `done`: every kept line sent (no `follow`); `stopped`/`failed`: the app ended; `dropped`: this follower fell behind. */
      end: 'done' | 'stopped' | 'failed' | 'dropped'
      message: string
    }

/** The master's answer: `ok` with what the command returns, or the error it met. */
export type ControlReply = { ok: true; status?: AppStatus } | { ok: false; error: { name: string; code?: string; message: string } }

/** What `xcluster status` shows of one app. */
export interface AppStatus {
  name: string
  /** The master's pid. */
  pid: number
  script: string
  instances: number
  /** `Date.now()` when the master started. */
  startedAt: number
  workers: ClusterWorker[]
}

/** Largest request or reply line, in bytes: anything longer is refused before it is parsed. */
export const MAX_LINE = 1024 * 1024 // 1 MiB
