/**
 * What crosses the wire, between real processes, both ways (issue 11): binary values arrive bit
 * for bit (a Float64Array [1.5, NaN, -0] arrived as [1.5, 0, 0], a Buffer failed on the
 * receiver), and an instance of a class the codec cannot carry is refused on its sender (a class
 * with only #private fields arrived as `{}`).
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { EncodeError } from '../../src/index.js'
import { killAll, rejectionOf, startWorker, type Started } from '../fixtures/rpc-harness.js'
import { binarySample, isBinarySample, Secret } from '../fixtures/wire-values-contract.js'

const FIX =
  ', which cannot be encoded (it would arrive as a plain object of its own enumerable fields, without its class, ' +
  'methods or #private fields): send an object of its fields instead, or give the class a toJSON() method'

for (const serialization of ['json', 'advanced'] as const) {
  const wire = suite(`wire values between real processes, serialization '${serialization}'`)
  let worker: Started
  const taken: boolean[] = []

  wire.before(async () => {
    const take = (value: unknown): boolean => {
      taken.push(isBinarySample(value))
      return taken.at(-1)!
    }
    worker = startWorker('rpc-wire-values.ts', { handlers: { take } }, 1, serialization)
    await worker.ready
  })
  wire.after(async () => {
    await killAll()
    assert.equal(await worker.exit, { code: null, signal: 'SIGKILL' })
  })

  wire('carries Buffers and typed arrays bit for bit from the master to the worker and back', async () => {
    assert.is(await worker.peer.call('isSample', [binarySample()]), true)
    const back = (await worker.peer.call('echo', [binarySample()])) as Record<string, Float64Array>
    assert.ok(isBinarySample(back))
    assert.ok(Object.is(back.doubles![2], -0))
    assert.ok(Number.isNaN(back.doubles![1]))
  })

  wire('carries them from the worker to the master, as a result and as the arguments of its call', async () => {
    assert.ok(isBinarySample(await worker.peer.call('sample', [])))
    assert.is(await worker.peer.call('sendSampleToMaster', []), true)
    assert.equal(taken, [true])
  })

  wire('refuses a class instance on the master, before anything is sent to the worker', async () => {
    const error = await rejectionOf(worker.peer.call('echo', [{ user: { secret: new Secret(1) } }]))
    assert.instance(error, EncodeError)
    assert.is(error.code, 'ERR_ENCODE')
    assert.is(
      error.message,
      `Call echo() to worker 1 was not sent: arguments[0].user.secret is an instance of class Secret${FIX}; pass plain data ` +
        '(Date, Map, Set, BigInt, RegExp, Error, Buffer, typed arrays, undefined and nested objects/arrays are fine).',
    )
  })

  wire('refuses a class instance on the worker, as a result and as the arguments of its call to the master', async () => {
    const error = await rejectionOf(worker.peer.call('secret', []))
    assert.instance(error, EncodeError)
    assert.is(error.code, 'ERR_ENCODE')
    assert.is(
      error.message,
      `The reply to secret() was not sent: result.kept is an instance of class Secret${FIX}; handlers must return plain data.`,
    )
    assert.is(
      await worker.peer.call('sendSecretToMaster', []),
      `EncodeError ERR_ENCODE: Call take() to the master was not sent: arguments[0] is an instance of class Secret${FIX}; pass plain data ` +
        '(Date, Map, Set, BigInt, RegExp, Error, Buffer, typed arrays, undefined and nested objects/arrays are fine).',
    )
    // Nothing reached the master's handler, and the channel keeps working.
    assert.equal(taken, [true])
    assert.ok(isBinarySample(await worker.peer.call('sample', [])))
    assert.equal(worker.protocolErrors, [])
  })

  wire.run()
}
