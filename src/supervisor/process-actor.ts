import type { Worker } from 'node:cluster'
import type { Address } from 'node:cluster'
import { performance } from 'node:perf_hooks'
import { fromCallback } from 'xstate'
import type { HealthSample, ProcessCommand, ProcessEvent, ProcessInput } from '../../machines/types.js'
import { WorkerExitedError } from './errors.js'
import type { WorkerChannel } from './channel.js'
import { type ForkSettings, forkWorker } from './fork.js'
import { startHeartbeat } from './heartbeat.js'
import { OutputTail } from './output-tail.js'
import type { LogSource } from '../ops/worker-logs.js'
import type { Readable } from 'node:stream'

/**
 * How long the crash record of an exit waits for the end of the worker's stderr, in ms: the last
 * lines it printed may arrive after the exit. A grandchild that inherited the pipe can keep it
 * open for ever, so this is bounded.
 */
export const STDERR_DRAIN_TIMEOUT = 500

/** What the process actor needs from the supervisor runtime around it. */
export interface ProcessHost {
  settingsFor(generation: number): ForkSettings
  heartbeatInterval: number
  /** Ask heartbeats for the event-loop delay too (metrics on). */
  heartbeatEventLoopDelay: boolean
  /**
   * Create the RPC channel of a freshly forked worker; `onReady` fires on the worker's `ready()`.
   * `forkedAt`: when `fork()` was called, in ms since the epoch (for the start split).
   */
  openChannel(worker: Worker, input: ProcessInput, onReady: () => void, forkedAt: number): WorkerChannel
  /** The process is gone: reject what is pending on its channel with `reason` and forget it. */
  releaseChannel(channel: WorkerChannel, reason: Error): void
  /** Keep the last heartbeat sample, for the crash record. */
  recordHeartbeat(workerId: number, sample: HealthSample): void
  /** A message that is not an xcluster envelope: the user's own, passed on untouched. */
  deliverUserMessage(workerId: number, message: unknown): void
  /** As the process exits: the last lines it wrote to stderr, once its stderr has ended. */
  recordStderr(input: ProcessInput, workerId: number, lines: Promise<string[]>): void
  /** Read the worker's stdout and stderr line by line until they end. */
  captureLogs(source: LogSource, streams: { stdout: Readable | null; stderr: Readable | null }, silent: boolean): void
}

/** "127.0.0.1:3000", a pipe path, or null when cluster reports no address. */
function formatAddress(address: Address | undefined): string | null {
  if (!address) return null
  if (address.addressType === -1) return String(address.address)
  const host = address.address ?? '*'
  return `${host.includes(':') ? `[${host}]` : host}:${address.port}`
}

/**
 * The real `process` actor: forks one cluster worker and turns that Worker's own events into
 * machine events, so nothing has to route cluster events by id. It obeys the machine's
 * commands, and kills the process if the machine stops while it still runs.
 */
export function createProcessLogic(host: ProcessHost) {
  return fromCallback<ProcessCommand, ProcessInput>(({ input, sendBack, receive }) => {
    const report = (event: ProcessEvent) => sendBack(event)
    let worker: Worker
    // On the clock the worker's performance.timeOrigin is on, with its precision.
    const forkedAt = performance.timeOrigin + performance.now()
    try {
      worker = forkWorker(host.settingsFor(input.generation), input)
    } catch (error) {
      report({ type: 'process.error', message: `fork failed: ${(error as Error).message}` })
      return
    }
    const pid = worker.process.pid ?? -1
    let hasExited = false
    let stopHeartbeat = () => {}
    const stderr = new OutputTail()
    const { stdout: childStdout, stderr: childStderr } = worker.process
    childStderr?.on('data', (chunk: Buffer) => stderr.push(chunk))
    // Line by line into the cluster's log buffer, and on to the master's streams unless `silent`.
    host.captureLogs(
      { workerId: worker.id, slotId: input.slotId, pid, generation: input.generation },
      { stdout: childStdout, stderr: childStderr },
      host.settingsFor(input.generation).silent,
    )
    const channel = host.openChannel(worker, input, () => report({ type: 'process.ready' }), forkedAt)

    worker.on('message', (message: unknown) => {
      if (!channel.peer.receive(message)) host.deliverUserMessage(worker.id, message)
    })
    worker.on('online', () => report({ type: 'process.online' }))
    worker.on('listening', (address: Address) => report({ type: 'process.listening', address: formatAddress(address) }))
    worker.on('disconnect', () => report({ type: 'process.disconnect' }))
    // EPIPE and similar channel errors arrive here; the exit that follows settles everything.
    worker.on('error', (error: Error) => report({ type: 'process.error', message: error.message }))
    worker.on('exit', (code: number | null, signal: string | null) => {
      hasExited = true
      stopHeartbeat()
      host.releaseChannel(channel, new WorkerExitedError({ workerId: worker.id, pid, exitCode: code, signal }))
      // The last lines may still be in the pipe: the machine hears of the exit now, the crash
      // record and the error get the lines once the pipe has ended.
      host.recordStderr(
        input,
        worker.id,
        waitForEnd(childStderr, STDERR_DRAIN_TIMEOUT).then(() => stderr.lines()),
      )
      report({ type: 'process.exit', code, signal })
    })
    report({ type: 'process.fork', pid, workerId: worker.id })

    receive((command) => {
      switch (command.type) {
        case 'accept':
          channel.accept()
          stopHeartbeat = startHeartbeat(
            channel,
            host.heartbeatInterval,
            (event) => {
              if (event.type === 'process.heartbeat') host.recordHeartbeat(worker.id, event.sample)
              report(event)
            },
            host.heartbeatEventLoopDelay,
          )
          break
        case 'drain':
          stopHeartbeat()
          channel.drain().then(() => report({ type: 'process.drained' }))
          break
        case 'disconnect':
          if (worker.isConnected()) worker.disconnect()
          break
        case 'signal':
          if (!hasExited) worker.process.kill(command.signal)
          break
      }
    })

    return () => {
      stopHeartbeat()
      if (!hasExited) worker.process.kill('SIGKILL')
    }
  })
}

/** Resolves once `stream` has ended or closed, or after `timeout` ms; at once without a stream. */
function waitForEnd(stream: NodeJS.ReadableStream | null, timeout: number): Promise<void> {
  const readable = stream as (NodeJS.ReadableStream & { readableEnded?: boolean; closed?: boolean }) | null
  if (!readable || readable.readableEnded || readable.closed) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      readable.off('end', done)
      readable.off('close', done)
      resolve()
    }
    const timer = setTimeout(done, timeout)
    timer.unref()
    readable.once('end', done)
    readable.once('close', done)
  })
}
