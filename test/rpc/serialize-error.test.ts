import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { RemoteError, RpcTimeoutError, WorkerExitedError } from '../../src/index.js'
import { SUPERVISOR_ERROR_CLASSES } from '../../src/supervisor/errors.js'
import { createErrorRegistry, deserializeError, serializeError } from '../../src/rpc/serialize-error.js'

class CustomError extends Error {
  retryable = true
}

const errors = suite('serialize-error')

errors('rebuilds built-in, xcluster and registered classes as themselves without calling their constructor', () => {
  const registry = createErrorRegistry([...SUPERVISOR_ERROR_CLASSES, CustomError])
  const cases: Error[] = [
    new TypeError('bad type'),
    new RpcTimeoutError('add', 'worker 1', 10),
    new WorkerExitedError({ workerId: 2, pid: 9, exitCode: 1, signal: null }),
    new CustomError('custom'),
  ]
  for (const original of cases) {
    const rebuilt = deserializeError(JSON.parse(JSON.stringify(serializeError(original))), registry)
    assert.is(Object.getPrototypeOf(rebuilt), Object.getPrototypeOf(original))
    assert.is(rebuilt.name, original.name)
    assert.is(rebuilt.message, original.message)
    assert.is(rebuilt.stack, original.stack)
    assert.equal({ ...rebuilt }, { ...original })
  }
})

errors('keeps a cause chain: errors rebuilt, other values as they are', () => {
  const original = new Error('outer', { cause: new RangeError('middle', { cause: { reason: 'inner' } }) })
  const rebuilt = deserializeError(serializeError(original), createErrorRegistry())
  assert.instance(rebuilt.cause, RangeError)
  assert.equal((rebuilt.cause as Error).cause, { reason: 'inner' })
})

errors('turns an unregistered class into a RemoteError that keeps the remote name and code', () => {
  const original = Object.assign(new CustomError('nope'), { code: 'E_NOPE' })
  const rebuilt = deserializeError(serializeError(original), createErrorRegistry()) as RemoteError
  assert.instance(rebuilt, RemoteError)
  assert.is(rebuilt.name, 'Error')
  assert.is(rebuilt.code, 'E_NOPE')
  assert.equal({ ...rebuilt }, { code: 'E_NOPE', retryable: true })
})

errors('survives hostile data: no prototype swap, no pollution', () => {
  const hostile = JSON.parse('{"n":"Error","k":"Error","m":"x","p":{"__proto__":{"polluted":1},"constructor":1}}')
  const rebuilt = deserializeError(hostile, createErrorRegistry())
  assert.is(Object.getPrototypeOf(rebuilt), Error.prototype)
  assert.is(({} as Record<string, unknown>).polluted, undefined)
  const garbage = deserializeError(42, createErrorRegistry()) as RemoteError
  assert.instance(garbage, RemoteError)
  assert.is(garbage.message, '')
})

errors.run()
