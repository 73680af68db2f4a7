/**
 * The worker's half of the start split: times taken inside a worker as it boots, sent to the master
 * once, when the worker's first server listens. The master adds its own fork time and turns them
 * into phases (start-timing.ts).
 *
 * Loaded by the worker preload as its first import, so the first mark is taken when every loader
 * given before the preload (tsx's `--import`) is done, or, for the CommonJS preload (`--require`),
 * in the middle of Node's bootstrap. It loads nothing that node:net and
 * node:perf_hooks do not: whatever it imported would be part of every worker's boot.
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { PROTOCOL_TAG, PROTOCOL_VERSION } from '../rpc/protocol-tag.js'

/**
 * The built-in notification that carries the marks. `$`-prefixed: never a user's method. A
 * notification frame of our protocol, so a master's router takes it and a user's `message`
 * listeners never see it.
 */
export const START_MARKS_METHOD = '$started'

/**
 * What a worker reports. `origin` is the worker's `performance.timeOrigin` (ms since the epoch, the
 * moment its process started); the others are ms after it, in the order they happen.
 */
export interface StartMarks {
  origin: number
  /** Node's own bootstrap is done (`performance.nodeTiming.bootstrapComplete`): before `preload` under `--import`, after `preloaded` under `--require`. */
  bootstrap: number
  /** The preload starts: the loaders before it are done. */
  preload: number
  /** The preload is done: the worker's own file starts loading. */
  preloaded: number
  /** The worker's code calls `listen()` for the first time. */
  listen: number
  /** That server listens (node:cluster got its handle from the master). */
  listening: number
}

const preloadAt = performance.now()
let preloadedAt: number | undefined

/**
 * Called at the end of the preload: marks it done, and arranges for the marks to be sent when the
 * first server listens. A worker that never listens (it calls `ready()`) sends nothing.
 */
export function watchFirstListen(): void {
  preloadedAt = performance.now()
  const listen = net.Server.prototype.listen
  const watched = function (this: net.Server, ...args: unknown[]) {
    // Only the first listen() of the process counts; put the prototype's method back at once.
    if (net.Server.prototype.listen === watched) net.Server.prototype.listen = listen
    const listenAt = performance.now()
    this.once('listening', () => sendStartMarks(listenAt, performance.now()))
    return Reflect.apply(listen, this, args)
  }
  net.Server.prototype.listen = watched as typeof listen
}

function sendStartMarks(listenAt: number, listeningAt: number): void {
  // Forked without IPC (as a plain child), or already disconnected: nobody to tell.
  if (typeof process.send !== 'function' || !process.connected) return
  const marks: StartMarks = {
    origin: performance.timeOrigin,
    bootstrap: performance.nodeTiming.bootstrapComplete,
    preload: preloadAt,
    preloaded: preloadedAt ?? preloadAt,
    listen: listenAt,
    listening: listeningAt,
  }
  // A callback makes a send on a closing channel harmless (otherwise Node emits 'error' on process).
  process.send({ [PROTOCOL_TAG]: PROTOCOL_VERSION, f: [['n', START_MARKS_METHOD, [marks]]] }, undefined, undefined, () => {})
}
