import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createChangeBatcher } from '../../src/inspect/change-batcher.js'
import type { ChangeBatch } from '../../src/inspect/change-batcher.js'
import type { ActorSummary } from '../../src/inspect/actor-list.js'
import type { ActorRow, TransitionEntry } from '../../src/inspect/state-rows.js'

const SUMMARY: ActorSummary = { version: 7, total: 1, kinds: [], hosts: [] }
const row = (seq: number): ActorRow => ({ sessionId: 'w1', seq }) as ActorRow
const entry = (seq: number): TransitionEntry => ({ seq }) as TransitionEntry

const batcher = suite('change batcher')

batcher(
  "sends one batch per interval: the cluster's rows in order, new log entries, removals, the counts when user actors changed",
  async () => {
    const got: ChangeBatch[] = []
    let resolveFirst: (batch: ChangeBatch) => void = () => {}
    const first = new Promise<ChangeBatch>((resolve) => (resolveFirst = resolve))
    const b = createChangeBatcher(
      (batch) => {
        got.push(batch)
        resolveFirst(batch)
      },
      () => SUMMARY,
    )
    b.add({ type: 'actor', row: row(1) })
    b.add({ type: 'actor', row: row(2) })
    b.add({ type: 'transition', entry: entry(1) })
    b.add({ type: 'listed' })
    b.add({ type: 'listed' })
    b.add({ type: 'remove', sessionId: 'gone' })
    // The batcher's timer is unref'd (it never keeps a master alive): hold the process open meanwhile.
    const keepAlive = setTimeout(() => {}, 10_000)
    const batch = await first
    clearTimeout(keepAlive)
    assert.equal(batch, { rows: [row(1), row(2)], transitions: [entry(1)], removes: ['gone'], actors: SUMMARY })
    assert.is(got.length, 1)
    b.close()
  },
)

batcher('keeps the last 200 log entries of a busy interval, and flush() sends at once', () => {
  const got: ChangeBatch[] = []
  const b = createChangeBatcher(
    (batch) => got.push(batch),
    () => SUMMARY,
  )
  for (let seq = 1; seq <= 500; seq++) b.add({ type: 'transition', entry: entry(seq) })
  b.flush()
  assert.is(got.length, 1)
  assert.equal(
    got[0]!.transitions.map((e) => e.seq),
    Array.from({ length: 200 }, (_, i) => 301 + i),
  )
  assert.is(got[0]!.actors, undefined)
  b.flush()
  assert.is(got.length, 1, 'nothing pending: nothing sent')
  b.close()
})

batcher.run()
