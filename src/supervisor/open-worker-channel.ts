/**
 * The master's end of one freshly forked worker: its RPC peer (the user's handlers, our internal
 * methods, the error classes to rebuild), its channel in the call router, and its link in the
 * actor router. The cluster calls this once per fork, through the process actor.
 */
import type { EventEmitter } from 'node:events'
import type { Worker } from 'node:cluster'
import type { ProcessInput } from '../../machines/types.js'
import type { ClusterActors } from '../actors/cluster-actors.js'
import { ACTOR_ERROR_CLASSES } from '../actors/errors.js'
import type { RpcCallObserver } from '../rpc/call-observer.js'
import { createRpcPeer } from '../rpc/peer.js'
import { WorkerChannel } from './channel.js'
import { SUPERVISOR_ERROR_CLASSES } from './errors.js'
import type { ClusterEvents } from './events.js'
import type { CallRouter } from './router.js'
import { START_MARKS_METHOD } from './start-marks.js'
import { checkStartMarks, computeStartTiming } from './start-timing.js'
import type { ResolvedOptions } from './supervise-options.js'

/** What a new worker's channel is wired into. @internal */
export interface WorkerChannelDeps {
  options: ResolvedOptions
  router: CallRouter
  actors: ClusterActors
  events: EventEmitter<ClusterEvents>
  /** The metrics' call observer, when the endpoint is on and listening. */
  observer(): RpcCallObserver | undefined
}

/**
 * Opens the channel of `worker`; `onReady` fires on the worker's `ready()`, `forkedAt` is when
 * `fork()` was called (ms since the epoch, for the start split).
 * @internal
 */
export function openWorkerChannel(
  deps: WorkerChannelDeps,
  worker: Worker,
  input: ProcessInput,
  onReady: () => void,
  forkedAt: number,
): WorkerChannel {
  const { options, router, actors, events } = deps
  const pid = worker.process.pid ?? -1
  const label = `worker ${worker.id} (pid ${pid})`
  const channel: WorkerChannel = new WorkerChannel({
    workerId: worker.id,
    pid,
    slotId: input.slotId,
    forkedAt,
    defaultTimeout: options.callTimeout,
    onAccept: () => {
      router.wake()
      actors.onAccept()
    },
    beforeDrain: () => actors.onDrain(worker.id),
    kill: () => worker.process.kill('SIGKILL'),
    peer: createRpcPeer({
      send: (message) => worker.send(message as never),
      handlers: options.handlers,
      internal: {
        // The worker side announces itself when it loads; only then can it answer heartbeats.
        $attach: () => channel.markAttached(),
        $ready: () => {
          channel.markAttached()
          onReady()
        },
        // Sent by the worker preload as its first server listens (start-marks.ts); untrusted.
        [START_MARKS_METHOD]: (marks: unknown) => {
          try {
            channel.startTiming = computeStartTiming(forkedAt, checkStartMarks(marks, label))
          } catch (error) {
            events.emit('protocol-error', worker.id, error as Error)
          }
        },
        ...actors.handlersFor(worker.id),
      },
      timeout: options.callTimeout,
      maxPayload: options.maxPayload,
      uploadWindow: options.uploadWindow,
      maxConcurrentRequests: options.maxConcurrentRequests,
      errors: [...SUPERVISOR_ERROR_CLASSES, ...ACTOR_ERROR_CLASSES, ...options.errors],
      label,
      observer: deps.observer(),
      onEvent: (name, payload) => events.emit('event', worker.id, name, payload),
      onProtocolError: (error) => events.emit('protocol-error', worker.id, error),
    }),
  })
  router.add(channel)
  actors.addWorker({
    workerId: worker.id,
    slotId: input.slotId,
    get isAccepting() {
      return channel.state === 'accepting'
    },
    // A closed peer means the worker is gone; its exit restores the actor elsewhere.
    notify: (method, args) => {
      if (channel.peer.closeReason === undefined) channel.peer.notify(method, args)
    },
    call: (method, args, callOptions) => channel.peer.call(method, args, callOptions),
  })
  return channel
}
