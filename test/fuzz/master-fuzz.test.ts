/**
 * Property-based fuzzing of the master's receiving side with fast-check: arbitrary and adversarial
 * packets, frames and values (deep nesting, huge strings, wrong types, prototype keys, bad tags and
 * metas, wrong versions) sent raw by a REAL worker (test/fixtures/hostile-worker.ts) to a REAL
 * master (this process). After every message the master must still be up, must have reported
 * what it dropped as bounded protocol errors of that worker, and must still answer a second,
 * well-behaved worker's calls correctly. Set FUZZ_SEED to replay a failure fast-check printed.
 */
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../../src/index.js'
import type { HostileSpec } from '../fixtures/hostile-contract.js'
import { createClusterPool } from '../helpers/cluster.js'
import { assertStillServing, label, sendHostile, startHostilePair } from './hostile-cluster.js'

const pool = createClusterPool()
const fuzz = suite('fuzzing the master from a real worker')

fuzz.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlives its cluster')
})

// Every message of ours quotes at most a 256-character name (6 bytes per character once JSON-escaped).
const MAX_REPORT_CHARS = 2_048

const protoKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '$heartbeat',
  '$attach',
  '$ready',
  'echo',
  'add',
)
const name = fc.oneof(protoKey, fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', minLength: 250, maxLength: 300 }))
const id = fc.oneof(fc.nat(20), fc.integer(), fc.double(), fc.string({ maxLength: 3 }), fc.constant(null))
const value = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: fc.dictionary(protoKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1_000, maxLength: 5_000 }) },
)
// Fast-path tag trees (tagged-value.ts), well-formed or not.
const { tag } = fc.letrec((tie) => ({
  tag: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom('D', 'u', 'n', 'b', 'r', 'x', ''),
    fc.tuple(fc.constantFrom('M', 'm', 'S', 'A', 'Z'), fc.oneof(fc.constant(0), tie('tag'))),
    fc.array(fc.oneof(fc.integer({ min: -2, max: 6 }), tie('tag')), { maxLength: 5 }).map((items) => ['A', ...items]),
    fc.dictionary(fc.oneof(protoKey, fc.string({ maxLength: 3 })), tie('tag'), { maxKeys: 3 }),
  ),
}))
// superjson metas, with prototype paths and made-up type names among them.
const path = fc
  .array(fc.oneof(protoKey, fc.string({ maxLength: 3 }), fc.nat(3).map(String)), { maxLength: 4 })
  .map((parts) => parts.join('.'))
const superjsonMeta = fc.record(
  {
    values: fc.oneof(
      fc.constantFrom('Date', 'bigint', 'set', 'map', 'undefined', 'regexp', 'Error', 'number'),
      fc.tuple(fc.constantFrom('class', 'custom', 'symbol'), fc.string({ maxLength: 5 })),
      fc.dictionary(path, fc.constantFrom('Date', 'bigint', 'set', 'map', 'undefined', 'regexp', 'Error'), { maxKeys: 3 }),
    ),
    referentialEqualities: fc.dictionary(path, fc.array(path, { maxLength: 3 }), { maxKeys: 2 }),
  },
  { requiredKeys: [] },
)
const meta = fc.oneof(fc.constant(null), fc.record({ t: tag }), superjsonMeta, fc.jsonValue({ maxDepth: 2 }))
const frameType = fc.oneof(
  fc.constantFrom('q', 'n', 'r', 'x', 'c', 'e', 's', 'i', 'g'),
  fc.constantFrom('Q', '', 'qq', '__proto__'),
  fc.jsonValue({ maxDepth: 2 }),
)
const frame = fc.oneof(
  fc.tuple(fc.constant('q'), id, name, fc.oneof(fc.array(value, { maxLength: 3 }), value), meta),
  fc.tuple(fc.constant('n'), name, fc.oneof(fc.array(value, { maxLength: 3 }), value), meta),
  fc.tuple(fc.constantFrom('r', 'x'), id, value, meta),
  fc.tuple(fc.constant('c'), id),
  fc.tuple(fc.constant('e'), name, value, meta),
  // Streams: opened, items and credits for ids that may or may not name a call or a stream.
  fc.tuple(fc.constant('s'), id),
  fc.tuple(fc.constant('i'), id, fc.oneof(fc.array(value, { maxLength: 3 }), value), fc.oneof(fc.array(meta, { maxLength: 3 }), meta)),
  fc.tuple(fc.constant('g'), id, fc.oneof(fc.integer({ min: -2, max: 70_000 }), value), fc.oneof(fc.nat(), value)),
  fc.array(fc.oneof(frameType, id, name, value), { maxLength: 6 }),
  fc.jsonValue({ maxDepth: 2 }),
)

