/**
 * Actors: events/s to cluster actors against plain `cluster.any` RPC calls, in the same run and
 * the same cluster (2 workers), each sequential (one at a time, awaited: `sendAndWait` vs a call)
 * and pipelined (a batch in flight: `send`s to 100 actors, the last per actor `sendAndWait`, vs a
 * batch of calls); then the time from SIGKILL of a worker to every one of 1,000 actors restored
 * and answering an acknowledged event; and, in-process, what XState's transition and the
 * persisted snapshot of a report cost on their own (the worker side of the relay).
 *
 * The cases run in alternating blocks, ROUNDS times, and the table shows the median (this VM
 * varies by tens of percent from minute to minute; alternating keeps the comparison fair).
 * A sanity check throws when an actor's count is not what was sent.
 * Run: `npm run bench -- actors`.
 */
import { fileURLToPath } from 'node:url'
import { type SupervisedCluster, supervise } from '../src/index.js'
import { createActor } from 'xstate'
import { benchApi, tallyMachine } from './fixtures/actor-bench.js'
import { fixturePath, format, isSelected, printTable, summarize } from './fixtures/cluster-report.js'

const ROUNDS = 5
const SEQUENTIAL = 500 // awaited one at a time, per block
const PIPELINED = 10_000 // in flight together, per block
const PIPELINED_ACTORS = 100
const RESTORE_ACTORS = 1_000

type BenchCluster = SupervisedCluster<typeof benchApi>

async function timeIt(work: () => Promise<void>): Promise<number> {
  const start = performance.now()
  await work()
  return performance.now() - start
}

export async function run(filters: readonly string[]): Promise<void> {
  if (!['actors', 'sequential', 'pipelined', 'restore'].some((name) => isSelected(name, filters))) return
  const cluster: BenchCluster = supervise({ worker: fixturePath('actor-bench.ts'), contract: benchApi, count: 2, handleSignals: false })
  await cluster.onReady()
  let sent = new Map<string, number>()
  const count = (id: string, n = 1) => sent.set(id, (sent.get(id) ?? 0) + n)
  try {
    const cases: Record<string, () => Promise<void>> = {
      'sequential rpc call': async () => {
        for (let i = 0; i < SEQUENTIAL; i++) await cluster.any.ping()
      },
      'sequential actor sendAndWait': async () => {
        const ref = cluster.actor('tally', 'seq')
        for (let i = 0; i < SEQUENTIAL; i++) await ref.sendAndWait({ type: 'TICK' })
        count('seq', SEQUENTIAL)
      },
      'pipelined rpc call': async () => {
        await Promise.all(Array.from({ length: PIPELINED }, () => cluster.any.ping()))
      },
      'pipelined actor send': async () => {
        const refs = Array.from({ length: PIPELINED_ACTORS }, (_, i) => cluster.actor('tally', `pipe-${i}`))
        const perActor = PIPELINED / PIPELINED_ACTORS
        for (let n = 1; n < perActor; n++) for (const ref of refs) ref.send({ type: 'TICK' })
        await Promise.all(refs.map((ref) => ref.sendAndWait({ type: 'TICK' })))
        for (const ref of refs) count(ref.id, perActor)
      },
    }
    const timings = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]))
    // Warm up every path once, then alternate.
    for (const work of Object.values(cases)) await work()
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, work] of Object.entries(cases)) timings.get(name)!.push(await timeIt(work))
    }
    for (const [id, expected] of sent) {
      const actual = cluster.actor('tally', id).getSnapshot().context.count
      if (actual !== expected) throw new Error(`Sanity check failed: actor ${id} counted ${actual}, ${expected} were sent`)
    }
    const perSecond = (name: string, per: number) => (per / summarize(timings.get(name)!).median) * 1000
    const rows: string[][] = []
    const pairs: [string, string, number][] = [
      ['sequential actor sendAndWait', 'sequential rpc call', SEQUENTIAL],
      ['pipelined actor send', 'pipelined rpc call', PIPELINED],
    ]
    for (const [actor, rpc, per] of pairs) {
      const a = perSecond(actor, per)
      const r = perSecond(rpc, per)
      rows.push([rpc, format(r), '1.00x', format((1000 / r) * 1000, 1)])
      rows.push([actor, format(a), `${format(a / r, 2)}x`, format((1000 / a) * 1000, 1)])
    }
    printTable(`actors vs rpc (2 workers, median of ${ROUNDS} alternating blocks)`, ['case', 'ops/s', 'vs rpc', 'µs/op'], rows)

    // Restore: 1,000 actors, SIGKILL the worker hosting the most, time until each answers again.
    sent = new Map()
    const refs = Array.from({ length: RESTORE_ACTORS }, (_, i) => cluster.actor('tally', `restore-${i}`))
    await Promise.all(refs.map((ref) => ref.sendAndWait({ type: 'TICK' })))
    const byWorker = new Map<number, number>()
    for (const actor of cluster.actors())
      if (actor.id.startsWith('restore-')) byWorker.set(actor.workerId!, (byWorker.get(actor.workerId!) ?? 0) + 1)
    const [victimId, hosted] = [...byWorker].sort((a, b) => b[1] - a[1])[0]!
    const victim = cluster.workers().find((w) => w.workerId === victimId)!
    const start = performance.now()
    process.kill(victim.pid!, 'SIGKILL')
    await Promise.all(refs.map((ref) => ref.sendAndWait({ type: 'TICK' }, { timeout: 30_000 })))
    const restoreMs = performance.now() - start
    const wrong = refs.filter((ref) => ref.getSnapshot().context.count !== 2)
    if (wrong.length > 0) throw new Error(`Sanity check failed: ${wrong.length} restored actors do not count 2`)
    // In-process, for scale: what a transition costs XState itself, and what the report of one
    // costs the worker beyond it (the persisted snapshot; a report covers every event of its tick).
    const local = createActor(tallyMachine).start()
    const LOCAL = 100_000
    const micro = (work: () => void) => {
      const values: number[] = []
      for (let round = 0; round < ROUNDS; round++) {
        const start = performance.now()
        for (let i = 0; i < LOCAL; i++) work()
        values.push(((performance.now() - start) * 1000) / LOCAL)
      }
      return summarize(values).median
    }
    const sendCost = micro(() => local.send({ type: 'TICK' }))
    const persistCost = micro(() => tallyMachine.getPersistedSnapshot(local.getSnapshot()))
    if (local.getSnapshot().context.count !== LOCAL * ROUNDS)
      throw new Error('Sanity check failed: the local actor did not count every TICK')
    printTable(
      'in-process costs (the worker side of one event and of one report)',
      ['case', 'µs'],
      [
        ['xstate actor.send(TICK) of the tally machine', format(sendCost, 2)],
        ['machine.getPersistedSnapshot() (one per actor per tick)', format(persistCost, 2)],
      ],
    )

    printTable(
      'restore after SIGKILL',
      ['case', 'actors on the killed worker', 'ms until all 1,000 answer'],
      [['SIGKILL → every actor acknowledged again', String(hosted), format(restoreMs, 1)]],
    )
  } finally {
    await cluster.stop()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
