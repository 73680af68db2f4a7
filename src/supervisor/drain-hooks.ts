/**
 * Listeners of "this worker begins to drain", for work that only the app can end well: its own
 * WebSocket close codes, a consumer to stop, a job to hand back. node:cluster announces nothing
 * at the start of a disconnect (the process's `'disconnect'` fires only after every server has
 * closed, too late for that), so the drain of the worker's first HTTP server is the signal.
 *
 * The listeners live on a global symbol: the preload and the app may load two copies of this
 * module (from source and built, or from two installs), and both must share one list.
 */
const HOOKS = Symbol.for('xcluster.drainHooks')

interface DrainHooks {
  listeners: Array<() => void>
  hasDrained: boolean
}

function hooks(): DrainHooks {
  const store = globalThis as { [HOOKS]?: DrainHooks }
  store[HOOKS] ??= { listeners: [], hasDrained: false }
  return store[HOOKS]
}

/**
 * Calls `listener` once, when this worker begins to drain (a reload, a replacement or a stop):
 * its HTTP servers stop taking connections and finish their requests; upgraded connections it
 * does not close itself within 1 s get a WebSocket close 1001 (or a FIN) from xcluster.
 * Returns a function that removes the listener.
 *
 * @example
 * ```ts
 * import { onDrain } from 'xcluster/worker'
 * onDrain(() => {
 *   for (const ws of wss.clients) ws.close(1012, 'restarting')
 * })
 * ```
 */
export function onDrain(listener: () => void): () => void {
  if (typeof listener !== 'function') throw new TypeError(`Expected \`listener\` to be a function, got \`${typeof listener}\``)
  const { listeners } = hooks()
  listeners.push(listener)
  return () => {
    const index = listeners.indexOf(listener)
    if (index >= 0) listeners.splice(index, 1)
  }
}

/** The drain began: run each listener once; one that throws is reported and the rest still run. */
export function notifyDrain(): void {
  const state = hooks()
  if (state.hasDrained) return
  state.hasDrained = true
  for (const listener of state.listeners.splice(0)) {
    try {
      listener()
    } catch (error) {
      process.emitWarning(`an onDrain() listener threw: ${(error as Error)?.stack ?? String(error)}`, 'XclusterWarning')
    }
  }
}
