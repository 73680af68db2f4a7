import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import {
  EncodeError,
  PayloadTooLargeError,
  ProtocolError,
  RemoteError,
  RpcAbortError,
  RpcOverloadedError,
  RpcTimeoutError,
  UnknownMethodError,
  WorkerExitedError,
} from '../../src/index.js'
import { createRpcPeer, type RpcPeer, type RpcPeerOptions } from '../../src/rpc/peer.js'
import { QuotaError, api, type Sample } from '../fixtures/rpc-contract.js'
import { killAll, rejectionOf, startWorker, waitFor, type Started } from '../fixtures/rpc-harness.js'

const logs: string[] = []
// What a handler's `this.signal.reason` is when its caller aborts or times out.
const CANCELLED_IN_HANDLER =
  'RpcAbortError ERR_RPC_ABORTED: Call wait() from the master was cancelled by the caller (aborted, or its ' +
  'deadline passed); stop the work: the reply is no longer awaited.'
let worker: Started

const rpc = suite('rpc peer over a real forked worker')

rpc.before(async () => {
  worker = startWorker('rpc-echo.ts', {
    errors: api.errors,
    handlers: { double: (n: number) => n * 2, log: (line: string) => void logs.push(line) },
  })
  await worker.ready
})
rpc.after(async () => {
  worker.child.kill('SIGTERM')
  assert.equal(await worker.exit, { code: null, signal: 'SIGTERM' })
})

rpc('calls a worker method and resolves with its result', async () => {
  assert.is(await worker.peer.call('add', [1, 2]), 3)
})

rpc('lets the worker call the master back while serving a call', async () => {
  assert.is(await worker.peer.call('askMasterToDouble', [21]), 42)
})

rpc('carries Date, Map, Set, BigInt, undefined, RegExp and Error there and back', async () => {
  const sample: Sample = {
    date: new Date(Date.UTC(2024, 1, 29)),
    map: new Map([['a', 1]]),
    set: new Set(['x']),
    big: 2n ** 70n,
    missing: undefined,
    pattern: /a+b/gi,
    error: new TypeError('kept'),
    nested: { list: [1, undefined, 3] },
  }
  const back = (await worker.peer.call('echo', [sample])) as Sample
  const { error, ...rest } = back
  const { error: _sent, ...expected } = sample
  assert.equal(rest, expected)
  assert.ok('missing' in back)
  assert.instance(error, Error)
  assert.is(error.name, 'TypeError')
  assert.is(error.message, 'kept')
})

rpc("leaves the user's own process.send messages to their own listeners, untouched, both ways", async () => {
  const received: unknown[] = []
  const listener = (message: unknown): void => void received.push(message)
  worker.child.on('message', listener)
  worker.child.send({ mine: [1, { deep: 'yes' }] })
  await worker.peer.call('sendOwnMessage', [{ cmd: 'hello', n: 1 }])
  assert.equal(await worker.peer.call('ownMessages', []), [{ mine: [1, { deep: 'yes' }] }])
  await waitFor(() => received.some((message) => (message as { cmd?: string }).cmd === 'hello'), 'the user message')
  assert.equal(
    received.filter((message) => !('__xcluster' in (message as object))),
    [{ cmd: 'hello', n: 1 }],
  )
  assert.is(worker.peer.receive({ cmd: 'hello', n: 1 }), false)
  worker.child.off('message', listener)
})

rpc('rejects a call past its deadline with RpcTimeoutError, and the handler sees the cancel', async () => {
  const error = await rejectionOf(worker.peer.call('wait', [60_000], { timeout: 50 }))
  assert.instance(error, RpcTimeoutError)
  assert.is(error.code, 'ERR_RPC_TIMEOUT')
  assert.is(
    error.message,
    'Call wait() to worker 1 timed out after 50 ms without a reply; raise the deadline per call with `.$with({ timeout })` (or per cluster), or find out why the handler is slow.',
  )
  assert.is(error.method, 'wait')
  assert.is(error.timeout, 50)
  await waitFor(async () => (await worker.peer.call('lastWaitOutcome', [])) === CANCELLED_IN_HANDLER, 'the handler to see the cancel')
})