/** One hostile message, and whether the master must report it exactly once. */
interface HostileCase {
  order: { relay: unknown } | { build: HostileSpec }
  isReportedOnce: boolean
}

const hostileCase: fc.Arbitrary<HostileCase> = fc.oneof(
  // A packet of frames, any mix of good and bad.
  {
    weight: 6,
    arbitrary: fc.array(frame, { maxLength: 5 }).map((f) => ({ order: { relay: { __xcluster: 2, f } }, isReportedOnce: false })),
  },
  // Another version: one report, whatever the frames.
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.jsonValue({ maxDepth: 3 }).filter((version) => version !== 1),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map(([version, f]) => ({ order: { relay: { __xcluster: version, f } }, isReportedOnce: true })),
  },
  // No frame list: one report.
  {
    weight: 1,
    arbitrary: fc
      .jsonValue({ maxDepth: 2 })
      .filter((f) => !Array.isArray(f))
      .map((f) => ({ order: { relay: { __xcluster: 2, f } }, isReportedOnce: true })),
  },
  // Not ours at all (the user's own messages): passed on, never reported.
  {
    weight: 1,
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .filter((m) => m !== null)
      .map((relay) => ({ order: { relay }, isReportedOnce: false })),
  },
  // Built in the worker: nested past any stack, or past maxPayload. One report each.
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.record({
          kind: fc.constantFrom('deep-version', 'deep-frame-type', 'deep-arguments'),
          depth: fc.integer({ min: 2_001, max: 10_000 }),
        }),
        fc.record({ kind: fc.constantFrom('long-method', 'huge-version'), length: fc.integer({ min: 257, max: 100_000 }) }),
        fc.record({ kind: fc.constant('huge-event'), length: fc.integer({ min: 4 * 1024 * 1024, max: 4 * 1024 * 1024 + 4_096 }) }),
      )
      .map((build) => ({ order: { build: build as HostileSpec }, isReportedOnce: true })),
  },
)

fuzz('no packet, frame or value a worker sends takes the master down or stops it serving the others', async () => {
  // No heartbeats during the run: a forged reply to one would count it as missed (and is tested
  // in hostile-worker.test.ts); here every call in flight to the attacker is the test's own.
  const { cluster, log, protocolErrors, attacker, bystander } = await startHostilePair(pool, { health: { heartbeatInterval: 600_000 } })
  // Node prints every process.emitWarning (the master's default for a notification it cannot
  // serve) through its own 'warning' listener; keep them to check instead of printing hundreds.
  const printers = process.listeners('warning')
  process.removeAllListeners('warning')
  const warnings: Error[] = []
  process.on('warning', (warning) => warnings.push(warning))
  const prototypes = [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort())
  let runs = 0
  try {
    await fc.assert(
      fc.asyncProperty(hostileCase, async ({ order, isReportedOnce }) => {
        runs++
        const before = protocolErrors.length
        await sendHostile(cluster, attacker.workerId, order)
        const reported = protocolErrors.slice(before)
        for (const { workerId, error } of reported) {
          assert.is(workerId, attacker.workerId)
          assert.instance(error, ProtocolError)
          assert.ok(error.message.length <= MAX_REPORT_CHARS, `a report of ${error.message.length} characters`)
          assert.ok(error.message.includes(label(attacker)), error.message)
        }
        if (isReportedOnce) assert.is(reported.length, 1, `reported ${reported.length} times: ${JSON.stringify(order).slice(0, 200)}`)
        assert.is(await cluster.worker(bystander.workerId).call.add(2, 3), 5)
      }),
      { numRuns: 200, seed: process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED) },
    )
  } finally {
    process.removeAllListeners('warning')
    for (const printer of printers) process.on('warning', printer)
  }
  assert.is(runs, 200)
  assert.ok(protocolErrors.length >= 20, `only ${protocolErrors.length} protocol errors in 200 hostile messages`)
  for (const warning of warnings) assert.ok(warning.message.length <= MAX_REPORT_CHARS, `a warning of ${warning.message.length} characters`)
  assert.equal(
    [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort()),
    prototypes,
    'no prototype was polluted',
  )
  assert.equal(log.exits, [], 'neither worker was restarted')
  await assertStillServing(cluster, attacker, bystander)
})

fuzz.run()
