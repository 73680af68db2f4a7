import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { runExample } from '../helpers/run-example.js'

const example = suite('examples/streams')

example('streams: reads a worker stream, stops one early (its finally runs), a slow window, and master → worker', async () => {
  const run = await runExample('streams/master.ts')
  assert.equal([run.code, run.signal], [0, null], run.stderr)
  const lines = run.stdout.trim().split('\n')
  assert.equal(lines.slice(0, 3), [
    '[worker] rows(0, 1000) closed its cursor',
    'sum of 1,000 row ids: 499500',
    'first row from 5: 5 created 2026-01-06',
  ])
  assert.equal(lines.slice(3).sort(), [
    '[worker] rows(0, 20) closed its cursor',
    '[worker] rows(5, 1000000) closed its cursor',
    'letters the worker counted: 17',
    'read 20 rows slowly',
  ])
})

example.run()
