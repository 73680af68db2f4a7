/**
 * The Redis actor store on the real test Redis (`source scripts/services.sh; start_services`).
 * Each test works under a prefix of its own and deletes its keys afterwards.
 */
import { once } from 'node:events'
import { createServer } from 'node:net'
import { isDeepStrictEqual } from 'node:util'
import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import fc from 'fast-check'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ActorStoreError } from '../../src/actors/actor-store-error.js'
import type { XclusterActorStore } from '../../src/actors/actor-store.js'
import { createRedisActorStore, MAX_KEY_BYTES } from '../../src/actors/redis-store.js'
import { decodeValue } from '../../src/rpc/codec.js'
import { fixture, rejectionOf } from '../helpers/processes.js'
import { canConnect, installCommand, isInstalled, whenAvailable, type TestRequirement } from '../helpers/when-available.js'
import { richRecord } from '../fixtures/redis-store-records.js'

const REDIS_URL = process.env.XCLUSTER_REDIS_URL || 'redis://127.0.0.1:6390'
const hint = 'start the test servers with `source scripts/services.sh; start_services`'

const REDIS: TestRequirement = canConnect(REDIS_URL)
  ? { missing: null, enable: '' }
  : isInstalled('redis-server')
    ? {
        missing: `needs Redis; Redis at ${REDIS_URL} is not running`,
        enable: '`npm test` (it starts it), or `source scripts/services.sh; start_services` before running one file',
      }
    : { missing: 'needs Redis (not installed)', enable: installCommand() }

// Lazy: where the suite is skipped it never connects.
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true })
redis.on('error', () => {})
let prefixes: string[] = []
const stores: XclusterActorStore[] = []
let counter = 0
const newPrefix = (): string => {
  const prefix = `xcluster-test:store:${process.pid}:${counter++}:`
  prefixes.push(prefix)
  return prefix
}
const newStore = (options: { prefix?: string; maxValueBytes?: number } = {}): XclusterActorStore => {
  const store = createRedisActorStore({ redis: REDIS_URL, prefix: options.prefix ?? newPrefix(), ...options })
  stores.push(store)
  return store
}

/** Runs the fixture as its own process (a master's life) and returns its stdout; asserts it exited 0. */
async function runMaster(mode: 'save' | 'load', prefix: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture('redis-store-process.ts'), mode, prefix], {
    env: { ...process.env, XCLUSTER_REDIS_URL: REDIS_URL },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null]
  assert.equal([code, signal], [0, null], `the ${mode} process exited with ${code ?? signal}`)
  return stdout.trim()
}

const store = whenAvailable(suite('redis actor store'), REDIS)

store.before(async () => {
  try {
    await redis.ping()
  } catch (error) {
    throw new Error(`Redis is not reachable at ${REDIS_URL}: ${hint}`, { cause: error })
  }
})

store.after.each(async () => {
  for (const each of stores.splice(0)) await each.close?.()
  for (const prefix of prefixes) {
    const keys = (await redis.call('keys', `${prefix}*`)) as string[]
    if (keys.length > 0) await redis.del(...keys)
  }
  prefixes = []
})

store.after(() => {
  redis.disconnect()
})

store('loads what it saved, with Dates, Maps, Sets, BigInts, typed arrays, Buffers, -0, NaN and undefined intact', async () => {
  const actors = newStore()
  const record = richRecord(3)
  await actors.save(record)
  const loaded = await actors.load('order', 'order-42')
  assert.ok(isDeepStrictEqual(loaded, record), 'the loaded record differs from the saved one')
  const context = (loaded!.snapshot as { context: { weights: Float64Array; blob: Buffer; lines: Map<string, { price: number }> } }).context
  assert.ok(Object.is(context.weights[2], -0) && Number.isNaN(context.weights[1]))
  assert.ok(Buffer.isBuffer(context.blob))
  assert.ok(Object.is(context.lines.get('sku-2')!.price, -0))
  assert.is(await actors.load('order', 'order-43'), undefined)
})

store('keeps a record without input without an input key', async () => {
  const actors = newStore()
  await actors.save({ kind: 'k', id: '1', seq: 1, snapshot: { value: 'idle' } })
  const loaded = await actors.load('k', '1')
  assert.equal(loaded, { kind: 'k', id: '1', seq: 1, snapshot: { value: 'idle' } })
  assert.not.ok(Object.hasOwn(loaded!, 'input'))
})

store('refuses a stale save and accepts the same seq again', async () => {
  const actors = newStore()
  await actors.save({ kind: 'k', id: '1', seq: 5, snapshot: 'five' })
  await actors.save({ kind: 'k', id: '1', seq: 4, snapshot: 'four' })
  assert.equal(await actors.load('k', '1'), { kind: 'k', id: '1', seq: 5, snapshot: 'five' })
  await actors.save({ kind: 'k', id: '1', seq: 5, snapshot: 'five again' })
  assert.equal(await actors.load('k', '1'), { kind: 'k', id: '1', seq: 5, snapshot: 'five again' })
})

