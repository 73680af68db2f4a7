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

codec('round-trips the values JSON cannot carry', () => {
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

codec('tags Dates, Maps, Sets, BigInts, undefined, special numbers and RegExps without superjson', () => {
  const value = [{ at: new Date(5), byName: new Map([['a', new Set([1n, undefined])]]), plain: { x: 1 } }, Number.NaN, /a+/gi]
  const encoded = encodeValue(value, LIMIT, 'value')
  assert.equal(encoded.v, [{ at: 5, byName: [['a', ['1', null]]], plain: { x: 1 } }, 'NaN', ['a+', 'gi']])
  assert.equal(encoded.s, { t: ['A', 0, { at: 'D', byName: ['M', ['A', 0, ['A', 1, ['S', ['A', 0, 'b', 1, 'u']]]]] }, 1, 'n', 2, 'r'] })
  assert.equal(roundTrip(value), value)
  assert.ok(Number.isNaN((roundTrip(new Date(Number.NaN)) as Date).getTime()))
})

codec('sends a shared reference as two copies, and keeps identity where superjson carries the value', () => {
  const when = new Date(0)
  const fast = roundTrip({ a: when, b: when }) as { a: Date; b: Date }
  assert.equal(fast.a, when)
  assert.is.not(fast.a, fast.b)
  const cyclic: { a: Date; b: Date; self?: unknown } = { a: when, b: when }
  cyclic.self = cyclic
  const slow = roundTrip(cyclic) as typeof cyclic
  assert.is(slow.a, slow.b)
})

codec('leaves class instances, Errors and cycles to superjson', () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const cyclic: { self?: unknown } = {}
  cyclic.self = cyclic
  for (const value of [new Point(1), { error: new Error('boom') }, cyclic]) {
    const meta = encodeValue(value, LIMIT, 'value').s as Record<string, unknown> | undefined
    assert.not.ok(meta !== undefined && Object.hasOwn(meta, 't'), `fast path taken for ${String(value)}`)
  }
})

codec('refuses tags that do not fit their value, and never writes through __proto__', () => {
  const cases: [unknown, unknown, RegExp][] = [
    [{ a: 1 }, { t: { b: 'D' } }, /a tag for a missing key "b"/],
    [{ a: 1 }, { t: { a: 'Z' } }, /unknown tag "Z"/],
    [{ a: 'x' }, { t: { a: 'D' } }, /does not fit its tag "D"/],
    [{ a: '1e3' }, { t: { a: 'b' } }, /does not fit its tag "b"/],
    [{ a: 1 }, { t: { a: ['M', 0] } }, /a Map that is not an array/],
    [[[1, 2, 3]], { t: ['M', 0] }, /a Map entry that is not a pair/],
    [[1], { t: ['A', 1, 'u'] }, /a tag for a missing item 1/],
    [[1], { t: ['A', '0', 'u'] }, /a tag for a missing item "0"/],
    [{ 0: 1 }, { t: ['A', 0, 'u'] }, /the items of a value that is not an array/],
    [7, { t: { a: 'u' } }, /tags for children of a value that has none/],
    [{}, JSON.parse('{"t":{"__proto__":"u"}}'), /a tag for a missing key "__proto__"/],
  ]
  for (const [json, meta, message] of cases) assert.throws(() => decodeValue(json, meta), message)
  const own = decodeValue(JSON.parse('{"__proto__":0}'), JSON.parse('{"t":{"__proto__":"D"}}')) as Record<string, unknown>
  assert.instance(Object.getOwnPropertyDescriptor(own, '__proto__')?.value, Date)
  assert.is(Object.getPrototypeOf(own), Object.prototype)
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
