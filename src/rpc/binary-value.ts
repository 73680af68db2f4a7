/**
 * Binary values on the wire: a Buffer, every typed array, an ArrayBuffer or a DataView travels as
 * `[type name, base64 of its bytes]`. Bytes, not numbers: JSON has no NaN, -0 or ±Infinity, so a
 * Float64Array sent as a number list arrived as zeros, and base64 carries a NaN's payload bits
 * too. A view carries only the bytes it sees (not the rest of a pooled Buffer's memory) and
 * arrives over a buffer of its own; a Buffer arrives as a Buffer.
 */

/** The types carried, by the name that travels. A null prototype: names from the wire are looked up here. */
const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView & { BYTES_PER_ELEMENT: number }> = Object.assign(
  Object.create(null) as Record<string, never>,
  {
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  },
  // Node 24 has Float16Array; carry it where the runtime knows it.
  'Float16Array' in globalThis ? { Float16Array: (globalThis as Record<string, unknown>).Float16Array as never } : {},
)

const NAME_OF = new Map<object, string>([
  [Buffer.prototype, 'Buffer'],
  [ArrayBuffer.prototype, 'ArrayBuffer'],
  [DataView.prototype, 'DataView'],
  ...Object.entries(TYPED_ARRAYS).map(([name, Type]) => [Type.prototype, name] as [object, string]),
])

/** The wire name of a binary value's exact type (subclasses are not binary values), or undefined. */
export function binaryTypeName(prototype: object): string | undefined {
  return NAME_OF.get(prototype)
}

/** `[name, base64]` for a value whose prototype {@link binaryTypeName} named. */
export function encodeBinary(value: ArrayBufferView | ArrayBuffer, name: string): [string, string] {
  const bytes = ArrayBuffer.isView(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : Buffer.from(value)
  return [name, bytes.toString('base64')]
}

/**
 * Rebuilds what {@link encodeBinary} produced. Input is untrusted: `fail` is called with what is
 * wrong with it (and must throw).
 */
export function decodeBinary(json: unknown, fail: (why: string) => never): unknown {
  if (!Array.isArray(json) || json.length !== 2 || typeof json[0] !== 'string' || typeof json[1] !== 'string') {
    fail('a binary value that is not a [type, base64] pair')
  }
  const [name, text] = json as [string, string]
  const bytes = Buffer.from(text, 'base64')
  // Buffer.from skips what is not base64: a text that does not encode back to itself was not
  // written by encodeBinary, and is refused instead of decoded to other bytes. (A regular
  // expression took 13–80 ms per MiB here; this takes about 1.)
  if (bytes.toString('base64') !== text) fail(`${JSON.stringify(name.slice(0, 40))} bytes that are not base64`)
  if (name === 'Buffer') return bytes
  // A copy into a buffer of its own: a Buffer from base64 may sit at an unaligned offset of a
  // shared pool, where a Float64Array cannot be made.
  const buffer = new ArrayBuffer(bytes.length)
  new Uint8Array(buffer).set(bytes)
  if (name === 'ArrayBuffer') return buffer
  if (name === 'DataView') return new DataView(buffer)
  const Type = TYPED_ARRAYS[name]
  if (Type === undefined) fail(`an unknown binary type ${JSON.stringify(name.slice(0, 40))} (not a typed array of this runtime)`)
  const width = (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
  if (bytes.length % width !== 0) fail(`${bytes.length} bytes, not a whole number of ${name} items`)
  return new Type!(buffer)
}
