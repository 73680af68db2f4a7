/**
 * ELK, configured and run for the statecharts: the layered algorithm's options, and the worker
 * thread the layouts run in.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { ElkNode } from 'elkjs/lib/elk-api.js'

/** @internal */
export const ROOT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Depth-first from the initial state breaks cycles so that the initial state stays on top
  // (MODEL_ORDER did too, but made the worker chart 60% wider; measured 999 vs 1643 px).
  'elk.layered.cycleBreaking.strategy': 'DEPTH_FIRST',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.spacing.nodeNode': '20',
  'elk.layered.spacing.nodeNodeBetweenLayers': '34',
  'elk.spacing.edgeNode': '12',
  'elk.spacing.edgeEdge': '8',
  'elk.layered.spacing.edgeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '8',
  'elk.spacing.edgeLabel': '4',
  'elk.edgeLabels.placement': 'CENTER',
  'elk.padding': '[top=12,left=12,bottom=12,right=12]',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
} as const

type Elk = { layout(graph: ElkNode): Promise<ElkNode> }
let elk: Elk | undefined

/**
 * @internal
 * ELK in a worker thread: a layout takes hundreds of ms of synchronous work (seconds on a busy
 * 2-core machine, measured 3.6 s of event-loop stall for the three xcluster charts with ELK in
 * the master's own thread), and the master must keep answering heartbeats and IPC meanwhile.
 * The thread is unref'd while idle, so it never keeps a process alive.
 */
export function loadElk(): Elk {
  if (elk) return elk
  const thread = new Worker(ELK_THREAD, {
    eval: true,
    workerData: { elkPath: createRequire(import.meta.url).resolve('elkjs/lib/elk.bundled.js') },
  })
  const pending = new Map<number, { resolve: (graph: ElkNode) => void; reject: (error: Error) => void }>()
  let nextId = 0
  thread.unref()
  const settle = (): void => {
    if (pending.size === 0) thread.unref()
  }
  thread.on('message', (message: { id: number; result?: ElkNode; error?: string }) => {
    const call = pending.get(message.id)
    if (!call) return
    pending.delete(message.id)
    settle()
    if (message.result) call.resolve(message.result)
    else call.reject(new Error(`ELK could not lay out the chart: ${message.error ?? 'no result'}`))
  })
  const failAll = (error: Error): void => {
    for (const call of pending.values()) call.reject(error)
    pending.clear()
    elk = undefined
  }
  thread.on('error', failAll)
  thread.on('exit', (code) => failAll(new Error(`the ELK layout thread exited with code ${code}`)))
  elk = {
    layout(graph) {
      return new Promise((resolve, reject) => {
        const id = nextId++
        pending.set(id, { resolve, reject })
        thread.ref()
        thread.postMessage({ id, graph })
      })
    },
  }
  return elk
}

/** The layout thread's code (CommonJS, so that it can require elkjs's bundle by path). */
const ELK_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const ELK = require(workerData.elkPath);
const elk = new ELK();
parentPort.on('message', ({ id, graph }) => {
  elk.layout(graph).then(
    (result) => parentPort.postMessage({ id, result }),
    (error) => parentPort.postMessage({ id, error: String((error && error.message) || error) }),
  );
});
`