rpc('rejects an aborted call with RpcAbortError carrying the reason, and the handler sees the abort', async () => {
  assert.is(await worker.peer.call('wait', [1]), 'waited')
  assert.is(await worker.peer.call('lastWaitOutcome', []), 'finished')
  const controller = new AbortController()
  const call = worker.peer.call('wait', [60_000], { signal: controller.signal })
  const reason = new Error('user gave up')
  setTimeout(() => controller.abort(reason), 30)
  const error = await rejectionOf(call)
  assert.instance(error, RpcAbortError)
  assert.is(error.code, 'ERR_RPC_ABORTED')
  assert.is(error.message, 'Call wait() to worker 1 was aborted by its AbortSignal before a reply arrived.')
  assert.is(error.cause, reason)
  await waitFor(async () => (await worker.peer.call('lastWaitOutcome', [])) === CANCELLED_IN_HANDLER, 'the handler to see the cancel')
  assert.is(worker.peer.inFlight, 0)
})

rpc('rejects at once when the signal is already aborted', async () => {
  const error = await rejectionOf(worker.peer.call('add', [1, 2], { signal: AbortSignal.abort('early') }))
  assert.instance(error, RpcAbortError)
  assert.is(error.cause, 'early')
})

rpc('rebuilds a registered error thrown by a handler as its class, with own fields, cause and remote stack', async () => {
  const error = await rejectionOf(worker.peer.call('throwQuota', [7]))
  assert.instance(error, QuotaError)
  assert.is(error.name, 'QuotaError')
  assert.is(error.message, 'over quota 7')
  assert.is(error.limit, 7)
  assert.instance(error.cause, RangeError)
  assert.is(error.cause.message, 'inner cause')
  assert.match(error.stack, /^QuotaError: over quota 7\n\s+at .*rpc-echo\.ts/)
  assert.equal(Object.keys(error), ['limit'])
})

rpc('delivers an unregistered error as a RemoteError with its name, code and own fields', async () => {
  const error = await rejectionOf(worker.peer.call('throwUnregistered', []))
  assert.instance(error, RemoteError)
  assert.is(error.name, 'UnregisteredError')
  assert.is(error.message, 'not registered')
  assert.is(error.code, 'E_CUSTOM')
  assert.equal(error.detail, { at: new Date(0) })
  assert.match(error.stack, /rpc-echo\.ts/)
})

rpc('delivers a thrown non-Error as a RemoteError that carries the value', async () => {
  const error = await rejectionOf(worker.peer.call('throwString', []))
  assert.instance(error, RemoteError)
  assert.is(error.code, 'ERR_REMOTE')
  assert.is(error.message, 'The handler of throwString() threw a non-Error value: "just a string"')
  assert.is(error.value, 'just a string')
})

rpc('treats inherited names (__proto__, constructor, toString, hasOwnProperty) and $-names as unknown methods', async () => {
  for (const method of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nope', '$nope']) {
    const error = await rejectionOf(worker.peer.call(method, []))
    assert.instance(error, UnknownMethodError)
    assert.is(error.code, 'ERR_UNKNOWN_METHOD')
    assert.is(error.method, method)
    assert.is(
      error.message,
      `No handler for ${JSON.stringify(method)}: only own methods of the handlers given to serve() (worker) or supervise() (master) can be called ` +
        '(known: add, echo, wait, lastWaitOutcome, never, throwQuota, throwUnregistered, throwString, bigResult, ' +
        'unencodableResult, askMasterToDouble, isPolluted, notifyMaster, emitProgress, sendOwnMessage, ownMessages, ' +
        'sendMalformed, reported); check the contract and the handlers.',
    )
  }
})

rpc('answers the built-in $heartbeat with the worker memory figures', async () => {
  const sample = (await worker.peer.call('$heartbeat', [])) as { rss: number; heapUsed: number }
  assert.equal(Object.keys(sample), ['rss', 'heapUsed'])
  assert.ok(sample.rss > 0 && sample.heapUsed > 0)
})

