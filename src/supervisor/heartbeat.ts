import type { HealthSample, ProcessEvent } from '../../machines/types.js'
import { describeUntrusted } from '../rpc/describe-untrusted.js'
import type { WorkerChannel } from './channel.js'
import * as messages from './messages.js'
import { readProcessRss } from './process-rss.js'

/** The built-in method every worker answers with its memory figures. */
export const HEARTBEAT_METHOD = '$heartbeat'

/**
 * Ask a worker for a heartbeat every `interval` ms over its RPC channel. A reply within the
 * interval is a `process.heartbeat` with the sample; no reply is a `process.heartbeatMissed`. A
 * reply that is not a sample (the worker is not ours, or hostile) is a protocol error of that
 * worker and counts as missed: the machine's health guards only ever see two finite numbers.
 * One heartbeat at a time: a hung worker is not flooded with pings it cannot answer. A worker
 * that does not run xcluster's worker side is never pinged: the master reads its rss itself
 * (process-rss.ts), so that `health.maxRss` holds for an unmodified server too.
 */
export function startHeartbeat(channel: WorkerChannel, interval: number, report: (event: ProcessEvent) => void): () => void {
  let isStopped = false
  let timer: NodeJS.Timeout | undefined

  const beat = async () => {
    if (!channel.isAttached) return sampleFromOutside()
    channel.isHeartbeatPending = true
    try {
      const reply = await channel.peer.call(HEARTBEAT_METHOD, [], { timeout: interval })
      if (!isStopped) {
        if (isHealthSample(reply)) report({ type: 'process.heartbeat', sample: { rss: reply.rss, heapUsed: reply.heapUsed } })
        else {
          channel.peer.reportMalformed(messages.badHeartbeatReason(describeUntrusted(reply)))
          report({ type: 'process.heartbeatMissed' })
        }
      }
    } catch {
      if (!isStopped && channel.state !== 'closed') report({ type: 'process.heartbeatMissed' })
    }
    channel.isHeartbeatPending = false
    if (!isStopped) schedule()
  }
  // A worker without xcluster's worker side: its rss read by the master (no heap figure, and no
  // hang detection: a plain server that stopped answering looks alive from outside).
  const sampleFromOutside = async () => {
    const rss = await readProcessRss(channel.pid)
    if (rss !== undefined && !isStopped && !channel.isAttached) report({ type: 'process.heartbeat', sample: { rss, heapUsed: 0 } })
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

/** A heartbeat reply the health guards can trust: two finite, non-negative byte counts. */
export function isHealthSample(reply: unknown): reply is HealthSample {
  if (typeof reply !== 'object' || reply === null) return false
  const { rss, heapUsed } = reply as Record<string, unknown>
  return (
    typeof rss === 'number' &&
    rss >= 0 &&
    Number.isFinite(rss) &&
    typeof heapUsed === 'number' &&
    heapUsed >= 0 &&
    Number.isFinite(heapUsed)
  )
}
