/**
 * The errors the actor layer raises. Each names the actor (`kind`, `id`) and has a stable `code`.
 * Its base is `XclusterError` (src/rpc/errors.ts); `src/index.ts` re-exports them.
 */
import { setErrorName, XclusterError, type XclusterErrorOptions } from '../rpc/errors.js'
import * as messages from './messages.js'

/** Fields every actor error carries. */
interface ActorErrorFields {
  kind: string
  id: string
}

/** A kind the contract does not declare, or a cluster without actors. Code `ERR_ACTOR_KIND`. */
export class ActorKindError extends XclusterError {
  kind: string

  constructor(message: string, kind: string) {
    super(message, 'ERR_ACTOR_KIND')
    this.kind = kind
  }
}
setErrorName(ActorKindError, 'ActorKindError')

/**
 * `sendAndWait()` passed its deadline before the event was applied and stored. The event is not
 * withdrawn: it is still applied, in order. Code `ERR_ACTOR_TIMEOUT`.
 */
export class ActorTimeoutError extends XclusterError implements ActorErrorFields {
  kind: string
  id: string
  timeout: number

  constructor(details: ActorErrorFields & { type: string; timeout: number; where: string }) {
    super(messages.actorTimeoutMessage(details.kind, details.id, details.type, details.timeout, details.where), 'ERR_ACTOR_TIMEOUT')
    this.kind = details.kind
    this.id = details.id
    this.timeout = details.timeout
  }
}
setErrorName(ActorTimeoutError, 'ActorTimeoutError')

/** No worker could take the actor before the hold deadline; its held events were dropped. Code `ERR_ACTOR_UNAVAILABLE`. */
export class ActorUnavailableError extends XclusterError implements ActorErrorFields {
  kind: string
  id: string

  constructor(details: ActorErrorFields & { holdTimeout: number }) {
    super(messages.unavailableMessage(details.kind, details.id, details.holdTimeout), 'ERR_ACTOR_UNAVAILABLE')
    this.kind = details.kind
    this.id = details.id
  }
}
setErrorName(ActorUnavailableError, 'ActorUnavailableError')

/**
 * The machine threw while applying an event (snapshot status `'error'`); `cause` is what it threw,
 * with the worker's stack. Code `ERR_ACTOR_FAILED`.
 */
export class ActorFailedError extends XclusterError implements ActorErrorFields {
  kind: string
  id: string
  /** The event that failed; it is skipped. */
  seq: number
  workerId: number

  constructor(details: ActorErrorFields & { seq: number; workerId: number }, options?: XclusterErrorOptions) {
    const cause = options?.cause
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
    super(messages.actorFailedMessage(details.kind, details.id, details.seq, details.workerId, reason), 'ERR_ACTOR_FAILED', options)
    this.kind = details.kind
    this.id = details.id
    this.seq = details.seq
    this.workerId = details.workerId
  }
}
setErrorName(ActorFailedError, 'ActorFailedError')

/** The actor spent its restart budget and is stopped; events to it are refused. Code `ERR_ACTOR_STOPPED`. */
export class ActorStoppedError extends XclusterError implements ActorErrorFields {
  kind: string
  id: string

  constructor(details: ActorErrorFields & { restarts: number; period: number }, options?: XclusterErrorOptions) {
    super(messages.actorStoppedMessage(details.kind, details.id, details.restarts, details.period), 'ERR_ACTOR_STOPPED', options)
    this.kind = details.kind
    this.id = details.id
  }
}
setErrorName(ActorStoppedError, 'ActorStoppedError')

/** A persisted snapshot over the worker's `maxPayload`. Code `ERR_ACTOR_SNAPSHOT_TOO_LARGE`. */
export class ActorSnapshotTooLargeError extends XclusterError implements ActorErrorFields {
  kind: string
  id: string
  size: number
  limit: number

  constructor(details: ActorErrorFields & { size: number; limit: number }) {
    super(messages.snapshotTooLargeMessage(details.kind, details.id, details.size, details.limit), 'ERR_ACTOR_SNAPSHOT_TOO_LARGE')
    this.kind = details.kind
    this.id = details.id
    this.size = details.size
    this.limit = details.limit
  }
}
setErrorName(ActorSnapshotTooLargeError, 'ActorSnapshotTooLargeError')

/**
 * The store failed to load, save or delete a record (a load or save is retried); `cause` is the
 * store's error. Code `ERR_ACTOR_STORE_FAILED`.
 */
export class ActorStoreFailedError extends XclusterError implements ActorErrorFields {
  kind: string
  id: string
  operation: 'load' | 'save' | 'delete'

  constructor(details: ActorErrorFields & { operation: 'load' | 'save' | 'delete' }, options?: XclusterErrorOptions) {
    const cause = options?.cause
    super(
      messages.storeFailedMessage(details.kind, details.id, details.operation, cause instanceof Error ? cause.message : String(cause)),
      'ERR_ACTOR_STORE_FAILED',
      options,
    )
    this.operation = details.operation
    this.kind = details.kind
    this.id = details.id
  }
}
setErrorName(ActorStoreFailedError, 'ActorStoreFailedError')

/**
 * An event or an input could not be encoded for the worker (a function in it, over `maxPayload`);
 * it was dropped. `cause` is the `EncodeError`/`PayloadTooLargeError`. Code `ERR_ACTOR_ENCODE`.
 */
export class ActorEncodeError extends XclusterError implements ActorErrorFields {
  kind: string
  id: string

  constructor(details: ActorErrorFields & { what: string }, options: XclusterErrorOptions & { cause: Error }) {
    super(messages.encodeRefusedMessage(details.kind, details.id, details.what, options.cause.message), 'ERR_ACTOR_ENCODE', options)
    this.kind = details.kind
    this.id = details.id
  }
}
setErrorName(ActorEncodeError, 'ActorEncodeError')

/** @internal The actor errors rebuilt as themselves on the other side of a link. */
export const ACTOR_ERROR_CLASSES: readonly (abstract new (...args: never[]) => Error)[] = [
  ActorKindError,
  ActorTimeoutError,
  ActorUnavailableError,
  ActorFailedError,
  ActorStoppedError,
  ActorSnapshotTooLargeError,
  ActorStoreFailedError,
  ActorEncodeError,
]