rpc('lets payloads with __proto__ keys pollute nothing on either side', async () => {
  const hostileArgs = '[{"__proto__":{"polluted":"yes"},"a":1}]'
  // Raw packets, as a hostile peer would send them (our encoder refuses __proto__ keys).
  worker.child.send(JSON.parse(`{"__xcluster":2,"f":[["n","echo",${hostileArgs}]]}`))
  worker.child.send(JSON.parse('{"__xcluster":2,"f":[["n","echo",[1],{"values":{"__proto__.polluted":["Date"]}}]]}'))
  assert.is(await worker.peer.call('isPolluted', []), false)
  worker.peer.receive(JSON.parse(`{"__xcluster":2,"f":[["n","log",${hostileArgs}]]}`))
  worker.peer.receive(JSON.parse('{"__xcluster":2,"f":[["e","x",{},{"values":{"__proto__.polluted":["Date"]}}]]}'))
  assert.is(({} as Record<string, unknown>).polluted, undefined)
  const error = await rejectionOf(worker.peer.call('echo', [JSON.parse('{"__proto__":{"polluted":"yes"}}')]))
  assert.instance(error, EncodeError)
  assert.is(error.code, 'ERR_ENCODE')
  assert.is(
    error.message,
    'Call echo() to worker 1 was not sent: the value was refused by the encoder (Detected property __proto__. ' +
      'This is a prototype pollution risk, please remove it from your object.); pass plain data (Date, Map, Set, ' +
      'BigInt, RegExp, Error, Buffer, typed arrays, undefined and nested objects/arrays are fine).',
  )
  assert.is(worker.protocolErrors.length, 1)
  worker.protocolErrors.length = 0
  logs.length = 0
})

rpc('refuses a 10 MB payload on the sending side with PayloadTooLargeError, and the channel keeps working', async () => {
  const error = await rejectionOf(worker.peer.call('echo', ['x'.repeat(10 * 1024 * 1024)]))
  assert.instance(error, PayloadTooLargeError)
  assert.is(error.code, 'ERR_PAYLOAD_TOO_LARGE')
  assert.is(
    error.message,
    'Call echo() to worker 1 was not sent: its arguments encode to 10485764 bytes, over the 4194304-byte limit; ' +
      'send less per call (e.g. a file path or a chunk) or raise `maxPayload`.',
  )
  assert.equal([error.size, error.limit, error.kind], [10485764, 4194304, 'arguments'])
  const tooBig = await rejectionOf(worker.peer.call('bigResult', [5 * 1024 * 1024]))
  assert.instance(tooBig, PayloadTooLargeError)
  assert.is(
    tooBig.message,
    "The reply to bigResult() was not sent: the handler's result encodes to 5242882 bytes, over the 4194304-byte " +
      'limit; return less per call or raise `maxPayload` on the side that serves it.',
  )
  assert.is(await worker.peer.call('add', [2, 2]), 4)
})

rpc('refuses an unencodable argument or result with EncodeError, and the channel keeps working', async () => {
  const error = await rejectionOf(worker.peer.call('echo', [{ ok: 1, run: () => 1 }]))
  assert.instance(error, EncodeError)
  assert.is(error.code, 'ERR_ENCODE')
  assert.is(
    error.message,
    'Call echo() to worker 1 was not sent: arguments[0].run is a function, which cannot be encoded; pass plain data ' +
      '(Date, Map, Set, BigInt, RegExp, Error, Buffer, typed arrays, undefined and nested objects/arrays are fine).',
  )
  const symbolError = await rejectionOf(worker.peer.call('echo', [new Map([['k', Symbol('s')]])]))
  assert.match(symbolError.message, 'arguments[0]["<map value 0>"] is a symbol, which cannot be encoded')
  const resultError = await rejectionOf(worker.peer.call('unencodableResult', []))
  assert.instance(resultError, EncodeError)
  assert.is(
    resultError.message,
    'The reply to unencodableResult() was not sent: result.callback is a function, which cannot be encoded; handlers must return plain data.',
  )
  assert.is(await worker.peer.call('add', [3, 3]), 6)
})

