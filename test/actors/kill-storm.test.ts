/**
 * Durability under SIGKILL: many actors, each sent numbered INC events from the master while a
 * random worker is SIGKILLed every KILL_EVERY ms. Every actor must end with exactly the events sent,
 * each once, in order (its `seen` list is 1..EVENTS).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { type SupervisedCluster, supervise, type WorkerExitEvent } from '../../src/index.js'
import { actorApi } from '../fixtures/actor-machines.js'
import { fixture, isAlive } from '../helpers/processes.js'

const ACTORS = Number(process.env.STORM_ACTORS ?? 1_000)
const EVENTS = Number(process.env.STORM_EVENTS ?? 100)
const KILL_EVERY = Number(process.env.STORM_KILL_EVERY ?? 200) // ms
// The storm stops after this many kills so the run ends even on a loaded machine, where a worker
// can take longer to boot than the killer takes to kill the others.
const MAX_KILLS = Number(process.env.STORM_MAX_KILLS ?? 30)

const clusters: SupervisedCluster<typeof actorApi>[] = []
const storm = suite('actors under a kill storm')

storm.after.each(async () => {
  const pids = clusters.flatMap((c) => c.workers().map((w) => w.pid))
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL')
})

const expected = Array.from({ length: EVENTS }, (_, i) => i + 1)

storm(
  `${ACTORS} actors × ${EVENTS} INC while a random worker is SIGKILLed every ${KILL_EVERY} ms: every count exact, in order`,
  async () => {
    const cluster = supervise({
      worker: fixture('actor-worker.ts'),
      contract: actorApi,
      handleSignals: false,
      count: 3,
      timeouts: { drain: 5_000, disconnect: 500, terminate: 500 },
      restart: { maxRestarts: 10_000, period: 60_000, backoff: { initial: 10, max: 50 } },
    })
    clusters.push(cluster)
    const exits: WorkerExitEvent[] = []
    cluster.on('exit', (event) => exits.push(event))
    await cluster.onReady()
    let kills = 0
    const killer = setInterval(() => {
      if (kills >= MAX_KILLS) return clearInterval(killer)
      const live = cluster.workers().filter((w) => w.state === 'listening' && w.pid !== null)
      const victim = live[Math.floor(Math.random() * live.length)]
      if (!victim) return
      process.kill(victim.pid!, 'SIGKILL')
      kills++
    }, KILL_EVERY)
    const refs = Array.from({ length: ACTORS }, (_, i) => cluster.actor('counter', `storm-${i}`))
    const acks: Promise<void>[] = []
    try {
      for (let n = 1; n <= EVENTS; n++) {
        for (const ref of refs) {
          if (n === EVENTS) acks.push(ref.sendAndWait({ type: 'INC', n }, { timeout: 120_000 }))
          else ref.send({ type: 'INC', n })
        }
        // Let the killer and the IPC run between waves, as a real producer's I/O would.
        await new Promise((resolve) => setImmediate(resolve))
      }
      await Promise.all(acks)
    } catch (error) {
      const byStatus: Record<string, number> = {}
      for (const actor of cluster.actors()) byStatus[actor.status] = (byStatus[actor.status] ?? 0) + 1
      console.log(
        'actors by status',
        byStatus,
        'workers',
        cluster.workers().map((w) => [w.slotId, w.state]),
        'kills',
        kills,
      )
      throw error
    } finally {
      clearInterval(killer)
    }
    const wrong = refs.filter((ref) => {
      const { count, seen } = ref.getSnapshot().context
      return count !== EVENTS || seen.length !== EVENTS || seen.some((n, i) => n !== expected[i])
    })
    assert.equal(
      wrong.map((ref) => ref.id),
      [],
      'actors whose events were lost, repeated or reordered',
    )
    assert.ok(kills > 0, 'the storm killed no worker')
    const killed = exits.filter((e) => e.exit.signal === 'SIGKILL').length
    assert.ok(
      killed > 0 && exits.every((e) => e.exit.signal === 'SIGKILL'),
      `every exit was one of our SIGKILLs: ${JSON.stringify(exits.map((e) => e.exit))}`,
    )
    console.log(`  ${ACTORS} actors × ${EVENTS} events; ${kills} SIGKILLs sent, ${killed} workers died`)
  },
)

storm.run()
