/**
 * `master.actor(kind, id)` in a worker: a ref to any actor of the cluster, routed through the
 * master (which numbers, places and stores as for its own refs). Events from one worker to one
 * actor keep their order: they travel on the worker's one ordered link to the master.
 */
import type { AnyStateMachine, EventFromLogic, EventObject } from 'xstate'
import { checkActorTarget, checkEvent } from './actor-ref.js'
import type { SendAndWaitOptions } from './contract-actors.js'
import * as messages from './messages.js'

// The worker's call waits this much longer than the master's own deadline, so that the master's
// clear ActorTimeoutError arrives rather than a bare RPC timeout.
const REPLY_GRACE = 1_000 // ms

/** A ref to a cluster actor held in a worker. */
export interface XclusterRemoteActorRef<M extends AnyStateMachine> {
  readonly kind: string
  readonly id: string
  /** Fire-and-forget, as XState's `send`. */
  send(event: EventFromLogic<M>): void
  /** Resolves once the event was applied and the snapshot after it stored; rejects with `ActorTimeoutError` at its deadline. */
  sendAndWait(event: EventFromLogic<M>, options?: SendAndWaitOptions): Promise<void>
}

/** What a remote ref needs of the worker's link to the master. @internal */
export interface RemoteActorLink {
  notify(method: string, args: unknown[]): void
  call(method: string, args: unknown[], options: { timeout?: number }): Promise<unknown>
  /** The master's default deadline for sendAndWait, as the worker knows it (its call timeout). */
  readonly timeout: number
}

/** @internal */
export function createRemoteActorRef<M extends AnyStateMachine>(
  link: RemoteActorLink,
  machines: Readonly<Record<string, object>>,
  kind: unknown,
  id: unknown,
  input: unknown,
): XclusterRemoteActorRef<M> {
  checkActorTarget('master.actor()', machines, kind, id)
  const k = kind as string
  const i = id as string
  return {
    kind: k,
    id: i,
    send(event: EventObject) {
      checkEvent(k, i, event)
      link.notify(messages.SEND, [k, i, event, input])
    },
    async sendAndWait(event: EventObject, options?: SendAndWaitOptions) {
      checkEvent(k, i, event)
      const timeout = options?.timeout ?? link.timeout
      await link.call(messages.SEND_AND_WAIT, [k, i, event, input, timeout], { timeout: timeout + REPLY_GRACE })
    },
  } as XclusterRemoteActorRef<M>
}
