/** supervise() without `metrics` never loads prom-client; with it, it does (a real master process each). */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fixture, startProgram, type WatchedProgram } from '../helpers/processes.js'

const started: WatchedProgram[] = []
const lazy = suite('prom-client is loaded only with metrics on')

lazy.after.each(() => {
  for (const program of started.splice(0)) program.kill()
})

for (const [withMetrics, expected] of [
  ['0', 'false'],
  ['1', 'true'],
] as const) {
  lazy(`a master with metrics ${withMetrics === '1' ? 'on loads it' : 'off never loads it'}`, async () => {
    const master = await startProgram(fixture('metrics-lazy-master.ts'), { env: { WITH_METRICS: withMetrics } })
    started.push(master)
    assert.equal(await master.exited, [0, null], master.stderr)
    assert.is(master.stdout, `prom-client loaded: ${expected}\n`)
  })
}

lazy.run()
