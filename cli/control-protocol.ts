/**
 * The control socket's wire format, shared by the master (`control-server.ts`) and the commands
 * (`control-client.ts`): one JSON request line from the client, one JSON reply line from the master.
 */
import type { ClusterWorker } from '../src/index.js'

/** What a command asks of the master. */
export type ControlRequest = { command: 'status' } | { command: 'reload'; env?: Record<string, string> } | { command: 'stop' }

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
