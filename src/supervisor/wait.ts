import { RpcAbortError, RpcTimeoutError } from '../rpc/errors.js'

/** The deadline and abort signal of a call that waits before it can be sent. */
export interface ArmedWait {
  /** Milliseconds its deadline has left (at least 1): the timeout to send it with. */
  timeLeft(): number
  /** Disarm the timer and the abort listener once the call moves on. */
  release(): void
}

/**
 * Arm a waiting call (held until its worker listens, or until any worker does): `fail` gets an
 * `RpcTimeoutError` when its deadline passes or an `RpcAbortError` when its signal aborts. The
 * caller checks `signal.aborted` first. The timer never keeps the master alive.
 */
export function armWait(
  call: { method: string; callee: string; timeout: number; signal: AbortSignal | undefined },
  fail: (error: Error) => void,
): ArmedWait {
  const { method, callee, timeout, signal } = call
  const deadline = Date.now() + timeout
  const release = () => {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
  const onAbort = () => {
    release()
    fail(new RpcAbortError(method, callee, signal?.reason))
  }
  const timer = setTimeout(() => {
    release()
    fail(new RpcTimeoutError(method, callee, timeout))
  }, timeout)
  timer.unref()
  signal?.addEventListener('abort', onAbort, { once: true })
  return { timeLeft: () => Math.max(1, deadline - Date.now()), release }
}
