/**
 * An actor store in Redis, so actors outlive the master as well as their workers: a master that
 * restarts loads each actor's last record from where the previous one saved it.
 *
 * Layout: one hash per actor at `<prefix><kind, URI-encoded>:<id>` with the fields `seq` (the
 * record's sequence number, as decimal text) and `data` (the record, encoded). A Lua script
 * compares `seq` and writes in one step, so a stale save loses even when two masters, or two
 * connections of one, race. Values go through the RPC codec (src/rpc/codec.ts): the same values
 * that can cross the wire can be stored (Dates, Maps, Sets, BigInts, typed arrays, -0, NaN…),
 * refused the same way (functions, class instances), and decoded without prototype pollution.
 * superjson alone would carry fewer types exactly (typed arrays lose NaN and -0 through JSON) and
 * cost 10–40x more per record (bench/fixtures/codec-micro.ts).
 *
 * `ioredis` is an optional peer dependency: it is imported only when a URL is given, and the
 * exported types name no ioredis type, so users of other stores neither install nor type-check it.
 */
import { createHash } from 'node:crypto'
import type { XclusterActorStore } from './actor-store.js'
import { ActorStoreError, describeActor, type ActorStoreOperation } from './actor-store-error.js'
import { connect, describeFailure, redactUrl, type OwnClient } from './redis-connection.js'
import type { XclusterRedisClient } from './redis-connection.js'

export type { XclusterRedisClient }
import { decodeRecord, encodeRecord } from './redis-record.js'

/** Options of {@link createRedisActorStore}. */
export interface XclusterRedisActorStoreOptions {
  /**
   * A client, or a URL for a client the store creates (and quits on `close()`). A client you pass
   * stays yours: `close()` leaves it open. Its retry settings decide how long a call waits while
   * Redis is down (ioredis' `maxRetriesPerRequest`); the store's own client fails a call after
   * one reconnection attempt and times a command out after 5 s, so no save waits forever.
   */
  redis: XclusterRedisClient | string
  /**
   * Prefix of every key; two clusters sharing a Redis need different prefixes.
   * @default 'xcluster:actor:'
   */
  prefix?: string
  /**
   * Largest encoded record (snapshot and input), in bytes; a larger one is refused on `save()`.
   * @default 4_194_304 (4 MiB, the RPC `maxPayload` default: a snapshot arrives within it)
   */
  maxValueBytes?: number
}

const DEFAULT_PREFIX = 'xcluster:actor:'
const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024
/** Longest key, prefix included, in bytes: Redis allows 512 MiB, but an id that long is a bug. @internal */
export const MAX_KEY_BYTES = 1024

// Returns -1 when written, or the stored seq that made this save stale. Equal seqs overwrite: a
// record saved again after a retry is the same record.
const SAVE_SCRIPT = `local stored = redis.call('HGET', KEYS[1], 'seq')
if stored and tonumber(stored) > tonumber(ARGV[1]) then return tonumber(stored) end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'data', ARGV[2])
return -1`
const SAVE_SHA = createHash('sha1').update(SAVE_SCRIPT).digest('hex')

/**
 * Creates an actor store that keeps records in Redis, so actors survive a restart of the master.
 *
 * @example
 * ```ts
 * import { createRedisActorStore, supervise } from 'xcluster'
 * const store = createRedisActorStore({ redis: 'redis://127.0.0.1:6379', prefix: 'shop:actor:' })
 * const cluster = supervise({ worker: './worker.ts', actors: { store } })
 * ```
 */
