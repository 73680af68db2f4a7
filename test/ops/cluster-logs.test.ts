import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { XclusterLogLine } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, waitFor } from '../helpers/processes.js'

const pool = createClusterPool()
const logs = suite('cluster.logs() and the log event')

logs.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlived its cluster')
})

logs('every line of every worker is kept with its worker id, slot, pid, generation and stream, also with silent', async () => {
  const { cluster } = pool.start({ worker: fixture('print-lines.ts'), count: 2, silent: true })
  const events: XclusterLogLine[] = []
  cluster.on('log', (line) => events.push(line))
  await cluster.onReady()
  await waitFor(() => cluster.logs().length === 4, 'four lines kept')
  const workers = cluster.workers()
  const expected = workers.flatMap((w) => [
    { workerId: w.workerId, slotId: w.slotId, pid: w.pid, generation: 0, stream: 'stdout', line: `hello from ${w.slotId} gen 0` },
    { workerId: w.workerId, slotId: w.slotId, pid: w.pid, generation: 0, stream: 'stderr', line: `warning from ${w.slotId} gen 0` },
  ])
  const withoutTime = ({ time: _time, ...rest }: XclusterLogLine) => rest
  const order = (a: { line: string }, b: { line: string }) => a.line.localeCompare(b.line)
  assert.equal(cluster.logs().map(withoutTime).sort(order), expected.sort(order))
  assert.equal(events, cluster.logs())
  const first = workers[0]!
  assert.equal(
    cluster
      .logs({ workerId: first.workerId! })
      .map((l) => l.line)
      .sort(),
    [`hello from ${first.slotId} gen 0`, `warning from ${first.slotId} gen 0`],
  )
  assert.is(cluster.logs({ lines: 1 }).length, 1)

  await cluster.reload()
  await waitFor(() => cluster.logs().filter((l) => l.generation === 1).length === 4, 'the new generation is heard')
  assert.equal(
    cluster
      .logs({ slotId: 'slot-1' })
      .filter((l) => l.stream === 'stdout')
      .map((l) => [l.generation, l.line]),
    [
      [0, 'hello from slot-1 gen 0'],
      [1, 'hello from slot-1 gen 1'],
    ],
  )
})

logs("a worker's last line without newline is kept once its stream ends", async () => {
  const { cluster, log } = pool.start({
    worker: fixture('print-lines.ts'),
    count: 1,
    silent: true,
    env: { PARTIAL: '1' },
    restart: { type: 'temporary' },
  })
  await waitFor(() => log.exits.length === 1, 'the worker exited')
  await waitFor(() => cluster.logs().length === 1, 'its last line arrived')
  assert.equal(
    cluster.logs().map((l) => [l.slotId, l.stream, l.line]),
    [['slot-0', 'stdout', 'last words of slot-0 gen 0, without newline']],
  )
  assert.equal(log.exits[0]!.exit, { code: 3, signal: null })
})

logs.run()
