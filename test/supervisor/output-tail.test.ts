import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { OutputTail, STDERR_CHARS_KEPT, STDERR_LINE_MAX, STDERR_LINES_KEPT } from '../../src/supervisor/output-tail.js'

const tail = suite('stderr tail')

tail('keeps the last 20 non-empty lines, oldest first', () => {
  const t = new OutputTail()
  for (let i = 1; i <= 30; i++) t.push(`line ${i}\n\n`)
  assert.is(STDERR_LINES_KEPT, 20)
  assert.equal(
    t.lines(),
    Array.from({ length: 20 }, (_, i) => `line ${i + 11}`),
  )
})

tail('a worker printing one endless line costs 8 KiB, and the line is cut with a count', () => {
  const t = new OutputTail()
  for (let i = 0; i < 100; i++) t.push(Buffer.alloc(64 * 1024, 'x'))
  const [line, ...rest] = t.lines()
  assert.equal(rest, [])
  assert.is(line, `${'x'.repeat(STDERR_LINE_MAX)}… (${STDERR_CHARS_KEPT - STDERR_LINE_MAX} more characters)`)
})

tail('a character split across two chunks is decoded whole', () => {
  const t = new OutputTail()
  const bytes = Buffer.from('Fehler: Größe\n')
  t.push(bytes.subarray(0, 11))
  t.push(bytes.subarray(11))
  assert.equal(t.lines(), ['Fehler: Größe'])
})

tail.run()
