import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { cutMarker, DEFAULT_MAX_LINE_BYTES, LineSplitter } from '../../src/ops/log-lines.js'

const lines = suite('line splitter')

/** The lines `chunks` make, with the stream ended after them. */
function split(chunks: Buffer[], maxBytes?: number): string[] {
  const out: string[] = []
  const splitter = new LineSplitter((line) => out.push(line), maxBytes)
  for (const chunk of chunks) splitter.push(chunk)
  splitter.end()
  return out
}

lines('splits on \\n and \\r\\n, keeps empty lines, and flushes a last line without newline at the end', () => {
  assert.equal(split([Buffer.from('one\r\ntwo\n\nthree\nlast')]), ['one', 'two', '', 'three', 'last'])
  assert.equal(split([Buffer.from('ends with newline\n')]), ['ends with newline'])
  assert.equal(split([]), [])
})

lines('a character split across chunks, byte by byte, is decoded whole', () => {
  const bytes = Buffer.from('Größe: 10 €, 🚀\n')
  assert.equal(split([...bytes].map((byte) => Buffer.from([byte]))), ['Größe: 10 €, 🚀'])
})

lines('invalid UTF-8 becomes U+FFFD, never an exception', () => {
  assert.equal(split([Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a])]), ['a\ufffd\ufffdb'])
})

lines('a line that reaches the limit is emitted at once, cut and marked; its rest up to the newline is dropped', () => {
  const out: string[] = []
  const splitter = new LineSplitter((line) => out.push(line), 100)
  splitter.push(Buffer.from('a'.repeat(60)))
  assert.equal(out, [])
  splitter.push(Buffer.from('a'.repeat(60)))
  // Emitted without waiting for a newline that may never come.
  assert.equal(out, [`${'a'.repeat(100)}${cutMarker(100)}`])
  splitter.push(Buffer.from('b'.repeat(500)))
  splitter.push(Buffer.from('bbb\nnext\n'))
  splitter.end()
  assert.equal(out, [`${'a'.repeat(100)}${cutMarker(100)}`, 'next'])
  assert.is(cutMarker(100), ' … [line cut at 100 bytes]')
})

lines('a cut never splits a character: it ends before a multi-byte character that does not fit', () => {
  // 99 bytes of 'a' and a 3-byte '€': the limit of 100 falls inside the '€'.
  assert.equal(split([Buffer.from(`${'a'.repeat(99)}€€\n`)], 100), [`${'a'.repeat(99)}${cutMarker(100)}`])
  assert.equal(split([Buffer.from(`${'a'.repeat(97)}€€\n`)], 100), [`${'a'.repeat(97)}€${cutMarker(100)}`])
})

lines('a 1 MiB line without newline holds at most the limit: it is cut at 16 KiB', () => {
  const out = split([Buffer.alloc(1024 * 1024, 'y')])
  assert.is(DEFAULT_MAX_LINE_BYTES, 16 * 1024)
  assert.equal(out, [`${'y'.repeat(16 * 1024)}${cutMarker(16 * 1024)}`])
})

lines('property: any chunking of the same bytes gives the same lines', () => {
  // Bytes rich in newlines, carriage returns, multi-byte lead/continuation bytes and long runs.
  const piece = fc.oneof(
    fc.constantFrom('\n', '\r\n', '\r', '€', '🚀', 'ö', 'a', ' '),
    fc.string({ maxLength: 40 }),
    fc.integer({ min: 1, max: 300 }).map((n) => 'z'.repeat(n)),
  )
  const bytes = fc.oneof(
    fc.array(piece, { maxLength: 60 }).map((pieces) => Buffer.from(pieces.join(''))),
    fc.uint8Array({ maxLength: 600 }).map((array) => Buffer.from(array)),
  )
  const input = bytes.chain((buffer) =>
    fc.record({
      buffer: fc.constant(buffer),
      cuts: fc.uniqueArray(fc.integer({ min: 0, max: buffer.length }), { maxLength: 30 }),
      maxBytes: fc.integer({ min: 64, max: 400 }),
    }),
  )
  fc.assert(
    fc.property(input, ({ buffer, cuts, maxBytes }) => {
      const points = [0, ...cuts.sort((a, b) => a - b), buffer.length]
      const chunks = points.slice(1).map((end, i) => buffer.subarray(points[i], end))
      const whole = split([buffer], maxBytes)
      assert.equal(split(chunks, maxBytes), whole)
      // And no line holds more than the limit of the worker's bytes (an invalid byte decodes to
      // U+FFFD, 3 bytes of UTF-8), plus its marker.
      for (const line of whole) assert.ok(Buffer.byteLength(line) <= 3 * maxBytes + Buffer.byteLength(cutMarker(maxBytes)))
    }),
    { numRuns: 1000 },
  )
})

lines.run()