store('keeps the highest seq whatever the interleaving of saves over three connections', async () => {
  const prefix = newPrefix()
  const connections = [newStore({ prefix }), newStore({ prefix }), newStore({ prefix })]
  let run = 0
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(1_000), fc.nat(2)), { minLength: 1, maxLength: 30 }),
      fc.scheduler(),
      async (saves, scheduler) => {
        const id = `actor-${run++}`
        // The scheduler releases the saves in an order of its choosing; each then races on the wire.
        const written = saves.map(([seq, connection]) =>
          scheduler
            .schedule(Promise.resolve(), `save ${seq} on ${connection}`)
            .then(() => connections[connection]!.save({ kind: 'k', id, seq, snapshot: { seq, at: new Date(seq) } })),
        )
        await scheduler.waitAll()
        await Promise.all(written)
        const highest = Math.max(...saves.map(([seq]) => seq))
        const loaded = await connections[0]!.load('k', id)
        return isDeepStrictEqual(loaded, { kind: 'k', id, seq: highest, snapshot: { seq: highest, at: new Date(highest) } })
      },
    ),
    { numRuns: 60 },
  )
})

store('is shared by two processes: a master saves and exits, the next one loads the record', async () => {
  const prefix = newPrefix()
  const saved = await runMaster('save', prefix)
  assert.match(saved, /^saved pid=\d+$/)
  const printed = JSON.parse(await runMaster('load', prefix)) as { pid: number; v: unknown; s: never }
  assert.is.not(`saved pid=${printed.pid}`, saved, 'the two masters were the same process')
  assert.ok(isDeepStrictEqual(decodeValue(printed.v, printed.s), richRecord(7)), 'the second master loaded something else')
})

store('deletes a record, and a later save starts it again', async () => {
  const actors = newStore()
  await actors.save({ kind: 'k', id: '1', seq: 9, snapshot: 1 })
  await actors.delete('k', '1')
  assert.is(await actors.load('k', '1'), undefined)
  await actors.save({ kind: 'k', id: '1', seq: 1, snapshot: 2 })
  assert.equal(await actors.load('k', '1'), { kind: 'k', id: '1', seq: 1, snapshot: 2 })
  await actors.delete('k', 'never-saved')
})

store('keeps stores with different prefixes apart, and a kind with a colon apart from an id with one', async () => {
  const one = newStore()
  const two = newStore()
  await one.save({ kind: 'k', id: '1', seq: 1, snapshot: 'one' })
  await two.save({ kind: 'k', id: '1', seq: 2, snapshot: 'two' })
  await two.delete('k', '1')
  assert.equal(await one.load('k', '1'), { kind: 'k', id: '1', seq: 1, snapshot: 'one' })
  await one.save({ kind: 'a:b', id: 'c', seq: 1, snapshot: 'kind a:b' })
  await one.save({ kind: 'a', id: 'b:c', seq: 1, snapshot: 'kind a' })
  assert.is((await one.load('a:b', 'c'))!.snapshot, 'kind a:b')
  assert.is((await one.load('a', 'b:c'))!.snapshot, 'kind a')
})

store('names the actor when its record is too large, its key too long or a value cannot be stored', async () => {
  const actors = newStore({ maxValueBytes: 1000 })
  const tooLarge = await rejectionOf(actors.save({ kind: 'order', id: 'big', seq: 1, snapshot: 'x'.repeat(1000) }))
  assert.instance(tooLarge, ActorStoreError)
  assert.is(tooLarge.code, 'ERR_ACTOR_STORE_TOO_LARGE')
  assert.is(
    tooLarge.message,
    'The Redis actor store cannot save actor "order"/"big": its snapshot and input encode to 1015 bytes, over the 1000-byte limit; ' +
      "keep less in the machine's context or raise `maxValueBytes`.",
  )
  const longKey = await rejectionOf(actors.load('order', 'i'.repeat(MAX_KEY_BYTES)))
  assert.is(longKey.code, 'ERR_ACTOR_STORE_TOO_LARGE')
  assert.match(
    longKey.message,
    /^The Redis actor store cannot load actor "order"\/"i{80}"… \(1024 characters\): its key is \d+ bytes, over the 1024-byte limit; use shorter actor ids \(a hash of a long one\)\.$/,
  )
  class Cart {
    #items: string[] = ['a']
    get size() {
      return this.#items.length
    }
  }
  const unencodable = await rejectionOf(actors.save({ kind: 'order', id: '1', seq: 1, snapshot: { context: { cart: new Cart() } } }))
  assert.is(unencodable.code, 'ERR_ACTOR_STORE_ENCODE')
  assert.is(
    unencodable.message,
    'The Redis actor store cannot save actor "order"/"1": record.snapshot.context.cart is an instance of class Cart, which cannot be encoded ' +
      '(it would arrive as a plain object of its own enumerable fields, without its class, methods or #private fields): send an object ' +
      "of its fields instead, or give the class a toJSON() method; keep plain data in the machine's context.",
  )
  const invalid = await rejectionOf(actors.save({ kind: 'order', id: '1', seq: 1.5, snapshot: 1 }))
  assert.is(invalid.code, 'ERR_ACTOR_STORE_INVALID')
  assert.is(invalid.message, 'The Redis actor store cannot save actor "order"/"1": seq must be a non-negative integer, got 1.5.')
})

