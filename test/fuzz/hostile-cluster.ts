/**
 * The cluster the hostile-worker tests share: two test/fixtures/hostile-worker.ts workers, one
 * told to attack (over node:cluster's own channel), the other a bystander that must stay served.
 */
import nodeCluster from 'node:cluster'
import * as assert from 'uvu/assert'
import type { SupervisedCluster, SuperviseOptions } from '../../src/index.js'
import { hostileApi, type HostileSpec } from '../fixtures/hostile-contract.js'
import type { createClusterPool } from '../helpers/cluster.js'
import { fixture } from '../helpers/processes.js'

type ClusterPool = ReturnType<typeof createClusterPool>

/** The end of every malformed-message report. */
export const HINT =
  '. The channel keeps working. Both sides speak the same protocol version, so this is not a version mismatch: ' +
  'check that nothing else sends `__xcluster` messages, or report it as an xcluster bug.'

/** The end of the report of a packet of another protocol version. */
export const VERSION_HINT = '. The two sides run different xcluster versions: run the same version in the master and its workers.'

/** A cluster of two hostile-worker.ts; the workers may build values nested 10,000 deep. */
export async function startHostilePair(pool: ClusterPool, options: Pick<SuperviseOptions<typeof hostileApi>, 'env' | 'health'> = {}) {
  const { cluster, log } = pool.start({
    worker: fixture('hostile-worker.ts'),
    count: 2,
    contract: hostileApi,
    handlers: { echo: (value: unknown) => value },
    // Enough stack for the hostile worker's own JSON.stringify of 10,000 levels; the master keeps the default.
    execArgv: [...process.execArgv, '--stack-size=4000'],
    restart: { backoff: { initial: 10 } },
    ...options,
  })
  const protocolErrors: { workerId: number; error: Error }[] = []
  cluster.on('protocol-error', (workerId, error) => protocolErrors.push({ workerId, error }))
  await cluster.onReady()
  const [attacker, bystander] = cluster.workers() as unknown as [{ workerId: number; pid: number }, { workerId: number; pid: number }]
  return { cluster: cluster as SupervisedCluster<typeof hostileApi>, log, protocolErrors, attacker, bystander }
}

let lastAck = 0

/** Has the attacker send one hostile message, and resolves once the master has handled it. */
export function sendHostile(
  cluster: SupervisedCluster<typeof hostileApi>,
  workerId: number,
  order: { relay: unknown } | { build: HostileSpec },
) {
  // An ack no generated message can forge by chance: the hostile message may be `{ relayed: 1 }`.
  const ack = `ack ${++lastAck} ${process.pid}`
  return new Promise<void>((resolve) => {
    const off = cluster.on('message', (from, message) => {
      if (from !== workerId || (message as { relayed?: unknown } | null)?.relayed !== ack) return
      off()
      resolve()
    })
    nodeCluster.workers![workerId]!.send({ ...order, ack } as never)
  })
}

/** Both workers still answer, and the attacker was not restarted. */
export async function assertStillServing(
  cluster: SupervisedCluster<typeof hostileApi>,
  attacker: { workerId: number },
  bystander: { workerId: number },
) {
  assert.is(await cluster.worker(bystander.workerId).call.add(2, 3), 5)
  assert.is(await cluster.worker(attacker.workerId).call.add(20, 22), 42)
}

export const label = (worker: { workerId: number; pid: number }) => `worker ${worker.workerId} (pid ${worker.pid})`
