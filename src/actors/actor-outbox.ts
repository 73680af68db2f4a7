/**
 * What the master sends one worker about its actors (spawns and events), as one `$actor.batch`
 * notification per tick instead of one frame per event: the worker decodes and dispatches once
 * per packet, which is most of an event's cost besides the machine's own transition. One queue
 * per worker keeps spawns and events in the order they were made.
 */
import type { EventObject } from 'xstate'
import { BATCH } from './messages.js'

/** `['s', kind, id, seq, snapshot, input]`: host the actor; `['e', kind, id, seq, event]`: apply an event. */
export type ActorOp = ['s', string, string, number, unknown, unknown] | ['e', string, string, number, EventObject]

// A batch is sent at once when it reaches this many ops, so one encode stays well under maxPayload.
const MAX_BATCH = 1_000

export class ActorOutbox {
  readonly #notify: (method: string, args: unknown[]) => void
  readonly #onRefused: (op: ActorOp, error: Error) => void
  #ops: ActorOp[] = []
  #isQueued = false

  /** `onRefused` gets each op that could not be encoded (a function in an event, an oversize input). */
  constructor(notify: (method: string, args: unknown[]) => void, onRefused: (op: ActorOp, error: Error) => void) {
    this.#notify = notify
    this.#onRefused = onRefused
  }

  push(op: ActorOp): void {
    this.#ops.push(op)
    if (this.#ops.length >= MAX_BATCH) return this.flush()
    if (this.#isQueued) return
    this.#isQueued = true
    queueMicrotask(() => {
      this.#isQueued = false
      this.flush()
    })
  }

  /** Send what is queued now (before a call that must come after it). */
  flush(): void {
    if (this.#ops.length === 0) return
    const ops = this.#ops
    this.#ops = []
    this.#send(ops)
  }

  /** One op spoils a batch (or the batch is over maxPayload): halve it until only the bad ones fail. */
  #send(ops: ActorOp[]): void {
    try {
      this.#notify(BATCH, [ops])
    } catch (error) {
      if (ops.length === 1) return this.#onRefused(ops[0]!, error as Error)
      const middle = ops.length >> 1
      this.#send(ops.slice(0, middle))
      this.#send(ops.slice(middle))
    }
  }
}
