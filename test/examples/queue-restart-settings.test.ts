import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readRestartSettings } from '../../examples/queue-to-db/restart-settings.js'

const settings = suite('queue-to-db restart settings')

settings('nothing set keeps every default of supervise()', () => {
  assert.is(readRestartSettings({}, {}), undefined)
})

settings('flags win over variables; backoff goes one level down; Infinity is a crash limit', () => {
  const restart = readRestartSettings(
    { 'min-uptime': '2000', 'backoff-max': '500' },
    { QUEUE_RESTART_MIN_UPTIME_MS: '9', QUEUE_RESTART_MAX_CRASHES: 'Infinity', QUEUE_RESTART_MAX_RESTARTS: '3' },
  )
  assert.equal(restart, { minUptime: 2000, maxRestarts: 3, maxCrashes: Infinity, backoff: { max: 500 } })
})

settings('a bad value is refused, naming the flag or the variable', () => {
  assert.throws(
    () => readRestartSettings({ 'max-restarts': 'ten' }, {}),
    (error: Error) =>
      error instanceof RangeError && error.message === 'Expected `--max-restarts` to be an integer from 0 and up, got `ten`',
  )
  assert.throws(
    () => readRestartSettings({}, { QUEUE_RESTART_PERIOD_MS: '0' }),
    (error: Error) => error.message === 'Expected `QUEUE_RESTART_PERIOD_MS` to be an integer from 1 and up, got `0`',
  )
  assert.throws(
    () => readRestartSettings({}, { QUEUE_RESTART_MIN_UPTIME_MS: 'Infinity' }),
    (error: Error) => error.message === 'Expected `QUEUE_RESTART_MIN_UPTIME_MS` to be an integer from 0 and up, got `Infinity`',
  )
  assert.throws(
    () => readRestartSettings({ 'max-crashes': '-1' }, {}),
    (error: Error) => error.message === 'Expected `--max-crashes` to be an integer from 0 and up, or Infinity, got `-1`',
  )
})

settings.run()
