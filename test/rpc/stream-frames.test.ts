/**
 * What a peer does with stream frames it should not trust (issue 15): malformed `s`/`i`/`g` frames,
 * ids that name no stream, more items than granted, more credit than any window, items over
 * `maxPayload`. A real peer fed crafted packets, as a hostile other side would send them; the
 * honest paths between real processes are in streams.test.ts.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../../src/index.js'
import { createRpcPeer, type RpcPeerOptions } from '../../src/rpc/peer.js'
import { MAX_STREAM_WINDOW } from '../../src/rpc/stream-frames.js'

const HINT =
  '. The channel keeps working. Both sides speak the same protocol version, so this is not a version mismatch: check that nothing else sends `__xcluster` messages, or report it as an xcluster bug.'
const dropped = (reason: string) => `Dropped a malformed xcluster message from B: ${reason}${HINT}`

/** A peer whose packets are collected, and a way to hand it crafted frames. */
function createPeer(options: Partial<RpcPeerOptions> = {}) {
  const sent: unknown[][] = []
  const errors: Error[] = []
  const peer = createRpcPeer({
    label: 'B',
    send: (message) => sent.push(...(JSON.parse(JSON.stringify(message)) as { f: unknown[][] }).f),
    onProtocolError: (error) => void errors.push(error),
    ...options,
  })
  const feed = (...frames: unknown[]) => peer.receive({ __xcluster: 2, f: frames })
  return { peer, sent, errors, feed }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

const frames = suite('stream frames')

frames('malformed stream frames are reported and dropped, each with why', () => {
  const { errors, feed } = createPeer()
  feed(
    ['s', 'one'],
    ['i', 1, []],
    ['i', 1, 'x'],
    ['i', 1, [1, 2], [null]],
    ['g', 1, 0],
    ['g', 1, 1.5],
    ['g', 1, MAX_STREAM_WINDOW + 1],
    ['g', 1, '3'],
  )
  // A packet's first eight problems are reported one by one: the rest in another packet.
  feed(['g', 1, 1, 0], ['g', 1, 1, 2 ** 31])
  assert.equal(
    errors.map((error) => error.message),
    [
      dropped('a stream frame ("s") lacks a numeric stream id'),
      dropped('a stream frame ("i") carries no list of items'),
      dropped('a stream frame ("i") carries no list of items'),
      dropped('a stream frame ("i") has a meta list that does not match its items'),
      dropped('a stream frame ("g") grants no whole number of items from 1 to 65536'),
      dropped('a stream frame ("g") grants no whole number of items from 1 to 65536'),
      dropped('a stream frame ("g") grants no whole number of items from 1 to 65536'),
      dropped('a stream frame ("g") grants no whole number of items from 1 to 65536'),
      dropped('a stream frame ("g") sets no byte window from 1 to 1073741824'),
      dropped('a stream frame ("g") sets no byte window from 1 to 1073741824'),
    ],
  )
})

frames('stream frames naming no call or stream are late ones: dropped without a report', () => {
  const { errors, feed, sent } = createPeer()
  feed(['s', 99], ['i', 99, [1]], ['g', 99, 5])
  assert.equal(errors, [])
  assert.equal(sent, [])
})

frames('a producer that sends more items than granted fails the stream with ProtocolError and is cancelled', async () => {
  const { peer, errors, feed, sent } = createPeer()
  const call = peer.call('rows', [], { window: 4 })
  feed(['s', 1])
  const stream = (await call) as AsyncIterableIterator<unknown>
  const first = stream.next()
  await tick()
  assert.equal(sent.slice(1), [['g', 1, 4, 1024 * 1024]], 'the first credit sets the window: 4 items, 1 MiB by default')
  feed(['i', 1, [1, 2, 3, 4, 5]])
  const reason = 'the stream of rows() sent 5 items where only 4 were granted'
  const error = await first.then(
    () => undefined,
    (thrown: unknown) => thrown as ProtocolError,
  )
  assert.instance(error, ProtocolError)
  assert.is(
    error!.message,
    `The stream of rows() from B broke the protocol (${reason}) and was stopped; this is a bug or a version mismatch on ` +
      'that side (both sides must run the same xcluster).',
  )
  assert.equal(
    errors.map((e) => e.message),
    [dropped(reason)],
  )
  await tick()
  assert.equal(sent.at(-1), ['c', 1])
  assert.is(peer.inFlight, 0)
})

frames('items for a call not answered with a stream fail that call with ProtocolError', async () => {
  const { peer, errors, feed } = createPeer()
  const call = peer.call('add', [1, 2])
  feed(['i', 1, [3]])
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown as ProtocolError,
  )
  assert.instance(error, ProtocolError)
  assert.equal(
    errors.map((e) => e.message),
    [dropped('items arrived for add(), which was not answered with a stream')],
  )
})

frames('items over maxPayload are refused: the stream fails and the producer is cancelled', async () => {
  const { peer, errors, feed, sent } = createPeer({ maxPayload: 1024 })
  const call = peer.call('rows', [])
  feed(['s', 1])
  const stream = (await call) as AsyncIterableIterator<unknown>
  const first = stream.next()
  feed(['i', 1, ['x'.repeat(2000)]])
  const error = await first.then(
    () => undefined,
    (thrown: unknown) => thrown as ProtocolError,
  )
  const message =
    "Refused the items of the stream of rows() from B: it encodes to at least 2004 bytes, over this side's 1024-byte limit " +
    '(`maxPayload`); send less per message, or raise `maxPayload` on both sides.'
  assert.is(error!.message, message)
  assert.equal(
    errors.map((e) => e.message),
    [message],
  )
  await tick()
  assert.equal(sent.at(-1), ['c', 1])
})

