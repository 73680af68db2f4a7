/**
 * The worker side: what a worker file imports (`xcluster/worker`).
 *
 * @example
 * ```ts
 * import { serve } from 'xcluster/worker'
 * import { api } from './contract.js'
 *
 * const master = serve(api, {
 *   add(a, b) { return a + b },
 *   async slow(ms) {
 *     await setTimeout(ms, undefined, { signal: this.signal }) // stops when the caller gives up
 *   },
 * })
 * master.notify.log('worker up')
 * master.ready()
 * ```
 */
export { serve, ready } from './worker/serve.js'
export { onDrain } from './supervisor/drain-hooks.js'
export type { ServeOptions, MasterLink } from './worker/serve.js'
export { isXclusterMessage } from './rpc/protocol.js'
export type { RpcCallContext, UploadWindow } from './rpc/peer.js'
export type { XclusterRemoteActorRef } from './actors/remote-actor-ref.js'
