/**
 * The RPC peer's optional call observer (what latency metrics hang on), over a real forked
 * worker: each answered call is reported once with its method, a duration and its error; calls
 * that never get an answer are not; requests served are reported with whether a handler existed.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { UnknownMethodError } from '../../src/index.js'
import type { RpcCallObserver } from '../../src/rpc/peer.js'
import { api, QuotaError } from '../fixtures/rpc-contract.js'
import { killAll, rejectionOf, type Started, startWorker } from '../fixtures/rpc-harness.js'

const called: Array<{ method: string; ms: number; error: unknown }> = []
const served: Array<{ method: string; ms: number; isServed: boolean }> = []
const observer: RpcCallObserver = {
  called: (method, ms, error) => void called.push({ method, ms, error }),
  served: (method, ms, isServed) => void served.push({ method, ms, isServed }),
}
let release = () => {}
let worker: Started

const observed = suite('rpc call observer over a real forked worker')

observed.before(async () => {
  worker = startWorker('rpc-echo.ts', {
    errors: api.errors,
    observer,
    handlers: {
      // Held until the test releases it, so that `handling` can be read while it runs.
      double: (n: number) => new Promise((resolve) => (release = () => resolve(n * 2))),
      log: () => {},
    },
  })
  await worker.ready
})
observed.before.each(() => {
  called.length = 0
  served.length = 0
})
observed.after(() => killAll())

observed('an answered call is reported once, with its method and a duration', async () => {
  assert.is(await worker.peer.call('add', [1, 2]), 3)
  assert.equal(
    called.map(({ method, error }) => [method, error]),
    [['add', undefined]],
  )
  assert.ok(called[0]!.ms >= 0 && Number.isFinite(called[0]!.ms))
})

observed('an error reply is reported with the rebuilt error the caller gets', async () => {
  const error = await rejectionOf(worker.peer.call('throwQuota', [5]))
  assert.instance(error, QuotaError)
  assert.is(called.length, 1)
  assert.is(called[0]!.method, 'throwQuota')
  assert.is(called[0]!.error, error)
  const unknown = await rejectionOf(worker.peer.call('noSuchMethod', []))
  assert.instance(unknown, UnknownMethodError)
  assert.is((called[1]!.error as UnknownMethodError).code, 'ERR_UNKNOWN_METHOD')
})

observed('a call that times out is not reported: it has no latency', async () => {
  await rejectionOf(worker.peer.call('never', [], { timeout: 20 }))
  assert.equal(called, [])
})

observed('a request of the other side is reported once answered; `handling` counts it meanwhile', async () => {
  const answer = worker.peer.call('askMasterToDouble', [21])
  while (worker.peer.handling === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  assert.is(worker.peer.handling, 1)
  assert.equal(served, [], 'not reported before it is answered')
  release()
  assert.is(await answer, 42)
  assert.is(worker.peer.handling, 0)
  assert.equal(
    served.map(({ method, isServed }) => [method, isServed]),
    [['double', true]],
  )
})

observed.run()
