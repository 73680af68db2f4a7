import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  computeBackoff,
  DEFAULT_BACKOFF,
  describeRestartDecision,
  isAbnormalExit,
  shouldRestart,
} from '../../../machines/slot/restart-policy.js'

const backoff = suite('computeBackoff')

backoff('grows by the factor from the initial delay and stops at the cap', () => {
  const options = { initial: 100, max: 1000, factor: 2, resetAfter: 5000 }
  assert.equal(
    [0, 1, 2, 3, 4, 5].map((n) => computeBackoff(n, options)),
    [100, 200, 400, 800, 1000, 1000],
  )
})

backoff('stays at the cap for huge attempts instead of overflowing', () => {
  assert.is(computeBackoff(10_000, DEFAULT_BACKOFF), DEFAULT_BACKOFF.max)
})

backoff('treats a negative attempt as the first', () => {
  assert.is(computeBackoff(-3, DEFAULT_BACKOFF), DEFAULT_BACKOFF.initial)
})

backoff.run()

// ---

const restart = suite('shouldRestart')
const clean = { code: 0, signal: null }
const crash = { code: 1, signal: null }
const killed = { code: null, signal: 'SIGKILL' }

restart('permanent workers are restarted after any exit', () => {
  assert.equal(
    [clean, crash, killed].map((exit) => shouldRestart('permanent', exit, false)),
    [true, true, true],
  )
})

restart('transient workers are restarted only after an abnormal exit that was not requested', () => {
  assert.equal(
    [
      shouldRestart('transient', clean, false),
      shouldRestart('transient', crash, false),
      shouldRestart('transient', killed, false),
      shouldRestart('transient', killed, true),
    ],
    [false, true, true, false],
  )
})

restart('temporary workers are never restarted', () => {
  assert.equal(
    [clean, crash, killed].map((exit) => shouldRestart('temporary', exit, false)),
    [false, false, false],
  )
})

restart('an exit with neither code nor signal counts as abnormal', () => {
  assert.is(isAbnormalExit({ code: null, signal: null }), true)
  assert.is(isAbnormalExit(clean), false)
})

restart('each decision is explained in words', () => {
  assert.is(describeRestartDecision('transient', clean, false), 'transient worker: clean exit, not restarted')
  assert.is(describeRestartDecision('transient', crash, true), 'transient worker: its exit was requested, not restarted')
  assert.is(describeRestartDecision('temporary', crash, false), 'temporary worker: never restarted')
})

restart.run()
