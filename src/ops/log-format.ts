import type { XclusterLogLine } from './log-buffer.js'

/**
 * How worker lines are written:
 * - `raw`: as the worker wrote them (the master's output looks as if the workers shared it);
 * - `prefixed`: `[web #3 pid 4242] listening`: app (or `worker`), node:cluster worker id and pid,
 *   named as the live view names workers (`worker #3 (pid 4242)`);
 * - `json`: one JSON object a line: `time` (ISO), `app` when known, `worker`, `slot`, `pid`,
 *   `generation`, `stream`, `line`.
 */
export type XclusterLogFormat = 'raw' | 'prefixed' | 'json'

export const LOG_FORMATS: readonly XclusterLogFormat[] = ['raw', 'prefixed', 'json']

/**
 * One captured line in `format`, without a newline. `app` names the app in prefixed and JSON
 * lines (the CLI passes its `--name`); without it a prefix says `worker`.
 *
 * @example
 * formatLogLine({ time, workerId: 3, slotId: 'slot-1', pid: 4242, generation: 0, stream: 'stdout', line: 'listening' }, 'prefixed', 'web')
 * // → '[web #3 pid 4242] listening'
 */
export function formatLogLine(entry: XclusterLogLine, format: XclusterLogFormat, app?: string): string {
  switch (format) {
    case 'raw':
      return entry.line
    case 'prefixed':
      return `[${app ?? 'worker'} #${entry.workerId} pid ${entry.pid}] ${entry.line}`
    case 'json':
      // JSON.stringify escapes control characters and lone surrogates: a line cannot forge another.
      return (
        `{"time":"${isoTime(entry.time)}"${app === undefined ? '' : `,"app":${JSON.stringify(app)}`}` +
        `,"worker":${entry.workerId},"slot":${JSON.stringify(entry.slotId)},"pid":${entry.pid},"generation":${entry.generation}` +
        `,"stream":"${entry.stream}","line":${JSON.stringify(entry.line)}}`
      )
  }
}

// The lines of one chunk share their time, and toISOString() cost 1.6 µs a call on Node 20 here.
let lastTime = Number.NaN
let lastIso = ''
function isoTime(time: number): string {
  if (time !== lastTime) {
    lastTime = time
    lastIso = new Date(time).toISOString()
  }
  return lastIso
}
