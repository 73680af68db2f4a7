/**
 * The uncopied path of the codec (measure-plain.ts): plain JSON measures as the copying walk
 * does, anything the copy would tag or refuse is not plain, and a caller that changes its
 * arguments right after a call (sent at once, or queued in the tick) still sends what it passed.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeValue } from '../../src/rpc/codec.js'
import { measurePlain, NOT_PLAIN } from '../../src/rpc/measure-plain.js'
import { UNCOPIED_FROM_BYTES } from '../../src/rpc/outbox.js'
import { copyTagged } from '../../src/rpc/tagged-value.js'
import { killAll, startWorker } from '../fixtures/rpc-harness.js'

const plain = suite('measure plain')

plain.after.each(() => killAll())

plain('plain JSON measures as the copying walk counts it, and encodes to itself, uncopied', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
      // jsonValue may produce -0, which the copy tags: not plain.
      const state = { size: 0, tag: undefined }
      copyTagged(value, 0, state)
      const size = measurePlain(value, 0)
      if (state.tag !== undefined) return size === NOT_PLAIN
      const encoded = encodeValue(value, 4 * 1024 * 1024, 'result', 0)
      return size === state.size && encoded.v === value && encoded.s === undefined && encoded.size === size
    }),
  )
})

plain('anything the copy tags or refuses is not plain, and takes the copying path', () => {
  class Point {
    x = 1
  }
  for (const value of [
    undefined,
    NaN,
    Infinity,
    -0,
    1n,
    new Date(0),
    new Map(),
    new Set(),
    /x/,
    new Point(),
    [1, undefined],
    { f() {} },
    JSON.parse('{"__proto__": 1}'),
  ]) {
    assert.is(measurePlain({ a: [value] }, 0), NOT_PLAIN, String(value))
  }
  const date = { at: new Date(5) }
  const encoded = encodeValue(date, 1024, 'result', 0)
  assert.is.not(encoded.v, date)
  assert.equal(encoded.s, { t: { at: 'D' } })
})

plain('a caller that changes its arguments right after its calls sends what it passed, sent at once or queued', async () => {
  const { peer, ready } = startWorker('rpc-echo.ts')
  await ready
  const row = { n: 0, tags: ['a'] }
  const calls: Promise<unknown>[] = []
  for (let n = 0; n < 5; n++) {
    row.n = n
    calls.push(peer.call('echo', [row]))
    row.tags.push(`after ${n}`)
  }
  assert.equal(await Promise.all(calls), [
    { n: 0, tags: ['a'] },
    { n: 1, tags: ['a', 'after 0'] },
    { n: 2, tags: ['a', 'after 0', 'after 1'] },
    { n: 3, tags: ['a', 'after 0', 'after 1', 'after 2'] },
    { n: 4, tags: ['a', 'after 0', 'after 1', 'after 2', 'after 3'] },
  ])
})

plain('big plain arguments queued in a tick travel uncopied, sent at once, and still arrive as they were passed', async () => {
  const { peer, ready } = startWorker('rpc-echo.ts')
  await ready
  // Over UNCOPIED_FROM_BYTES: each call after the tick's first is sent at once, not copied and queued.
  const row = { n: 0, text: 'x'.repeat(8 * 1024) }
  assert.is(encodeValue(row, 1 << 20, 'arguments', UNCOPIED_FROM_BYTES).isUncopied, true)
  assert.is(encodeValue({ n: 0 }, 1 << 20, 'arguments', UNCOPIED_FROM_BYTES).isUncopied, undefined)
  const calls: Promise<unknown>[] = []
  for (let n = 0; n < 5; n++) {
    row.n = n
    calls.push(peer.call('echo', [row]))
  }
  row.text = 'changed'
  const answers = (await Promise.all(calls)) as { n: number; text: string }[]
  assert.equal(
    answers.map((answer) => [answer.n, answer.text.length]),
    [0, 1, 2, 3, 4].map((n) => [n, 8 * 1024]),
  )
})

plain.run()