rpc('reports and drops a malformed packet on either side, and the channel keeps working', async () => {
  await worker.peer.call('sendMalformed', [])
  await waitFor(() => worker.protocolErrors.length === 1, 'the protocol error')
  const [error] = worker.protocolErrors
  assert.instance(error, ProtocolError)
  assert.is((error as ProtocolError).code, 'ERR_PROTOCOL')
  assert.is(
    error!.message,
    'Dropped a malformed xcluster message from worker 1: unknown frame type "zz". The channel keeps working. Both sides ' +
      'speak the same protocol version, so this is not a version mismatch: check that nothing else sends `__xcluster` ' +
      'messages, or report it as an xcluster bug.',
  )
  worker.child.send({ __xcluster: 2, f: 'not a list' })
  // An older xcluster's packet (version 1, before upload streams).
  worker.child.send({ __xcluster: 1, f: [['q', 1, 'add', [1, 2]]] })
  const reported = await waitFor(async () => {
    const list = (await worker.peer.call('reported', [])) as string[]
    return list.length >= 2 && list
  }, 'the worker to report')
  assert.equal(reported.slice(-2), [
    'ProtocolError ERR_PROTOCOL: Dropped a malformed xcluster message from the master: the packet has no frame list. ' +
      'The channel keeps working. Both sides speak the same protocol version, so this is not a version mismatch: ' +
      'check that nothing else sends `__xcluster` messages, or report it as an xcluster bug.',
    'ProtocolError ERR_PROTOCOL: Dropped an xcluster message from the master: it speaks protocol version 1 where 2 was ' +
      'expected. The two sides run different xcluster versions: run the same version in the master and its workers.',
  ])
  worker.protocolErrors.length = 0
  assert.is(await worker.peer.call('add', [4, 4]), 8)
})

rpc('delivers notifications both ways and typed events to the master', async () => {
  worker.peer.notify('notifyMaster', ['from a notification'])
  await worker.peer.call('notifyMaster', ['from a call'])
  await waitFor(() => logs.length === 2, 'two log notifications')
  assert.equal(logs.sort(), ['from a call', 'from a notification'])
  await worker.peer.call('emitProgress', [7])
  await waitFor(() => worker.events.length === 1, 'the event')
  assert.equal(worker.events, [['progress', { done: 7 }]])
  worker.peer.notify('noSuchMethod', [])
  const reported = await waitFor(async () => {
    const list = (await worker.peer.call('reported', [])) as string[]
    return list.find((line) => line.startsWith('UnknownMethodError'))
  }, 'the unknown notification to be reported')
  assert.match(reported, 'UnknownMethodError ERR_UNKNOWN_METHOD: No handler for "noSuchMethod"')
})

rpc('counts calls in flight and resolves onIdle once they settle', async () => {
  const calls = [worker.peer.call('wait', [50]), worker.peer.call('add', [1, 1])]
  assert.is(worker.peer.inFlight, 2)
  await worker.peer.onIdle()
  assert.is(worker.peer.inFlight, 0)
  assert.equal(await Promise.all(calls), ['waited', 2])
})

rpc.run()

// ---

const exits = suite('rpc peer when a worker dies')

exits.after.each(killAll)

exits('rejects all 100 calls in flight with the WorkerExitedError when the worker is SIGKILLed', async () => {
  const started = startWorker('rpc-echo.ts', { errors: api.errors }, 3)
  await started.ready
  const calls = Array.from({ length: 100 }, (_, index) => rejectionOf(started.peer.call(index % 2 ? 'never' : 'wait', [60_000])))
  assert.is(started.peer.inFlight, 100)
  const listed = started.peer.pendingCalls()
  assert.equal(
    listed.slice(0, 2).map(({ id, method, timeout }) => ({ id, method, timeout })),
    [
      { id: 1, method: 'wait', timeout: 30_000 },
      { id: 2, method: 'never', timeout: 30_000 },
    ],
  )
  assert.ok(listed.every((call) => call.startedAt <= Date.now()))
  await new Promise((resolve) => setImmediate(resolve))
  started.child.kill('SIGKILL')
  assert.equal(await started.exit, { code: null, signal: 'SIGKILL' })
  const errors = await Promise.all(calls)
  assert.is(errors.length, 100)
  const [first] = errors
  assert.instance(first, WorkerExitedError)
  assert.ok(errors.every((error) => error === first))
  assert.is(first.code, 'ERR_WORKER_EXITED')
  assert.equal([first.workerId, first.pid, first.exitCode, first.signal], [3, started.child.pid, null, 'SIGKILL'])
  assert.is(
    first.message,
    `Worker 3 (pid ${started.child.pid}) exited with signal SIGKILL while the call was pending; the call was not ` +
      'answered. Retry it if it is idempotent (the supervisor restarts workers per its policy).',
  )
  assert.is(started.peer.inFlight, 0)
  assert.is(await rejectionOf(started.peer.call('add', [1, 2])), first)
  assert.throws(
    () => started.peer.notify('add', [1, 2]),
    (error: unknown) => error === first,
  )
  await started.peer.onIdle()
})

