import type { HealthSample, ProcessEvent } from '../../machines/types.js'
import type { WorkerChannel } from './channel.js'

/** The built-in method every worker answers with its memory figures. */
export const HEARTBEAT_METHOD = '$heartbeat'

/**
 * Ask a worker for a heartbeat every `interval` ms over its RPC channel. A reply within the
 * interval is a `process.heartbeat` with the sample; no reply is a `process.heartbeatMissed`.
 * One heartbeat at a time: a hung worker is not flooded with pings it cannot answer. A worker
 * that does not run xcluster's worker side is never pinged.
 */
export function startHeartbeat(channel: WorkerChannel, interval: number, report: (event: ProcessEvent) => void): () => void {
  let isStopped = false
  let timer: NodeJS.Timeout | undefined

  const beat = async () => {
    if (!channel.isAttached) return schedule()
    channel.isHeartbeatPending = true
    try {
      const sample = (await channel.peer.call(HEARTBEAT_METHOD, [], { timeout: interval })) as HealthSample
      if (!isStopped) report({ type: 'process.heartbeat', sample })
    } catch {
      if (!isStopped && channel.state !== 'closed') report({ type: 'process.heartbeatMissed' })
    }
    channel.isHeartbeatPending = false
    if (!isStopped) schedule()
  }
  const schedule = () => {
    timer = setTimeout(beat, interval)
    // Heartbeats alone must never keep the master alive.
    timer.unref()
  }

  schedule()
  return () => {
    isStopped = true
    clearTimeout(timer)
  }
}