frames('a consumer granting more credit than any window ends the stream with ProtocolError; the generator’s finally runs', async () => {
  let finallies = 0
  const { errors, feed, sent } = createPeer({
    handlers: {
      async *rows() {
        try {
          for (;;) yield 1
        } finally {
          finallies++
        }
      },
    },
  })
  feed(['q', 1, 'rows', []])
  assert.equal(sent, [['s', 1]])
  feed(['g', 1, MAX_STREAM_WINDOW], ['g', 1, 1])
  const reason = 'the consumer of the stream of rows() granted 65537 items of credit in all, over the most any window allows (65536)'
  await tick()
  await tick()
  assert.equal(
    errors.map((e) => e.message),
    [dropped(reason)],
  )
  const reply = sent.find((frame) => frame[0] === 'x')!
  assert.is((reply[2] as { m: string }).m, dropped(reason))
  assert.is(finallies, 1)
})

frames('a producer pauses at the byte window the first credit set, and goes on as items are credited back', async () => {
  let pulled = 0
  const { feed, sent } = createPeer({
    handlers: {
      async *blobs() {
        for (;;) {
          pulled++
          yield 'x'.repeat(998) // 1,000 bytes as JSON
        }
      },
    },
  })
  const items = () => sent.filter((frame) => frame[0] === 'i').reduce((count, frame) => count + (frame[2] as unknown[]).length, 0)
  feed(['q', 1, 'blobs', []], ['g', 1, 100, 3_000])
  for (let turn = 0; turn < 5; turn++) await tick()
  assert.is(items(), 3, 'three items reach 3,000 bytes: the producer pauses with 97 items of credit left')
  assert.is(pulled, 3)
  feed(['g', 1, 1])
  for (let turn = 0; turn < 5; turn++) await tick()
  assert.is(items(), 4, 'one item credited back: one more')
  feed(['c', 1])
})

// --- Upload streams: the frames a hostile caller (u, d, the request's upload list) or callee (a, h) sends

frames('malformed upload frames and upload lists are reported and dropped, each with why', () => {
  const { errors, feed } = createPeer({ handlers: { save: async () => 0 } })
  feed(
    ['u', 'one', [1]],
    ['u', 1, []],
    ['a', 1, 0],
    ['a', 1, 1, 2 ** 31],
    ['h', 'x'],
    ['q', 1, 'save', [2], null, []],
    ['q', 2, 'save', [2], null, [0, 0]],
    ['q', 3, 'save', [2], null, Array.from({ length: 17 }, (_, index) => index)],
  )
  assert.equal(
    errors.map((error) => error.message),
    [
      dropped('a stream frame ("u") lacks a numeric stream id'),
      dropped('a stream frame ("u") carries no list of items'),
      dropped('a stream frame ("a") grants no whole number of items from 1 to 65536'),
      dropped('a stream frame ("a") sets no byte window from 1 to 1073741824'),
      dropped('a stream frame ("h") lacks a numeric stream id'),
      dropped("a request's upload list is not a list of 1 to 16 argument indices"),
      dropped("a request's upload list holds something other than distinct argument indices"),
      dropped("a request's upload list is not a list of 1 to 16 argument indices"),
    ],
  )
})

frames('an upload slot that holds no stream id is answered with a ProtocolError; upload frames naming no upload are dropped', async () => {
  const { errors, feed, sent } = createPeer({ handlers: { save: async () => 0 } })
  feed(['q', 1, 'save', ['not an id'], null, [0]], ['u', 99, [1]], ['d', 99], ['a', 99, 5], ['h', 99])
  await tick()
  const reason = 'the upload streams of save() do not each name a new stream id in an argument'
  assert.equal(
    errors.map((error) => error.message),
    [dropped(reason)],
  )
  assert.is(sent.length, 1)
  assert.is(sent[0]![0], 'x')
  assert.is((sent[0]![2] as { m: string }).m, dropped(reason))
})

frames('a caller that sends more upload items than granted fails the handler’s reading with ProtocolError and is halted', async () => {
  let thrown: unknown
  const { errors, feed, sent } = createPeer({
    handlers: {
      async save(rows: AsyncIterable<number>) {
        try {
          for await (const _ of rows) void _
        } catch (error) {
          thrown = error
        }
        return 0
      },
    },
  })
  feed(['q', 1, 'save', [2], null, [0]])
  await tick()
  assert.equal(sent, [['a', 2, 1024, 1024 * 1024]], 'the handler’s first read grants the window')
  feed(['u', 2, Array.from({ length: 1025 }, (_, index) => index)])
  await tick()
  const reason = 'the stream of save() sent 1025 items where only 1024 were granted'
  assert.equal(
    errors.map((error) => error.message),
    [dropped(reason)],
  )
  assert.instance(thrown, ProtocolError)
  assert.is(
    (thrown as Error).message,
    `The upload stream of save() from B broke the protocol (${reason}) and was stopped; this is a bug or a version ` +
      'mismatch on that side (both sides must run the same xcluster).',
  )
  assert.equal(sent.slice(1), [
    ['h', 2],
    ['r', 1, 0],
  ])
})

frames.run()