export function createRedisActorStore(options: XclusterRedisActorStoreOptions): XclusterActorStore {
  const { redis } = options
  const prefix = options.prefix ?? DEFAULT_PREFIX
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES
  if (typeof redis !== 'string' && typeof (redis as Partial<XclusterRedisClient> | null)?.call !== 'function') {
    throw new TypeError('createRedisActorStore(): `redis` must be an ioredis client or a redis:// URL')
  }
  if (typeof prefix !== 'string' || Buffer.byteLength(prefix) > MAX_KEY_BYTES / 2) {
    throw new TypeError(`createRedisActorStore(): \`prefix\` must be a string of at most ${MAX_KEY_BYTES / 2} bytes`)
  }
  if (!Number.isSafeInteger(maxValueBytes) || maxValueBytes <= 0) {
    throw new TypeError('createRedisActorStore(): `maxValueBytes` must be a positive integer')
  }
  // Connected on first use, so that creating a store costs nothing and cannot fail late and unseen.
  let ownClient: Promise<OwnClient> | undefined
  const where = typeof redis === 'string' ? redactUrl(redis) : 'the given client'
  let isClosed = false

  const client = async (operation: ActorStoreOperation, kind: string, id: string): Promise<XclusterRedisClient> => {
    if (isClosed) {
      throw new ActorStoreError(
        `The Redis actor store was closed; it cannot ${operation} actor ${describeActor(kind, id)}.`,
        'ERR_ACTOR_STORE_CLOSED',
        { kind, id, operation },
      )
    }
    if (typeof redis !== 'string') return redis
    ownClient ??= connect(redis)
    try {
      return (await ownClient).client
    } catch (error) {
      ownClient = undefined
      throw new ActorStoreError(
        'createRedisActorStore({ redis: url }) needs the `ioredis` package, an optional peer dependency of xcluster: ' +
          `install it (\`npm install ioredis\`), or pass a client you created (${operation} of actor ${describeActor(kind, id)}).`,
        'ERR_ACTOR_STORE_NO_CLIENT',
        { kind, id, operation, cause: error },
      )
    }
  }
  const run = async <T>(
    operation: ActorStoreOperation,
    kind: string,
    id: string,
    command: (client: XclusterRedisClient) => Promise<T>,
  ): Promise<T> => {
    const target = await client(operation, kind, id)
    try {
      return await command(target)
    } catch (error) {
      throw describeFailure(operation, kind, id, where, error, ownClient && (await ownClient).lastError)
    }
  }
  const keyOf = (operation: ActorStoreOperation, kind: string, id: string): string => {
    if (typeof kind !== 'string' || typeof id !== 'string') {
      throw new ActorStoreError(`Redis actor store ${operation}(): kind and id must be strings.`, 'ERR_ACTOR_STORE_INVALID', { operation })
    }
    // The kind is URI-encoded so that its `:` cannot shift into the id: ('a:b', 'c') ≠ ('a', 'b:c').
    const key = `${prefix}${encodeURIComponent(kind)}:${id}`
    const size = Buffer.byteLength(key)
    if (size > MAX_KEY_BYTES) {
      throw new ActorStoreError(
        `The Redis actor store cannot ${operation} actor ${describeActor(kind, id)}: its key is ${size} bytes, over the ` +
          `${MAX_KEY_BYTES}-byte limit; use shorter actor ids (a hash of a long one).`,
        'ERR_ACTOR_STORE_TOO_LARGE',
        { kind, id, operation },
      )
    }
    return key
  }

  return {
    async load(kind, id) {
      const key = keyOf('load', kind, id)
      const [seq, data] = (await run('load', kind, id, (c) => c.call('hmget', key, 'seq', 'data'))) as [unknown, unknown]
      if (seq === null && data === null) return undefined
      return decodeRecord(key, kind, id, seq, data, maxValueBytes)
    },
    async save(record) {
      const { kind, id, seq } = record
      const key = keyOf('save', kind, id)
      if (!Number.isSafeInteger(seq) || seq < 0) {
        throw new ActorStoreError(
          `The Redis actor store cannot save actor ${describeActor(kind, id)}: seq must be a non-negative integer, got ${String(seq).slice(0, 40)}.`,
          'ERR_ACTOR_STORE_INVALID',
          { kind, id, operation: 'save' },
        )
      }
      const data = encodeRecord(record, maxValueBytes)
      await run('save', kind, id, async (c) => {
        try {
          return await c.call('evalsha', SAVE_SHA, 1, key, seq, data)
        } catch (error) {
          // Redis forgets scripts on restart or SCRIPT FLUSH; EVAL loads it again.
          if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
          return c.call('eval', SAVE_SCRIPT, 1, key, seq, data)
        }
      })
    },
    async delete(kind, id) {
      const key = keyOf('delete', kind, id)
      await run('delete', kind, id, (c) => c.call('del', key))
    },
    async close() {
      if (isClosed) return
      isClosed = true
      if (ownClient === undefined) return
      const { client } = await ownClient
      // quit() waits for the replies of commands already sent; disconnect if Redis is gone.
      await client.quit().catch(() => (client as { disconnect?: () => void }).disconnect?.())
    },
  }
}