exits.run()

// ---

const advanced = suite("rpc peer over serialization: 'advanced'")

advanced.after.each(killAll)

advanced('carries the same values, errors and results as over json', async () => {
  const started = startWorker('rpc-echo.ts', { errors: api.errors, handlers: { log: () => {} } }, 4, 'advanced')
  await started.ready
  assert.is(await started.peer.call('add', [1, 2]), 3)
  const value = { date: new Date(0), map: new Map([[1, new Set([2n])]]), missing: undefined, list: [undefined, null] }
  assert.equal(await started.peer.call('echo', [value]), value)
  assert.is(await started.peer.call('notifyMaster', ['x']), undefined)
  const error = await rejectionOf(started.peer.call('throwQuota', [2]))
  assert.instance(error, QuotaError)
  assert.is(error.limit, 2)
  started.child.kill('SIGTERM')
  assert.equal(await started.exit, { code: null, signal: 'SIGTERM' })
})

advanced.run()

// ---

const local = suite('rpc peer, two peers in one process')

/**
 * Two peers joined by a JSON round trip per packet, as Node's json IPC does; `packets` logs what
 * the left one sent, `answers` what the right one sent.
 */
function createPair(a: Partial<RpcPeerOptions> = {}, b: Partial<RpcPeerOptions> = {}) {
  const packets: { f: unknown[] }[] = []
  const answers: { f: unknown[] }[] = []
  const relay =
    (log: { f: unknown[] }[], to: () => RpcPeer) =>
    (message: unknown): void => {
      log.push(message as { f: unknown[] })
      setImmediate(() => to().receive(JSON.parse(JSON.stringify(message))))
    }
  const left: RpcPeer = createRpcPeer({ label: 'B', send: relay(packets, () => right), ...a })
  const right: RpcPeer = createRpcPeer({ label: 'A', send: relay(answers, () => left), ...b })
  return { left, right, packets, answers }
}

local('refuses a call of more than 16 upload streams with a RangeError, pulling none, and the peer keeps working', async () => {
  const { left, packets } = createPair({}, { handlers: { add: (a: number, b: number) => a + b } })
  let pulled = 0
  async function* values() {
    pulled++
    yield 1
  }
  const error = await left.call('many', Array.from({ length: 17 }, values)).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  assert.instance(error, RangeError)
  assert.is(
    (error as Error).message,
    'Call many() passes more than 16 async iterable arguments (upload streams); pass at most 16, or merge them into one stream.',
  )
  assert.is(pulled, 0)
  assert.equal(packets, [])
  assert.is(left.inFlight, 0)
  assert.is(await left.call('add', [1, 2]), 3)
})

local('rejects bad options at the boundary with TypeError or RangeError', async () => {
  assert.throws(
    () => createRpcPeer({} as RpcPeerOptions),
    (error: unknown) => error instanceof TypeError && error.message === 'Expected `send` to be a function, got `undefined` (undefined)',
  )
  assert.throws(
    () => createRpcPeer({ send() {}, timeout: -1 }),
    (error: unknown) =>
      error instanceof RangeError && error.message === 'Expected `timeout` to be a number of ms above 0 (or Infinity), got `-1` (number)',
  )
  assert.throws(
    () => createRpcPeer({ send() {}, uploadWindow: { items: 65_537 } }),
    (error: unknown) =>
      error instanceof RangeError &&
      error.message === 'Expected `uploadWindow.items` to be a whole number of items from 1 to 65536, got `65537` (number)',
  )
  assert.throws(
    () => createRpcPeer({ send() {} }).configure({ uploadWindow: { bytes: 0.5 } }),
    (error: unknown) =>
      error instanceof RangeError &&
      error.message === 'Expected `uploadWindow.bytes` to be a whole number of bytes from 1 to 1073741824, got `0.5` (number)',
  )
  assert.throws(
    () => createRpcPeer({ send() {}, maxConcurrentRequests: 0 }),
    (error: unknown) =>
      error instanceof RangeError &&
      error.message === 'Expected `maxConcurrentRequests` to be a positive integer (or Infinity), got `0` (number)',
  )
  assert.throws(
    () => createRpcPeer({ send() {} }).configure({ maxConcurrentRequests: '5' as never }),
    (error: unknown) =>
      error instanceof RangeError &&
      error.message === 'Expected `maxConcurrentRequests` to be a positive integer (or Infinity), got `5` (string)',
  )
  assert.throws(
    () => createRpcPeer({ send() {}, maxPayload: 1.5 }),
    (error: unknown) =>
      error instanceof RangeError && error.message === 'Expected `maxPayload` to be a positive integer (bytes), got `1.5` (number)',
  )
  const { left } = createPair()
  const error = await rejectionOf(left.call('x', [], { timeout: 0 }))
  assert.instance(error, RangeError)
  assert.is(error.message, 'Expected `timeout` to be a number of ms above 0 (or Infinity), got `0` (number)')
})

