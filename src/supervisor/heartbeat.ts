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
export function startHeartbeat(
  channel: WorkerChannel,
  interval: number,
  report: (event: ProcessEvent) => void,
  /** Ask for the event-loop delay too (metrics on): the worker starts its monitor on the first such ask. */
  withEventLoopDelay = false,
): () => void {
  const args = withEventLoopDelay ? [true] : []
  let isStopped = false
  let timer: NodeJS.Timeout | undefined

  const beat = async () => {
    if (!channel.isAttached) return sampleFromOutside()
    channel.isHeartbeatPending = true
    try {
      const reply = await channel.peer.call(HEARTBEAT_METHOD, args, { timeout: interval })
      if (!isStopped) {
        if (isHealthSample(reply)) report({ type: 'process.heartbeat', sample: pickSample(reply) })
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

const isAmount = (value: unknown): value is number => typeof value === 'number' && value >= 0 && Number.isFinite(value)

/**
 * A heartbeat reply the health guards and metrics can trust: two finite, non-negative byte
 * counts, and, if there is an `eventLoopDelay`, three finite, non-negative durations in it.
 */
export function isHealthSample(reply: unknown): reply is HealthSample {
  if (typeof reply !== 'object' || reply === null) return false
  const { rss, heapUsed, eventLoopDelay } = reply as Record<string, unknown>
  if (!isAmount(rss) || !isAmount(heapUsed)) return false
  if (eventLoopDelay === undefined) return true
  if (typeof eventLoopDelay !== 'object' || eventLoopDelay === null) return false
  const { mean, p99, max } = eventLoopDelay as Record<string, unknown>
  return isAmount(mean) && isAmount(p99) && isAmount(max)
}

/** Only the fields checked, copied: nothing else a worker put in its reply travels further. */
function pickSample(reply: HealthSample): HealthSample {
  const sample: HealthSample = { rss: reply.rss, heapUsed: reply.heapUsed }
  const delay = reply.eventLoopDelay
  if (delay !== undefined) sample.eventLoopDelay = { mean: delay.mean, p99: delay.p99, max: delay.max }
  return sample
}
