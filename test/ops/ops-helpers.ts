/** Helpers of the health and metrics tests: a cluster of test/fixtures/metrics-worker.ts, and HTTP. */
import nodeCluster from 'node:cluster'
import type { SupervisedCluster, SuperviseOptions } from '../../src/index.js'
import { metricsApi } from '../fixtures/metrics-contract.js'
import type { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'

/** A cluster of test/fixtures/metrics-worker.ts; its workers listen when `workers.letListen()` says so. */
export function startMetricsCluster(pool: ReturnType<typeof createClusterPool>, options: Partial<SuperviseOptions<typeof metricsApi>>) {
  const { cluster, log } = pool.start({ worker: fixture('metrics-worker.ts'), contract: metricsApi, silent: true, ...options })
  return { cluster: cluster as SupervisedCluster<typeof metricsApi>, log, workers: trackWaiting(cluster) }
}

/** Workers that said they wait for `{ listen: true }`, by node:cluster id, until told. */
export function trackWaiting(cluster: SupervisedCluster<any>) {
  const waiting = new Set<number>()
  const waiters = new Set<() => void>()
  cluster.on('message', (workerId, message) => {
    if ((message as { waiting?: boolean } | null)?.waiting !== true) return
    waiting.add(workerId)
    for (const check of [...waiters]) check()
  })
  return {
    /** Resolves once `count` workers wait, then tells them all to listen. */
    async letListen(count: number): Promise<number[]> {
      if (waiting.size < count) {
        await new Promise<void>((resolve) => {
          const check = () => {
            if (waiting.size < count) return
            waiters.delete(check)
            resolve()
          }
          waiters.add(check)
        })
      }
      const ids = [...waiting]
      waiting.clear()
      for (const id of ids) nodeCluster.workers?.[id]?.send({ listen: true })
      return ids
    },
  }
}

/** One HTTP request on a fresh connection: status, body and headers. */
export async function request(url: string, method = 'GET'): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { method, headers: { connection: 'close' } })
  return { status: response.status, body: await response.text(), headers: response.headers }
}