local('sends the first call of a tick at once and coalesces the rest into packets of 8, 16, 32… frames', async () => {
  const { left, packets } = createPair({}, { handlers: { add: (a: number, b: number) => a + b } })
  const sums = await Promise.all(Array.from({ length: 100 }, (_, index) => left.call('add', [index, 1])))
  assert.equal(
    sums,
    Array.from({ length: 100 }, (_, index) => index + 1),
  )
  assert.equal(
    packets.map((packet) => packet.f.length),
    [1, 8, 16, 32, 43],
  )
})

local('answers the requests of one packet in one packet, the first reply too', async () => {
  const { left, packets, answers } = createPair({}, { handlers: { add: (a: number, b: number) => a + b } })
  const sums = await Promise.all(Array.from({ length: 5 }, (_, index) => left.call('add', [index, 1])))
  assert.equal(sums, [1, 2, 3, 4, 5])
  assert.equal(
    packets.map((packet) => packet.f.length),
    [1, 4],
  )
  // Not [1], [1, 3]: the first reply to the second packet waits for the other three.
  assert.equal(
    answers.map((packet) => packet.f.length),
    [1, 4],
  )
})

local('onIdle waits for handlers still running on the serving side', async () => {
  let finish!: () => void
  const { left, right } = createPair({}, { handlers: { slow: () => new Promise<void>((resolve) => (finish = resolve)) } })
  const call = left.call('slow', [])
  await waitFor(() => finish !== undefined, 'the handler to start')
  let isIdle = false
  void right.onIdle().then(() => (isIdle = true))
  await new Promise((resolve) => setImmediate(resolve))
  assert.is(isIdle, false)
  finish()
  await call
  await right.onIdle()
  assert.is(isIdle, true)
})

local('fails the calls of a packet the transport refused, with its error', async () => {
  const refusal = new Error('channel closed')
  const peer = createRpcPeer({
    send: () => {
      throw refusal
    },
  })
  const errors = await Promise.all([rejectionOf(peer.call('a', [])), rejectionOf(peer.call('b', []))])
  assert.equal(errors, [refusal, refusal])
  assert.is(peer.inFlight, 0)
})

local('close() aborts running handlers with the close error and refuses later calls', async () => {
  let seenReason: unknown
  let isRunning = false
  const { left, right } = createPair(
    {},
    {
      handlers: {
        wait(this: { signal: AbortSignal }) {
          isRunning = true
          return new Promise<void>((resolve) =>
            this.signal.addEventListener('abort', () => {
              seenReason = this.signal.reason
              resolve()
            }),
          )
        },
      },
    },
  )
  const pending = rejectionOf(left.call('wait', [], { timeout: 50 }))
  await waitFor(() => isRunning, 'the handler to start')
  const closed = new Error('shutting down')
  right.close(closed)
  assert.is(seenReason, closed)
  assert.is(right.closeReason, closed)
  assert.is(await rejectionOf(right.call('x', [])), closed)
  // Deadline timers are unref'd: keep this process alive until the caller's deadline passes.
  const keepAlive = setInterval(() => {}, 1000)
  assert.instance(await pending, RpcTimeoutError)
  clearInterval(keepAlive)
})