store('refuses a hash it did not write, or a key of another type, naming the actor', async () => {
  const prefix = newPrefix()
  const actors = newStore({ prefix })
  await redis.hset(`${prefix}order:bad`, 'seq', '3', 'data', '{"f":99}')
  const error = await rejectionOf(actors.load('order', 'bad'))
  assert.is(error.code, 'ERR_ACTOR_STORE_CORRUPT')
  assert.is(
    error.message,
    `The Redis actor store cannot load actor "order"/"bad": the hash at key "${prefix}order:bad" holds data that does not decode ` +
      '(format 99 where 1 was expected); it was not written by this version of the store (or was changed by hand): delete the key or fix it.',
  )
  await redis.set(`${prefix}order:string`, 'not a hash')
  // (Inside the save script Redis adds the script's sha and line, which vary with its version.)
  const wrongSave = await rejectionOf(actors.save({ kind: 'order', id: 'string', seq: 1, snapshot: {} }))
  assert.is(wrongSave.code, 'ERR_ACTOR_STORE_CORRUPT')
  assert.match(wrongSave.message, /^The Redis actor store could not save actor "order"\/"string": Redis answered "WRONGTYPE /)
  const wrongType = await rejectionOf(actors.load('order', 'string'))
  assert.is(wrongType.code, 'ERR_ACTOR_STORE_CORRUPT')
  assert.is(
    wrongType.message,
    'The Redis actor store could not load actor "order"/"string": Redis answered "WRONGTYPE Operation against a key holding the wrong kind of value" ' +
      `(Redis at ${REDIS_URL}); the key holds a value of another type: another program writes under this prefix; give the store a prefix of its own.`,
  )
})

store('fails each call with the connection error when Redis is down, and refuses calls after close()', async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const port = (probe.address() as { port: number }).port
  probe.close()
  await once(probe, 'close')
  const down = createRedisActorStore({ redis: `redis://:secret@127.0.0.1:${port}`, prefix: newPrefix() })
  stores.push(down)
  for (const [operation, call] of [
    ['save', () => down.save({ kind: 'order', id: 'order-42', seq: 1, snapshot: {} })],
    ['load', () => down.load('order', 'order-42')],
    ['delete', () => down.delete('order', 'order-42')],
  ] as const) {
    const error = await rejectionOf(call())
    assert.instance(error, ActorStoreError)
    assert.is(error.code, 'ERR_ACTOR_STORE_UNAVAILABLE')
    assert.is(
      error.message,
      `The Redis actor store could not ${operation} actor "order"/"order-42": connect ECONNREFUSED 127.0.0.1:${port} ` +
        `(Redis at redis://:***@127.0.0.1:${port}); check that Redis is running and reachable, then retry.`,
    )
    assert.equal([error.kind, error.id, error.operation], ['order', 'order-42', operation])
    assert.match((error.cause as Error).message, /^Reached the max retries per request limit \(which is 1\)/)
  }
  const actors = newStore()
  await actors.close!()
  const closed = await rejectionOf(actors.load('order', 'order-42'))
  assert.is(closed.code, 'ERR_ACTOR_STORE_CLOSED')
  assert.is(closed.message, 'The Redis actor store was closed; it cannot load actor "order"/"order-42".')
})

store('works over a client the caller owns, and leaves it open on close()', async () => {
  const own = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  const actors = createRedisActorStore({ redis: own, prefix: newPrefix() })
  await actors.save({ kind: 'k', id: '1', seq: 1, snapshot: new Map([[1, 2n]]) })
  await actors.close!()
  assert.is(await own.ping(), 'PONG')
  await own.quit()
})

store.run()

// --- needs no Redis ---------------------------------------------------------------------------

const alone = suite('redis actor store, without ioredis')

alone('loads without ioredis installed, and a store given a URL then says to install it', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', fixture('without-ioredis.ts'), fixture('redis-store-no-ioredis.ts')],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let stdout = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null]
  assert.equal([code, signal], [0, null])
  assert.equal(JSON.parse(stdout), {
    exports: 'function',
    ioredis: 'ERR_MODULE_NOT_FOUND',
    error: {
      name: 'ActorStoreError',
      code: 'ERR_ACTOR_STORE_NO_CLIENT',
      message:
        'createRedisActorStore({ redis: url }) needs the `ioredis` package, an optional peer dependency of xcluster: ' +
        'install it (`npm install ioredis`), or pass a client you created (load of actor "order"/"order-42").',
      cause: 'ERR_MODULE_NOT_FOUND',
    },
  })
})

alone.run()
