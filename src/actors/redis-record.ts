/**
 * The `data` field of an actor's hash in the Redis store: the record's snapshot and input,
 * encoded by the RPC codec (so the values that cross the wire can be stored, and are refused the
 * same way), with a format number so a later shape is not misread.
 */
import type { XclusterActorRecord } from './actor-store.js'
import { ActorStoreError, describeActor } from './actor-store-error.js'
import { decodeValue, encodeValue, OversizeValue, UnencodableValue } from '../rpc/codec.js'

/** The version of the `data` field's shape; a record of another version is refused as corrupt. */
const FORMAT = 1

/** The `data` field for `record`, or an ActorStoreError naming the actor. */
export function encodeRecord(record: XclusterActorRecord, maxValueBytes: number): string {
  const { kind, id } = record
  const value = 'input' in record ? { snapshot: record.snapshot, input: record.input } : { snapshot: record.snapshot }
  try {
    const encoded = encodeValue(value, maxValueBytes, 'record')
    return JSON.stringify({ f: FORMAT, v: encoded.v, s: encoded.s })
  } catch (error) {
    if (error instanceof OversizeValue) {
      throw new ActorStoreError(
        `The Redis actor store cannot save actor ${describeActor(kind, id)}: its snapshot and input encode to ${error.size} bytes, ` +
          `over the ${maxValueBytes}-byte limit; keep less in the machine's context or raise \`maxValueBytes\`.`,
        'ERR_ACTOR_STORE_TOO_LARGE',
        { kind, id, operation: 'save' },
      )
    }
    const reason = error instanceof UnencodableValue ? error.reason : String(error)
    throw new ActorStoreError(
      `The Redis actor store cannot save actor ${describeActor(kind, id)}: ${reason}; keep plain data in the machine's context.`,
      'ERR_ACTOR_STORE_ENCODE',
      { kind, id, operation: 'save', cause: error },
    )
  }
}

/** The record from a hash's fields; an ActorStoreError naming the actor and key when they are not ours. */
export function decodeRecord(
  key: string,
  kind: string,
  id: string,
  seq: unknown,
  data: unknown,
  maxValueBytes: number,
): XclusterActorRecord {
  const corrupt = (why: string, cause?: unknown) =>
    new ActorStoreError(
      `The Redis actor store cannot load actor ${describeActor(kind, id)}: the hash at key ${JSON.stringify(key)} ${why}; ` +
        'it was not written by this version of the store (or was changed by hand): delete the key or fix it.',
      'ERR_ACTOR_STORE_CORRUPT',
      cause === undefined ? { kind, id, operation: 'load' } : { kind, id, operation: 'load', cause },
    )
  const number = typeof seq === 'string' ? Number(seq) : Number.NaN
  if (!Number.isSafeInteger(number) || number < 0) throw corrupt('has no valid `seq` field')
  if (typeof data !== 'string') throw corrupt('has no `data` field')
  // Allow the JSON wrapper around a value of the largest size; bounded before it is parsed.
  if (Buffer.byteLength(data) > maxValueBytes + 1024) throw corrupt(`holds ${Buffer.byteLength(data)} bytes, over \`maxValueBytes\``)
  let value: { snapshot: unknown; input?: unknown }
  try {
    const parsed = JSON.parse(data) as { f?: unknown; v?: unknown; s?: unknown }
    if (parsed.f !== FORMAT) throw new Error(`format ${JSON.stringify(parsed.f)} where ${FORMAT} was expected`)
    value = decodeValue(parsed.v, parsed.s as never) as typeof value
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'snapshot')) throw new Error('no snapshot')
  } catch (error) {
    throw corrupt(`holds data that does not decode (${error instanceof Error ? error.message : String(error)})`, error)
  }
  const record: XclusterActorRecord = { kind, id, seq: number, snapshot: value.snapshot }
  if (Object.hasOwn(value, 'input')) record.input = value.input
  return record
}