local('ignores a reply to a call that already settled', async () => {
  const { left } = createPair({}, { handlers: { late: () => new Promise((resolve) => setTimeout(() => resolve('late'), 30)) } })
  const keepAlive = setInterval(() => {}, 1000)
  assert.instance(await rejectionOf(left.call('late', [], { timeout: 5 })), RpcTimeoutError)
  clearInterval(keepAlive)
  await new Promise((resolve) => setTimeout(resolve, 60))
  assert.is(left.inFlight, 0)
})

local('says the two sides run different versions only when the protocol version differs, quoting only a short one', () => {
  const reported: string[] = []
  const peer = createRpcPeer({ label: 'worker 3', send() {}, onProtocolError: (error) => void reported.push(error.message) })
  let deep: unknown = 2
  for (let level = 0; level < 10_000; level++) deep = [deep]
  for (const version of [1, '2', deep, 'x'.repeat(1 << 20)]) peer.receive({ __xcluster: version, f: [] })
  // Same version, but a value whose tag does not fit: not a version mismatch, and said so.
  peer.receive({ __xcluster: 2, f: [['e', 'tick', 1, { t: 'B' }]] })
  const differ = 'The two sides run different xcluster versions: run the same version in the master and its workers.'
  assert.equal(reported, [
    `Dropped an xcluster message from worker 3: it speaks protocol version 1 where 2 was expected. ${differ}`,
    `Dropped an xcluster message from worker 3: it speaks protocol version "2" where 2 was expected. ${differ}`,
    `Dropped an xcluster message from worker 3: it speaks protocol version an array (1 item) where 2 was expected. ${differ}`,
    `Dropped an xcluster message from worker 3: it speaks protocol version "${'x'.repeat(60)}"… (1048576 characters) where 2 was expected. ${differ}`,
    'Dropped a malformed xcluster message from worker 3: the payload of event "tick" could not be decoded. The channel keeps ' +
      'working. Both sides speak the same protocol version, so this is not a version mismatch: check that nothing else sends ' +
      '`__xcluster` messages, or report it as an xcluster bug.',
  ])
})

local('ignores built-in notifications it does not know, and reports unknown user ones', async () => {
  const reported: string[] = []
  const { left } = createPair({}, { handlers: {}, onNotifyError: (error, method) => void reported.push(`${method}: ${error.name}`) })
  left.notify('$fromANewerVersion', [])
  left.notify('missing', [])
  await waitFor(() => reported.length === 1, 'the report')
  await new Promise((resolve) => setImmediate(resolve))
  assert.equal(reported, ['missing: UnknownMethodError'])
})

local('answers a request held past holdTimeout with UnknownMethodError when no handlers came', async () => {
  const { left, right } = createPair({}, { holdRequests: true, holdTimeout: 20 })
  const keepAlive = setInterval(() => {}, 1000)
  const error = await rejectionOf(left.call('add', [1, 2]))
  clearInterval(keepAlive)
  assert.instance(error, UnknownMethodError)
  assert.is(error.code, 'ERR_UNKNOWN_METHOD')
  assert.is(
    error.message,
    'No handler for "add": nothing was served within 20 ms of the request (the worker called ready() but not ' +
      'serve()); call serve(contract, handlers) in the worker.',
  )
  await right.onIdle()
})

const OVERLOADED =
  'The other side refused wait(): it is already running 3 requests of this link (its maxConcurrentRequests), so the ' +
  'handler was not run. Retry once some have finished, or raise maxConcurrentRequests where the handlers run ' +
  '(serve() in a worker, supervise() in the master).'

/** A peer whose `wait()` handlers stay running until `release()`; counts the handlers that ran. */
function createWaitingPair(options: Partial<RpcPeerOptions>) {
  let release!: () => void
  let released = new Promise<void>((resolve) => (release = resolve))
  let ran = 0
  const handlers = {
    async wait(n: number) {
      ran++
      await released
      return n
    },
    add: (a: number, b: number) => a + b,
  }
  const pair = createPair({}, { handlers, ...options })
  return {
    ...pair,
    ran: () => ran,
    release() {
      release()
      released = new Promise<void>((resolve) => (release = resolve))
    },
  }
}

