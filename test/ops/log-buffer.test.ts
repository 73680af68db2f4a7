import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { DEFAULT_BUFFER_BYTES, DEFAULT_BUFFER_LINES, LogBuffer, type XclusterLogLine } from '../../src/ops/log-buffer.js'
import { formatLogLine } from '../../src/ops/log-format.js'
import { resolveLogOptions } from '../../src/ops/log-options.js'

const buffer = suite('log buffer')

const entry = (line: string, workerId = 1, slotId = 'slot-0'): XclusterLogLine => ({
  time: Date.UTC(2026, 11, 1, 21, 0, 0, 5),
  workerId,
  slotId,
  pid: 4242,
  generation: 0,
  stream: 'stdout',
  line,
})

buffer('keeps the newest 1,000 lines by default, oldest first', () => {
  const logs = new LogBuffer()
  assert.equal([DEFAULT_BUFFER_LINES, DEFAULT_BUFFER_BYTES], [1_000, 1024 * 1024])
  for (let i = 0; i < 2_500; i++) logs.push(entry(`line ${i}`))
  const kept = logs.recent()
  assert.is(kept.length, 1_000)
  assert.is(kept[0]!.line, 'line 1500')
  assert.is(kept.at(-1)!.line, 'line 2499')
})

buffer('is bounded in bytes too: long lines push the oldest out', () => {
  const logs = new LogBuffer({ lines: 1_000, bytes: 1_000 })
  for (let i = 0; i < 10; i++) logs.push(entry(`${i}`.repeat(300)))
  assert.equal(logs.size, { lines: 3, bytes: 900 })
  assert.equal(
    logs.recent().map((e) => e.line[0]),
    ['7', '8', '9'],
  )
  // A line larger than the whole budget is not kept (it would evict everything and still not fit).
  logs.push(entry('x'.repeat(1_001)))
  assert.equal(logs.size, { lines: 3, bytes: 900 })
})

buffer('recent() filters by worker or slot and returns the newest `lines` of those', () => {
  const logs = new LogBuffer()
  for (let i = 0; i < 10; i++) logs.push(entry(`w${(i % 2) + 1} ${i}`, (i % 2) + 1, `slot-${i % 2}`))
  assert.equal(
    logs.recent({ workerId: 2, lines: 2 }).map((e) => e.line),
    ['w2 7', 'w2 9'],
  )
  assert.equal(
    logs.recent({ slotId: 'slot-0' }).map((e) => e.line),
    ['w1 0', 'w1 2', 'w1 4', 'w1 6', 'w1 8'],
  )
  assert.equal(logs.recent({ lines: 0 }), [])
})

buffer('bufferLines 0 keeps nothing', () => {
  const logs = new LogBuffer({ lines: 0, bytes: 100 })
  logs.push(entry('dropped'))
  assert.equal(logs.recent(), [])
})

// ---

const format = suite('log format')

format('raw is the line, prefixed names app, worker id and pid, json carries every field', () => {
  const line = entry('listening on 3000', 3, 'slot-1')
  assert.is(formatLogLine(line, 'raw', 'web'), 'listening on 3000')
  assert.is(formatLogLine(line, 'prefixed', 'web'), '[web #3 pid 4242] listening on 3000')
  assert.is(formatLogLine(line, 'prefixed'), '[worker #3 pid 4242] listening on 3000')
  assert.is(
    formatLogLine(line, 'json', 'web'),
    '{"time":"2026-12-01T21:00:00.005Z","app":"web","worker":3,"slot":"slot-1","pid":4242,"generation":0,"stream":"stdout","line":"listening on 3000"}',
  )
  // A line cannot forge another JSON line: its newline-like characters are escaped.
  assert.is(formatLogLine(entry('a\u2028b\u0000'), 'json').split('\n').length, 1)
})

format('supervise({ logs }) options are checked, with the option named', () => {
  assert.equal(resolveLogOptions(undefined), {
    format: 'raw',
    name: undefined,
    maxLineBytes: 16_384,
    bufferLines: 1_000,
    bufferBytes: 1_048_576,
  })
  assert.throws(
    () => resolveLogOptions({ format: 'pretty' }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === "Expected `logs.format` to be one of 'raw', 'prefixed', 'json', got `\"pretty\"` (string)",
  )
  assert.throws(
    () => resolveLogOptions({ maxLineBytes: 10 }),
    (error: Error) =>
      error instanceof RangeError && error.message === 'Expected `logs.maxLineBytes` to be an integer from 64 and up, got `10` (number)',
  )
  assert.throws(
    () => resolveLogOptions({ colour: true }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === 'Unknown option `logs.colour`; expected one of: format, name, maxLineBytes, bufferLines, bufferBytes',
  )
})

buffer.run()
format.run()
