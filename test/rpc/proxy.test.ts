import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { CallOptions } from '../../src/rpc/contract.js'
import { createCallProxy, createNotifyProxy } from '../../src/rpc/proxy.js'

interface Api {
  add(a: number, b: number): Promise<number>
}

const proxies = suite('call proxy')

proxies('turns a method call into invoke(method, args, options)', async () => {
  const seen: [string, unknown[], CallOptions | undefined][] = []
  const call = createCallProxy<Api>(async (method, args, options) => {
    seen.push([method, args, options])
    return 3
  })
  assert.is(await call.add(1, 2), 3)
  assert.equal(seen, [['add', [1, 2], undefined]])
  assert.is(call.add, call.add)
})

proxies('is never thenable and exposes no $-names but $with', async () => {
  const call = createCallProxy<Api>(async () => 1) as unknown as Record<string, unknown>
  assert.is(call.then, undefined)
  assert.is(call.$close, undefined)
  assert.is(await Promise.resolve(call), call)
  assert.is(typeof call.$with, 'function')
})

proxies('$with binds per-call options, merged over the current ones', async () => {
  const seen: (CallOptions | undefined)[] = []
  const call = createCallProxy<Api>(async (_method, _args, options) => void seen.push(options))
  const signal = new AbortController().signal
  await call.$with({ timeout: 5 }).$with({ signal }).add(1, 2)
  assert.equal(seen, [{ timeout: 5, signal }])
  assert.throws(() => call.$with({ signal: 'nope' as never }), /Expected `signal` to be an AbortSignal, got `nope`/)
})

proxies('a notify proxy turns a method call into notify(method, args)', () => {
  const seen: unknown[] = []
  const notify = createNotifyProxy<{ log(line: string): void }>((method, args) => void seen.push([method, args]))
  notify.log('x')
  assert.equal(seen, [['log', ['x']]])
  assert.is((notify as unknown as Record<string, unknown>).then, undefined)
})

proxies.run()
