/**
 * The Redis store's connection: its own ioredis client (imported only here, only when a URL is
 * given: ioredis is an optional peer dependency) and the errors of failed commands.
 */
import { ActorStoreError, describeActor, type ActorStoreOperation } from './actor-store-error.js'

/**
 * The part of an ioredis client the store uses; an ioredis `Redis` (v5 or v6) fits it. Typed
 * structurally so the declarations of xcluster do not depend on ioredis being installed.
 */
export interface XclusterRedisClient {
  call(command: string, ...args: (string | number | Buffer)[]): Promise<unknown>
  quit(): Promise<unknown>
}

const COMMAND_TIMEOUT = 5_000 // ms, for the store's own client

/** The store's own client, and the last connection error it saw (for the message of a failed call). */
export interface OwnClient {
  client: XclusterRedisClient
  lastError: string | undefined
}

/** A client for `url`, with the store's settings: fail a call after one reconnection attempt, a command after 5 s. */
export async function connect(url: string): Promise<OwnClient> {
  const ioredis = await import('ioredis')
  const client = new ioredis.Redis(url, { maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT, connectTimeout: 2_000 })
  const own: OwnClient = { client, lastError: undefined }
  // Without a listener ioredis prints every failed reconnection attempt.
  client.on('error', (error: Error) => (own.lastError = error.message))
  client.on('ready', () => (own.lastError = undefined))
  return own
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'the given URL'
  }
}

/**
 * The error for a command that failed: Redis answered with an error (a reply error: it is up, but
 * refused), or the client gave up (down, unreachable, timed out). A timed-out save may still have
 * been applied; a save is idempotent, so retrying it is safe.
 */
export function describeFailure(
  operation: ActorStoreOperation,
  kind: string,
  id: string,
  where: string,
  error: unknown,
  lastConnectError: string | undefined,
): ActorStoreError {
  const actor = describeActor(kind, id)
  const message = error instanceof Error ? error.message : String(error)
  if (error instanceof Error && error.name === 'ReplyError') {
    const isWrongType = message.startsWith('WRONGTYPE')
    return new ActorStoreError(
      `The Redis actor store could not ${operation} actor ${actor}: Redis answered "${message.slice(0, 200)}" (Redis at ${where}); ` +
        (isWrongType
          ? 'the key holds a value of another type: another program writes under this prefix; give the store a prefix of its own.'
          : 'fix what Redis reports (memory, permissions, a read-only replica).'),
      isWrongType ? 'ERR_ACTOR_STORE_CORRUPT' : 'ERR_ACTOR_STORE_UNAVAILABLE',
      { kind, id, operation, cause: error },
    )
  }
  // The store's own client knows why it cannot connect; the command's error only says it gave up.
  return new ActorStoreError(
    `The Redis actor store could not ${operation} actor ${actor}: ${lastConnectError ?? message} (Redis at ${where}); ` +
      'check that Redis is running and reachable, then retry.',
    'ERR_ACTOR_STORE_UNAVAILABLE',
    { kind, id, operation, cause: error },
  )
}
