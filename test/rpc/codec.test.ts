import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeValue, encodeValue, OversizeValue, UnencodableValue } from '../../src/rpc/codec.js'

const LIMIT = 1024 * 1024

const roundTrip = (value: unknown): unknown => {
  const encoded = encodeValue(value, LIMIT, 'value')
  // What Node's json IPC serialization does on the way.
  const wire = JSON.parse(JSON.stringify({ v: encoded.v, s: encoded.s })) as { v: unknown; s: unknown }
  return decodeValue(wire.v, wire.s)
}

const codec = suite('codec')

codec('sends plain JSON values without superjson meta, as a copy taken at call time', () => {
  const value = { a: [1, 'two', true, null], b: { c: 'd' } }
  const encoded = encodeValue(value, LIMIT, 'value')
  assert.is(encoded.s, undefined)
  value.a.push('later')
  assert.equal(encoded.v, { a: [1, 'two', true, null], b: { c: 'd' } })
})

codec('round-trips values JSON cannot carry through superjson', () => {
  const value = {
    date: new Date(0),
    map: new Map<unknown, unknown>([[1, { x: new Set([2n]) }]]),
    missing: undefined,
    pattern: /x/y,
    numbers: [Number.NaN, -0, Number.POSITIVE_INFINITY],
    sparse: [1, undefined],
  }
  const back = roundTrip(value) as typeof value
  assert.equal(back, value)
  assert.ok(Object.is(back.numbers[1], -0))
  assert.ok(encodeValue(value, LIMIT, 'value').s !== undefined)
})

codec('keeps cycles', () => {
  const value: { self?: unknown; n: number } = { n: 1 }
  value.self = value
  const back = roundTrip(value) as typeof value
  assert.is(back.self, back)
})

codec('encodes undefined as nothing at all', () => {
  assert.equal(encodeValue(undefined, LIMIT, 'result'), { v: undefined, s: undefined, size: 0 })
  assert.is(decodeValue(undefined, undefined), undefined)
})

codec('names the path of a function or symbol it cannot encode', () => {
  const cases: [unknown, string][] = [
    [[{ user: { onClick: () => {} } }], 'arguments[0].user.onClick is a function, which cannot be encoded'],
    [[new Date(), { 'odd key': Symbol('s') }], 'arguments[1]["odd key"] is a symbol, which cannot be encoded'],
    [[new Set([() => {}])], 'arguments[0]["<set item 0>"] is a function, which cannot be encoded'],
  ]
  for (const [value, reason] of cases) {
    try {
      encodeValue(value, LIMIT, 'arguments')
      assert.unreachable('should have thrown')
    } catch (error) {
      assert.instance(error, UnencodableValue)
      assert.is((error as UnencodableValue).reason, reason)
    }
  }
})

codec('measures the exact JSON size of large payloads against the limit', () => {
  const text = 'é'.repeat(300_000) // 2 bytes each in UTF-8
  try {
    encodeValue([text], LIMIT / 2, 'arguments')
    assert.unreachable('should have thrown')
  } catch (error) {
    assert.instance(error, OversizeValue)
    assert.is((error as OversizeValue).size, Buffer.byteLength(JSON.stringify([text])))
  }
  assert.is(encodeValue(['ok'], LIMIT, 'arguments').size < 64, true)
})

codec('refuses meta that would touch __proto__ or prototype', () => {
  assert.throws(() => decodeValue({ a: 1 }, { values: { '__proto__.x': ['Date'] } }), /__proto__ is not allowed/)
  assert.throws(() => decodeValue({ a: 1 }, { values: { 'a.prototype': ['Date'] } }), /prototype is not allowed/)
  assert.is(({} as Record<string, unknown>)['x'], undefined)
})

codec.run()
