/**
 * The bounds a peer keeps on what it receives and quotes (issue 11): describeUntrusted, the
 * receive-side measure, names capped at 256 characters, maxPayload enforced on receipt, at most
 * eight reports per packet, and an error reply that always goes out. Two in-process peers whose
 * packets go through JSON as Node's IPC sends them; the real-process cases are in test/fuzz/.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError, RemoteError } from '../../src/index.js'
import { describeUntrusted } from '../../src/rpc/describe-untrusted.js'
import { MAX_RECEIVED_DEPTH, measureReceived, TOO_DEEP } from '../../src/rpc/measure-received.js'
import { createRpcPeer, type RpcPeer, type RpcPeerOptions } from '../../src/rpc/peer.js'
import { rejectionOf } from '../helpers/processes.js'

const HINT =
  '. The channel keeps working. Both sides speak the same protocol version, so this is not a version mismatch: ' +
  'check that nothing else sends `__xcluster` messages, or report it as an xcluster bug.'

function createPair(a: Partial<RpcPeerOptions> = {}, b: Partial<RpcPeerOptions> = {}) {
  const leftErrors: Error[] = []
  const rightErrors: Error[] = []
  let left!: RpcPeer
  let right!: RpcPeer
  left = createRpcPeer({
    label: 'B',
    send: (message) => setImmediate(() => right.receive(JSON.parse(JSON.stringify(message)))),
    onProtocolError: (error) => void leftErrors.push(error),
    ...a,
  })
  right = createRpcPeer({
    label: 'A',
    send: (message) => setImmediate(() => left.receive(JSON.parse(JSON.stringify(message)))),
    onProtocolError: (error) => void rightErrors.push(error),
    ...b,
  })
  return { left, right, leftErrors, rightErrors }
}

const nest = (depth: number): unknown => {
  let value: unknown = []
  for (let level = 1; level < depth; level++) value = [value]
  return value
}

const bounds = suite('receive bounds')

bounds('describeUntrusted cuts strings and names arrays and objects without walking them', () => {
  assert.is(describeUntrusted('v'.repeat(1_000_000), 4), '"vvvv"… (1000000 characters)')
  assert.is(describeUntrusted('short'), '"short"')
  assert.is(describeUntrusted(nest(100_000)), 'an array (1 item)')
  assert.is(describeUntrusted([1, 2]), 'an array (2 items)')
  assert.is(describeUntrusted({ toString: 1 }), 'an object')
  assert.is(describeUntrusted(null), 'null')
  assert.is(describeUntrusted(2), '2')
  assert.is(describeUntrusted(10n), '10n')
  assert.is(describeUntrusted('\u0000'.repeat(60)).length <= 121, true)
})

bounds('measureReceived never counts more than the JSON bytes, and stops once over the budget', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      const size = measureReceived(value, Infinity)
      assert.ok(size >= 0 && size <= Buffer.byteLength(JSON.stringify(value)), `${size} for ${JSON.stringify(value)}`)
    }),
    { numRuns: 500 },
  )
  const huge = Array.from({ length: 1_000_000 }, () => 'xxxxxxxx')
  assert.ok(measureReceived(huge, 100) > 100)
  assert.is(measureReceived(nest(MAX_RECEIVED_DEPTH), Infinity), MAX_RECEIVED_DEPTH * 2)
  assert.is(measureReceived(nest(MAX_RECEIVED_DEPTH + 1), Infinity), TOO_DEEP)
})

bounds('the sender refuses a method or event name over 256 characters, before anything is sent', async () => {
  const { left } = createPair()
  const message = (what: string) =>
    `Expected the ${what} name to be at most 256 characters long, got 257 characters; names come from the contract, so check how this one was built.`
  const error = await rejectionOf(left.call('m'.repeat(257), []))
  assert.instance(error, RangeError)
  assert.is(error.message, message('method'))
  assert.throws(
    () => left.notify('m'.repeat(257), []),
    (thrown: Error) => thrown instanceof RangeError && thrown.message === message('method'),
  )
  assert.throws(
    () => left.emit('e'.repeat(257), 1),
    (thrown: Error) => thrown instanceof RangeError && thrown.message === message('event'),
  )
})

bounds('a request over the receiver’s maxPayload is answered with why, and reported', async () => {
  const { left, rightErrors } = createPair({}, { maxPayload: 1_000, handlers: { echo: (value: unknown) => value } })
  const expected =
    "Refused the arguments of echo() from A: it encodes to at least 2004 bytes, over this side's 1000-byte limit " +
    '(`maxPayload`); send less per message, or raise `maxPayload` on both sides.'
  const error = await rejectionOf(left.call('echo', ['x'.repeat(2_000)]))
  assert.instance(error, ProtocolError)
  assert.is(error.message, expected)
  assert.equal(
    rightErrors.map((e) => e.message),
    [expected],
  )
  assert.is(await left.call('echo', ['fits']), 'fits')
})

bounds('a reply over the caller’s maxPayload rejects the call; an event over it is not delivered', async () => {
  const events: string[] = []
  const { left, right, leftErrors } = createPair(
    { maxPayload: 1_000, onEvent: (name) => void events.push(name) },
    { handlers: { big: () => 'x'.repeat(5_000) } },
  )
  const error = await rejectionOf(left.call('big', []))
  assert.instance(error, ProtocolError)
  assert.is(
    error.message,
    "Refused the reply to big() from B: it encodes to at least 5002 bytes, over this side's 1000-byte limit " +
      '(`maxPayload`); send less per message, or raise `maxPayload` on both sides.',
  )
  right.emit('news', 'x'.repeat(5_000))
  right.emit('small', 1)
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(events, ['small'])
  assert.is(leftErrors.length, 2)
  assert.is(leftErrors[1]!.message.startsWith('Refused the payload of event "news" from B: it encodes to at least 5002 bytes'), true)
})

bounds('a packet of twenty bad frames gives eight reports and a count, and its good frames are handled', async () => {
  const { right, rightErrors } = createPair({}, { handlers: { log: () => {} } })
  const frames = [...Array.from({ length: 20 }, (_, index) => ['zz', index]), ['n', 'log', []]]
  right.receive({ __xcluster: 2, f: frames })
  assert.equal(
    rightErrors.map((e) => e.message),
    [
      ...Array.from({ length: 8 }, () => `Dropped a malformed xcluster message from A: unknown frame type "zz"${HINT}`),
      `Dropped a malformed xcluster message from A: 12 more malformed frames in the same packet${HINT}`,
    ],
  )
})

bounds('an error too large to send even bare still answers the call, with a message that quotes nothing', async () => {
  const { left } = createPair(
    {},
    {
      maxPayload: 300,
      handlers: {
        fail: () => {
          throw new Error('e'.repeat(1_000))
        },
      },
    },
  )
  const error = await rejectionOf(left.call('fail', []))
  assert.instance(error, RemoteError)
  assert.match(
    error.message,
    /^The handler's error could not be sent back \(even without its own fields it encodes to \d+ bytes, over the 300-byte limit\); see the callee's logs for the original error\.$/,
  )
})

bounds('an onEvent listener that throws goes to onNotifyError, not out of receive()', async () => {
  const notified: string[] = []
  const { left, right } = createPair({
    onEvent: () => {
      throw new Error('listener broke')
    },
    onNotifyError: (error, name) => void notified.push(`${name}: ${error.message} (${(error.cause as Error).message})`),
  })
  right.emit('tick', 1)
  await new Promise((resolve) => setTimeout(resolve, 20))
  assert.equal(notified, ['tick: An onEvent listener threw for event "tick" (listener broke)'])
  left.close(new Error('done'))
})

bounds.run()
