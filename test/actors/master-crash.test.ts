/**
 * A master SIGKILLed mid-run, with its actors in a store that outlives it (a file store here; a
 * Redis store plugs in the same way): a new master resumes every actor where the store has it.
 * For each actor: nothing acknowledged is lost, nothing is applied twice, and what it applied is
 * exactly the first k events sent to it, in order.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { startProgram, waitFor } from '../helpers/processes.js'

const ACTORS = 100
const EVENTS = 50
const crash = suite('actors across a master crash')

crash('a new master resumes every actor from the store: count between acknowledged and sent, no repeats, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'xcluster-actors-'))
  const env = { STORE_DIR: dir, ACTORS: String(ACTORS), EVENTS: String(EVENTS) }
  try {
    const first = await startProgram('test/fixtures/actor-master.ts', { env: { ...env, PHASE: 'load' } })
    try {
      await waitFor(() => first.stdout.includes(`sent ${EVENTS / 2}\n`), 'half of the rounds sent', 60_000)
    } finally {
      first.kill()
    }
    assert.equal(await first.exited, [null, 'SIGKILL'], first.stderr)
    const acked = Array.from({ length: ACTORS }, () => 0)
    for (const [, i, n] of first.stdout.matchAll(/^ack (\d+) (\d+)$/gm)) acked[Number(i)] = Math.max(acked[Number(i)]!, Number(n))
    const sentRounds = Math.max(...[...first.stdout.matchAll(/^sent (\d+)$/gm)].map((m) => Number(m[1])))
    assert.ok(acked.some((n) => n > 0), 'some events were acknowledged before the kill')

    const second = await startProgram('test/fixtures/actor-master.ts', { env: { ...env, PHASE: 'resume' } })
    const [code, signal] = await second.exited
    assert.equal([code, signal], [0, null], second.stderr)
    const problems: string[] = []
    for (const [, i, json] of second.stdout.matchAll(/^seen (\d+) (.*)$/gm)) {
      const seen = JSON.parse(json!) as number[]
      const resumed = seen.pop()
      const k = seen.length
      // The first k events, once each, in order; then the resume event.
      const isPrefix = seen.every((n, index) => n === index + 1)
      // A send made before the kill may still be in flight when the round's "sent" line is printed.
      if (resumed !== 1000 || !isPrefix || k < acked[Number(i)]! || k > sentRounds + 1) {
        problems.push(`m-${i}: acked ${acked[Number(i)]}, sent ≤ ${sentRounds + 1}, applied ${JSON.stringify(seen)} then ${resumed}`)
      }
    }
    assert.is(second.stdout.match(/^seen /gm)?.length, ACTORS)
    assert.equal(problems, [])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

crash.run()