local('refuses requests past maxConcurrentRequests with RpcOverloadedError, their handlers not run', async () => {
  const { left, right, ran, release } = createWaitingPair({ maxConcurrentRequests: 3 })
  const running = [1, 2, 3].map((n) => left.call('wait', [n]))
  await waitFor(() => right.handling === 3, 'three running handlers')
  const refused = await Promise.all([4, 5].map((n) => rejectionOf(left.call('wait', [n]))))
  for (const error of refused) {
    assert.instance(error, RpcOverloadedError)
    assert.is(error.name, 'RpcOverloadedError')
    assert.is(error.code, 'ERR_RPC_OVERLOADED')
    assert.is(error.message, OVERLOADED)
    assert.equal([error.method, error.limit], ['wait', 3])
  }
  assert.is(ran(), 3)
  // At the limit a handler that would return at once is refused too: that is not known before it runs.
  assert.is((await rejectionOf(left.call('add', [1, 2]))).message, OVERLOADED.replace('wait()', 'add()'))
  release()
  assert.equal(await Promise.all(running), [1, 2, 3])
  // Once they have finished, new requests run again, up to the limit.
  const again = [6, 7, 8].map((n) => left.call('wait', [n]))
  await waitFor(() => right.handling === 3, 'three running handlers again')
  release()
  assert.equal(await Promise.all(again), [6, 7, 8])
  assert.is(ran(), 6)
})

local('handlers that return at once never count towards the limit; built-in $ methods are bounded apart', async () => {
  let releaseBuiltIn!: () => void
  const builtInReleased = new Promise<void>((resolve) => (releaseBuiltIn = resolve))
  const internal = { $ping: () => 'pong', $slow: () => builtInReleased.then(() => 'slow') }
  const { left, right, release } = createWaitingPair({ maxConcurrentRequests: 1, internal })
  assert.equal(
    await Promise.all(Array.from({ length: 50 }, (_, n) => left.call('add', [n, 1]))),
    Array.from({ length: 50 }, (_, n) => n + 1),
  )
  const running = left.call('wait', [1])
  await waitFor(() => right.handling === 1, 'the running handler')
  assert.instance(await rejectionOf(left.call('wait', [2])), RpcOverloadedError)
  // A user request at the limit leaves room for a built-in one, which fills a limit of its own.
  assert.is(await left.call('$ping', []), 'pong')
  const slow = left.call('$slow', [])
  await waitFor(() => right.handling === 2, 'the running built-in')
  const refused = await rejectionOf(left.call('$slow', []))
  assert.instance(refused, RpcOverloadedError)
  assert.is(refused.message, OVERLOADED.replace('wait()', '$slow()').replace('running 3', 'running 1'))
  release()
  releaseBuiltIn()
  assert.equal(await Promise.all([running, slow]), [1, 'slow'])
  assert.is(await left.call('add', [2, 3]), 5)
  assert.is(await left.call('$ping', []), 'pong')
})

local('held requests count towards maxConcurrentRequests; the ones past it are refused, not held', async () => {
  const { left, right } = createWaitingPair({ maxConcurrentRequests: 2, holdRequests: true, handlers: undefined })
  const held = [1, 2].map((n) => left.call('wait', [n]))
  const refused = await rejectionOf(left.call('wait', [3]))
  assert.instance(refused, RpcOverloadedError)
  assert.is(refused.message, OVERLOADED.replace('running 3', 'running 2'))
  let ran = 0
  right.setHandlers({
    async wait(n: number) {
      ran++
      return n
    },
  })
  assert.equal(await Promise.all(held), [1, 2])
  assert.is(ran, 2)
})

local('expires calls in deadline order, whatever order they were made in, with one timer', async () => {
  const peer = createRpcPeer({ send() {}, label: 'nobody' })
  const order: number[] = []
  const keepAlive = setInterval(() => {}, 1000)
  const finite = [60, 20, 40].map((timeout) =>
    peer.call('x', [], { timeout }).catch((error: RpcTimeoutError) => void order.push(error.timeout)),
  )
  const endless = rejectionOf(peer.call('x', [], { timeout: Infinity }))
  await Promise.all(finite)
  clearInterval(keepAlive)
  assert.equal(order, [20, 40, 60])
  assert.is(peer.inFlight, 1)
  const closed = new Error('closed')
  peer.close(closed)
  assert.is(await endless, closed)
})

local('sets handlers once', () => {
  const peer = createRpcPeer({ send() {}, handlers: {} })
  assert.throws(() => peer.setHandlers({}), /The handlers of this RPC peer are already set; set them once\./)
})

local.run()
