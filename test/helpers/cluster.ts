import { type SupervisedCluster, supervise, type SuperviseOptions } from '../../src/index.js'
import type { TransitionEvent, WorkerExitEvent, WorkerRestartEvent } from '../../src/index.js'
import { isAlive } from './processes.js'

/** Everything a test cluster reported, in order. */
export interface ClusterLog {
  transitions: TransitionEvent[]
  exits: WorkerExitEvent[]
  restarts: WorkerRestartEvent[]
  /** Every pid ever forked, to check that none outlives the cluster. */
  pids: Set<number>
  /** Forks seen: distinct slot incarnations that made any transition. */
  forks(): number
  /** The states one incarnation of a slot went through, in order. */
  path(slotId: string, incarnation: number): string[]
  /**
   * `path` without the `disconnecting.closing` that a dying process may add: it closes its IPC
   * channel a moment before cluster reports the exit, and the two may arrive in either order.
   */
  crashPath(slotId: string, incarnation: number): string[]
}

/**
 * Starts clusters for tests and tears them all down: `stop()` each, then SIGKILL any pid that is
 * somehow still alive, so that one failing test cannot leak processes into the next.
 */
export function createClusterPool() {
  const entries: Array<{ cluster: SupervisedCluster<any>; log: ClusterLog }> = []
  return {
    start<C extends SuperviseOptions<any>['contract']>(options: SuperviseOptions<any> & { contract?: C }) {
      const cluster = supervise({ handleSignals: false, ...options })
      const log: ClusterLog = {
        transitions: [],
        exits: [],
        restarts: [],
        pids: new Set(),
        forks: () => new Set(log.transitions.map((t) => `${t.slotId}/${t.incarnation}`)).size,
        path: (slotId, incarnation) => log.transitions.filter((t) => t.slotId === slotId && t.incarnation === incarnation).map((t) => t.to),
        crashPath: (slotId, incarnation) => log.path(slotId, incarnation).filter((state) => state !== 'disconnecting.closing'),
      }
      cluster.on('transition', (event) => {
        log.transitions.push(event)
        if (event.pid !== null) log.pids.add(event.pid)
      })
      cluster.on('exit', (event) => log.exits.push(event))
      cluster.on('restart', (event) => log.restarts.push(event))
      entries.push({ cluster, log })
      return { cluster, log }
    },
    async cleanup(): Promise<number[]> {
      const all = entries.splice(0)
      await Promise.all(all.map(({ cluster }) => cluster.stop().catch(() => {})))
      const leaked = all.flatMap(({ log }) => [...log.pids].filter(isAlive))
      for (const pid of leaked) process.kill(pid, 'SIGKILL')
      return leaked
    },
  }
}
