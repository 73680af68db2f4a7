/**
 * An offline inspector for any XState v5 program: the live view without a cluster, accepting the
 * events of `@statelyai/inspect`'s `createWebSocketInspector` on its own port. Every machine the
 * program runs is listed with its live state and drawn; click one for its history.
 */
import { createLiveView } from './live-view.js'
import type { XclusterLiveViewOptions } from './live-view.js'

export type XclusterInspectorServerOptions = Omit<XclusterLiveViewOptions, 'workerMachine' | 'getStats' | 'acceptInspectors'>

export interface XclusterInspectorServer {
  /** The page to open (with `?token=` when a token is set). */
  url: string
  /** What to pass to `createWebSocketInspector({ url })` in the inspected program. */
  inspectorUrl: string
  /** Stops the server and drops every connection. Idempotent. */
  close(): Promise<void>
}

/**
 * Starts the inspector; same safety as the live view (127.0.0.1 unless told otherwise, a token
 * for anything else, Host and Origin checks, a strict Content-Security-Policy). Rejects with a
 * TypeError on bad options.
 *
 * @example
 * // in one process
 * const inspector = await createInspectorServer({ port: 8080 })
 * console.log(`open ${inspector.url}`)
 * // in the inspected program
 * import { createWebSocketInspector } from '@statelyai/inspect'
 * const { inspect } = createWebSocketInspector({ url: 'ws://127.0.0.1:8080' })
 * createActor(machine, { inspect }).start()
 */
export async function createInspectorServer(options: XclusterInspectorServerOptions = {}): Promise<XclusterInspectorServer> {
  const view = await createLiveView({ title: 'xcluster inspector', ...options, acceptInspectors: true })
  return { url: view.url, inspectorUrl: view.inspectorUrl!, close: () => view.close() }
}
