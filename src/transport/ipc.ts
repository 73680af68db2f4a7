/**
 * Connects an RPC peer to a Node IPC channel: a `ChildProcess`, a cluster `Worker`, or the
 * worker's own `process`. It knows nothing of RPC methods: it moves packets.
 */
import { createRpcPeer, type RpcPeer, type RpcPeerOptions } from '../rpc/peer.js'

/** What a Node IPC endpoint offers (ChildProcess, cluster Worker, process). */
export interface IpcEndpoint {
  send?: ((message: any, callback?: (error: Error | null) => void) => boolean) | undefined
  on(event: 'message', listener: (message: any) => void): unknown
  off(event: 'message', listener: (message: any) => void): unknown
}

export interface IpcPeer {
  peer: RpcPeer
  /** Stops feeding the peer (removes the 'message' listener). Does not close the peer. */
  detach(): void
}

/**
 * Creates an RPC peer over an IPC endpoint: packets go out with `endpoint.send`, and every
 * tagged message received is fed to the peer; other messages are left to your own listeners.
 * Closing the peer when the other side exits is up to you (`peer.close(new WorkerExitedError(…))`).
 *
 * @example
 * ```ts
 * const child = fork('worker.js')
 * const { peer } = connectIpcPeer(child, { label: `worker ${child.pid}` })
 * child.on('exit', (exitCode, signal) => peer.close(new WorkerExitedError({ workerId: 1, pid: child.pid, exitCode, signal })))
 * ```
 */
export function connectIpcPeer(endpoint: IpcEndpoint, options: Omit<RpcPeerOptions, 'send'> = {}): IpcPeer {
  const send = endpoint.send
  if (typeof send !== 'function')
    throw new TypeError('Expected an IPC endpoint with a send() method (a forked child, a cluster worker, or process in one)')
  // A failed send (channel closed) would otherwise be emitted as an 'error' event; the peer is
  // closed by whoever watches the other side's exit, which settles the calls.
  const ignoreSendError = (): void => {}
  const peer = createRpcPeer({ ...options, send: (message) => send.call(endpoint, message, ignoreSendError) })
  const onMessage = (message: unknown): void => {
    peer.receive(message)
  }
  endpoint.on('message', onMessage)
  return { peer, detach: () => void endpoint.off('message', onMessage) }
}
