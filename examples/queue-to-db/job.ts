/**
 * The job format: one stream entry per job, with a single field `job` holding UTF-8 JSON
 * `{ "id": string, "name": string, "amount": integer }`. The id is chosen by the producer and
 * is the table's primary key, so a job delivered twice is stored once.
 */

/** One job, as stored in the table. */
export interface Job {
  /** The producer's id: 1 to 64 characters of `A-Z a-z 0-9 _ - . :`. */
  id: string
  /** Up to 200 characters. */
  name: string
  /** A safe integer (for example an amount in cents). */
  amount: number
}

/** Why an entry was refused; the value of the dead-letter entry's `reason` field. */
export type JobRejection = 'invalid-json' | 'wrong-shape'

export type JobParseResult = { ok: true; job: Job } | { ok: false; reason: JobRejection; detail: string }

/** The stream entry field that carries the job's JSON. */
export const JOB_FIELD = 'job'

const ID = /^[A-Za-z0-9_.:-]{1,64}$/
const KEYS = new Set(['id', 'name', 'amount'])
const utf8 = new TextDecoder('utf-8', { fatal: true })

function refuse(reason: JobRejection, detail: string): JobParseResult {
  return { ok: false, reason, detail }
}

/**
 * Validates the bytes of one job. Never throws: every problem becomes a rejection whose
 * `detail` says what was wrong, for the dead-letter stream.
 *
 * @example
 * parseJob(Buffer.from('{"id":"a1","name":"x","amount":5}')) // { ok: true, job: { id: 'a1', … } }
 * parseJob(Buffer.from('{oops'))                               // { ok: false, reason: 'invalid-json', … }
 */
export function parseJob(bytes: Uint8Array): JobParseResult {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    return refuse('invalid-json', 'the job is not valid UTF-8')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return refuse('invalid-json', (error as Error).message)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return refuse('wrong-shape', `expected an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`)
  }
  // Own keys only: JSON.parse keeps "__proto__" as an own key, and it is refused here like any unknown key.
  const unknown = Object.keys(value).filter((key) => !KEYS.has(key))
  if (unknown.length > 0) return refuse('wrong-shape', `unknown field(s): ${unknown.join(', ')}`)
  const { id, name, amount } = value as Record<string, unknown>
  if (typeof id !== 'string' || !ID.test(id)) {
    return refuse('wrong-shape', 'expected "id" to be 1 to 64 characters of A-Z a-z 0-9 _ - . :')
  }
  if (typeof name !== 'string' || name.length > 200) {
    return refuse('wrong-shape', 'expected "name" to be a string of at most 200 characters')
  }
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    return refuse('wrong-shape', 'expected "amount" to be a safe integer')
  }
  return { ok: true, job: { id, name, amount } }
}

/** Finds the `job` field among a stream entry's `[field, value, field, value, …]`. */
export function findJobField(fields: readonly Buffer[]): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i]!.toString('latin1') === JOB_FIELD) return fields[i + 1]
  }
  return undefined
}
