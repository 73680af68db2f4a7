/**
 * The errors the worker side raises. Its base and the RPC errors are in `src/rpc/errors.ts`.
 */
import { setErrorName, XclusterError, type XclusterErrorOptions } from '../rpc/errors.js'
import * as messages from './messages.js'

/**
 * Seen in a worker: the master went away while a call to it was pending. Code
 * `ERR_MASTER_EXITED`.
 */
export class MasterExitedError extends XclusterError {
  constructor(options?: XclusterErrorOptions) {
    super(messages.masterExitedMessage(), 'ERR_MASTER_EXITED', options)
  }
}
setErrorName(MasterExitedError, 'MasterExitedError')

/** @internal The worker side's errors rebuilt as themselves on the other side of a call. */
export const WORKER_ERROR_CLASSES: readonly (abstract new (...args: never[]) => Error)[] = [MasterExitedError]
