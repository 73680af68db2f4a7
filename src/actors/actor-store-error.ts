/**
 * The error an actor store backend raises. It names the actor and the operation so the log line
 * that shows it is enough to act on, and carries the backend's own error as `cause`.
 */
import { setErrorName, XclusterError } from '../rpc/errors.js'

/** What the store was doing when it failed. */
export type ActorStoreOperation = 'load' | 'save' | 'delete' | 'close'

/**
 * Codes of {@link ActorStoreError}:
 * - `ERR_ACTOR_STORE_UNAVAILABLE`: the backend did not answer (Redis down, unreachable, timed out), or refused the command.
 * - `ERR_ACTOR_STORE_ENCODE`: the record holds a value that cannot be stored (a function, a class instance).
 * - `ERR_ACTOR_STORE_TOO_LARGE`: the encoded record, or the key, is over the store's limit.
 * - `ERR_ACTOR_STORE_INVALID`: the call's arguments are wrong (a `seq` that is not an integer).
 * - `ERR_ACTOR_STORE_CORRUPT`: what is stored under the actor's key is not a record this store wrote (or not a hash).
 * - `ERR_ACTOR_STORE_CLOSED`: the store was used after `close()`.
 * - `ERR_ACTOR_STORE_NO_CLIENT`: a Redis URL was given but the optional `ioredis` package is not installed.
 */
export type ActorStoreErrorCode =
  | 'ERR_ACTOR_STORE_UNAVAILABLE'
  | 'ERR_ACTOR_STORE_ENCODE'
  | 'ERR_ACTOR_STORE_TOO_LARGE'
  | 'ERR_ACTOR_STORE_INVALID'
  | 'ERR_ACTOR_STORE_CORRUPT'
  | 'ERR_ACTOR_STORE_CLOSED'
  | 'ERR_ACTOR_STORE_NO_CLIENT'

/**
 * An actor store could not load, save or delete an actor's record. `kind` and `id` name the
 * actor (both `undefined` for `close()`); `code` says why (see {@link ActorStoreErrorCode}).
 *
 * @example
 * ```ts
 * try { await store.save(record) } catch (error) {
 *   if (error instanceof ActorStoreError && error.code === 'ERR_ACTOR_STORE_UNAVAILABLE') retryLater()
 * }
 * ```
 */
export class ActorStoreError extends XclusterError {
  declare code: ActorStoreErrorCode
  /** The actor's kind, as given to the store. */
  kind: string | undefined
  /** The actor's id, as given to the store. */
  id: string | undefined
  /** What the store was doing. */
  operation: ActorStoreOperation

  constructor(
    message: string,
    code: ActorStoreErrorCode,
    details: { kind?: string; id?: string; operation: ActorStoreOperation; cause?: unknown },
  ) {
    super(message, code, 'cause' in details ? { cause: details.cause } : undefined)
    this.kind = details.kind
    this.id = details.id
    this.operation = details.operation
  }
}
setErrorName(ActorStoreError, 'ActorStoreError')

// Long ids are quoted in part: the message must stay a log line, whatever the caller passed.
const MAX_QUOTED = 80

/** `"order"/"order-42"`: the actor as messages show it, kind and id quoted and bounded. @internal */
export function describeActor(kind: string, id: string): string {
  const quote = (text: string) =>
    JSON.stringify(text.length > MAX_QUOTED ? text.slice(0, MAX_QUOTED) : text) +
    (text.length > MAX_QUOTED ? `… (${text.length} characters)` : '')
  return `${quote(kind)}/${quote(id)}`
}
