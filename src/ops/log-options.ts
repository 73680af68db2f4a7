import { checkInteger, describeValue, mergeSection } from '../options/check-options.js'
import { DEFAULT_BUFFER_BYTES, DEFAULT_BUFFER_LINES } from './log-buffer.js'
import { LOG_FORMATS, type XclusterLogFormat } from './log-format.js'
import { DEFAULT_MAX_LINE_BYTES } from './log-lines.js'

/**
 * What the master does with its workers' stdout and stderr (`supervise({ logs })`). Each line is
 * captured, kept in a bounded buffer (`cluster.logs()`, `xcluster logs`), emitted as a `'log'`
 * event, and written to the master's own stdout/stderr (a worker's stderr to the master's
 * stderr) in `format`, unless `silent`.
 *
 * @example
 * ```ts
 * supervise({ worker, logs: { format: 'prefixed', name: 'web' } })
 * // stdout: [web #1 pid 4242] listening on 3000
 * ```
 */
export interface XclusterLogOptions {
  /** `raw` (as the worker wrote it), `prefixed` (`[web #3 pid 4242] …`) or `json` (one object a line). @default 'raw' */
  format?: XclusterLogFormat
  /** The app's name, in prefixed and JSON lines. @default none (a prefix says `worker`) */
  name?: string
  /** A longer line is cut here and marked; the rest of it is dropped. @default 16_384 (16 KiB) */
  maxLineBytes?: number
  /** Lines kept for `cluster.logs()`; 0 keeps none. @default 1_000 */
  bufferLines?: number
  /** Bytes of text kept for `cluster.logs()`. @default 1_048_576 (1 MiB) */
  bufferBytes?: number
}

/** @internal `logs` after defaults and checks. */
export type ResolvedLogOptions = Required<Omit<XclusterLogOptions, 'name'>> & { name: string | undefined }

/** @throws TypeError naming the bad `logs.*` option. @internal */
export function resolveLogOptions(value: unknown): ResolvedLogOptions {
  const logs = mergeSection(
    'logs',
    {
      format: 'raw' as XclusterLogFormat,
      name: undefined as string | undefined,
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      bufferLines: DEFAULT_BUFFER_LINES,
      bufferBytes: DEFAULT_BUFFER_BYTES,
    },
    value,
  )
  if (!LOG_FORMATS.includes(logs.format)) {
    throw new TypeError(
      `Expected \`logs.format\` to be one of ${LOG_FORMATS.map((f) => `'${f}'`).join(', ')}, got ${describeValue(logs.format)}`,
    )
  }
  if (logs.name !== undefined && typeof logs.name !== 'string') {
    throw new TypeError(`Expected \`logs.name\` to be a string, got ${describeValue(logs.name)}`)
  }
  // A cut line still needs room for a character and the marker's meaning: 64 bytes at least.
  checkInteger('logs.maxLineBytes', logs.maxLineBytes, 64)
  checkInteger('logs.bufferLines', logs.bufferLines, 0)
  checkInteger('logs.bufferBytes', logs.bufferBytes, 0)
  return logs
}
