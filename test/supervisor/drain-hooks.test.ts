import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { notifyDrain, onDrain } from '../../src/supervisor/drain-hooks.js'

const hooks = suite('onDrain() listeners')

hooks('a non-function listener is refused with a TypeError naming what was passed', () => {
  assert.throws(
    () => onDrain('close' as never),
    (error: Error) => error instanceof TypeError && error.message === 'Expected `listener` to be a function, got `string`',
  )
})

hooks('the drain runs each listener once, in order; a removed one never; a throwing one is a warning and the rest still run', async () => {
  const calls: string[] = []
  const warnings: string[] = []
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message.split('\n')[0]}`)
  process.on('warning', onWarning)
  onDrain(() => calls.push('first'))
  const remove = onDrain(() => calls.push('removed'))
  onDrain(() => {
    throw new Error('boom')
  })
  onDrain(() => calls.push('last'))
  remove()
  notifyDrain()
  notifyDrain()
  await new Promise((resolve) => setImmediate(resolve))
  process.off('warning', onWarning)
  assert.equal(calls, ['first', 'last'])
  assert.equal(warnings, ['XclusterWarning: an onDrain() listener threw: Error: boom'])
})

hooks.run()
