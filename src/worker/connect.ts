/**
 * The worker's one RPC peer over its IPC channel: created on the first `serve()` or `ready()`,
 * it answers the master's heartbeats and rejects pending calls when the master goes away.
 */
import cluster from 'node:cluster'
import { XclusterError } from '../rpc/errors.js'
import { createRpcPeer, type RpcPeer } from '../rpc/peer.js'
import { ACTOR_WORKER_METHODS } from '../actors/messages.js'
import { MasterExitedError } from './errors.js'
import { readEventLoopDelay } from './event-loop-delay.js'
import * as messages from './messages.js'

// How long an orphan (a worker whose master vanished) has to let its pending calls reject before
// it exits; an unref'd timer, so one with nothing left running exits sooner.
const ORPHAN_EXIT_DELAY = 100 // ms

/** This process's link to the master, once connected. */
export interface WorkerSide {
  peer: RpcPeer
  /** The actor host's built-in methods, set by `serve({ actors })`; the peer forwards to them. */
  actorHandlers: Record<string, (...args: any[]) => unknown>
  isServing: boolean
  isReady: boolean
  /** Set by `serve({ actors })`: settles once the actor host is loaded and the master told its kinds. */
  actorsHosted?: Promise<void>
  detach(): void
}

let side: WorkerSide | undefined

/** Creates the peer over this process's IPC channel, once. */
export function connect(api: string): WorkerSide {
  if (side !== undefined) return side
  if (typeof process.send !== 'function') throw new XclusterError(messages.noIpcChannelMessage(api), 'ERR_NO_IPC_CHANNEL')
  // A callback makes a failed send (channel already closed) harmless: without one Node emits
  // 'error' on process, which kills the worker. The 'disconnect' handler below settles the calls.
  const ignoreSendError = (): void => {}
  const send = process.send.bind(process)
  const actorHandlers: WorkerSide['actorHandlers'] = {}
  // The actor built-ins exist from the start and forward to the host serve() sets up later: the
  // peer's table of built-ins is fixed at creation. Before that (or without actors) they do nothing.
  const forwardToActors = Object.fromEntries(
    ACTOR_WORKER_METHODS.map((name) => [name, (...args: unknown[]) => actorHandlers[name]?.(...args)]),
  )
  const peer = createRpcPeer({
    send: (message) => send(message, ignoreSendError),
    holdRequests: true,
    internal: {
      // `withEventLoopDelay`: the master has metrics on and wants the loop's delay as well.
      $heartbeat: (withEventLoopDelay?: unknown) => {
        const { rss, heapUsed } = process.memoryUsage()
        const eventLoopDelay = withEventLoopDelay === true ? readEventLoopDelay() : undefined
        return eventLoopDelay === undefined ? { rss, heapUsed } : { rss, heapUsed, eventLoopDelay }
      },
      ...forwardToActors,
    },
    label: 'the master',
  })
  const onMessage = (message: unknown): void => {
    peer.receive(message)
  }
  const onDisconnect = (): void => {
    // Runs before node:cluster's own listener (prepended below). That one (lib/internal/cluster/
    // child.js) calls process.exit() at once, synchronously, when the disconnect was not asked
    // for (the master vanished): the pending calls would be rejected here, but no rejection
    // handler would ever run. So take that exit over: mark the disconnect as expected, and exit
    // after the handlers had their turn, as for a plain fork() child, which nobody exits.
    const worker = cluster.isWorker ? cluster.worker : undefined
    const isOrphan = worker == null || !worker.exitedAfterDisconnect
    if (worker != null && isOrphan) worker.exitedAfterDisconnect = true
    peer.close(new MasterExitedError())
    detach()
    // A master that disconnected this worker (a graceful stop) lets it finish by itself.
    if (isOrphan) setTimeout(() => process.exit(0), ORPHAN_EXIT_DELAY).unref()
  }
  const detach = (): void => {
    process.off('message', onMessage)
    process.off('disconnect', onDisconnect)
    side = undefined
  }
  process.on('message', onMessage)
  process.prependListener('disconnect', onDisconnect)
  side = { peer, actorHandlers, isServing: false, isReady: false, detach }
  // Tells the master the worker side is loaded: from now on it answers heartbeats.
  peer.notify('$attach', [])
  return side
}

/** Tells the master, once, that this worker takes calls. */
export function sendReady(current: WorkerSide): void {
  if (current.isReady) return
  current.isReady = true
  const notifyReady = () => {
    // A master that disconnected this worker before it was ready (a stop during its boot) has
    // nobody left to tell; the worker is on its way out, not in error.
    if (current.peer.closeReason !== undefined) return
    current.peer.notify('$ready', [])
  }
  // A worker hosting actors is ready once the master knows which kinds it hosts.
  if (current.actorsHosted) current.actorsHosted.then(notifyReady)
  else notifyReady()
}
