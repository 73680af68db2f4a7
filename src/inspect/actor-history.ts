/**
 * What the view remembers of one actor for its history panel: the events it received (with a
 * short summary of their payload), its transitions with reasons, and, for a worker that died
 * unexpectedly, a crash record. Everything is bounded and built from already-sanitised values.
 */
import type { TransitionEntry } from './state-rows.js'

/** Events and transitions kept per actor, unless told fewer. */
const MAX_ITEMS = 60
/** Longest payload summary, in characters. */
const MAX_SUMMARY = 160
/** Keys of one payload shown; the rest are counted. */
const MAX_KEYS = 6
const MAX_VALUE = 40

/** One received event; repeats of the same type in a row are counted, not stored again. */
export interface HistoryEvent {
  at: number
  type: string
  /** `{ pid: 123, workerId: 4 }`, with long values cut and nested objects as `{…}`. */
  summary: string
  count: number
}

/** What was known of a worker when it died unexpectedly. */
export interface CrashRecord {
  at: number
  exitCode: number | null
  exitSignal: string | null
  reason: string | null
  /** The states it was in just before it exited. */
  lastStates: string[]
  uptimeMs: number
  /** The last heartbeat's payload summary, if it sent any. */
  lastHeartbeat: string | null
  /** The events it received last, oldest first. */
  lastEvents: HistoryEvent[]
}

export interface ActorHistory {
  /** Most events (and, apart, transitions) kept. */
  maxItems: number
  events: HistoryEvent[]
  transitions: TransitionEntry[]
  crash: CrashRecord | null
}

/** Creates an empty history keeping at most `maxItems` events and as many transitions. */
export function createActorHistory(maxItems = MAX_ITEMS): ActorHistory {
  return { maxItems: Math.min(maxItems, MAX_ITEMS), events: [], transitions: [], crash: null }
}

/** Records one received event. */
export function recordEvent(history: ActorHistory, event: unknown, at: number): void {
  const type = readType(event)
  if (type === null) return
  const summary = summarizePayload(event)
  const last = history.events[history.events.length - 1]
  if (last && last.type === type) {
    last.count += 1
    last.at = at
    last.summary = summary
    return
  }
  history.events.push({ at, type, summary, count: 1 })
  if (history.events.length > history.maxItems) history.events.splice(0, history.events.length - history.maxItems)
}

/** Records one transition. */
export function recordTransition(history: ActorHistory, entry: TransitionEntry): void {
  history.transitions.push(entry)
  if (history.transitions.length > history.maxItems) history.transitions.splice(0, history.transitions.length - history.maxItems)
}

/** Whether an exit was a crash: not asked for, and by a signal or a non-zero code. */
export function isCrash(exit: { exitCode: number | null; exitSignal: string | null; expected: boolean | null }): boolean {
  if (exit.expected === true) return false
  return exit.exitSignal !== null || (exit.exitCode !== null && exit.exitCode !== 0)
}

/** Builds the crash record from what the history holds. */
export function recordCrash(history: ActorHistory, crash: Omit<CrashRecord, 'lastHeartbeat' | 'lastEvents'>): void {
  const heartbeat = [...history.events].reverse().find((e) => e.type === 'process.heartbeat')
  history.crash = {
    ...crash,
    lastHeartbeat: heartbeat ? heartbeat.summary : null,
    lastEvents: history.events.slice(-8).map((e) => ({ ...e })),
  }
}

/** `{ pid: 123, signal: "SIGKILL" }`: own keys but `type`, primitives shown, the rest abridged. */
export function summarizePayload(event: unknown): string {
  if (event === null || typeof event !== 'object') return ''
  const keys = Object.keys(event).filter((k) => k !== 'type')
  if (keys.length === 0) return ''
  const parts = keys.slice(0, MAX_KEYS).map((key) => `${cut(key, MAX_VALUE)}: ${summarizeValue((event as Record<string, unknown>)[key])}`)
  if (keys.length > MAX_KEYS) parts.push(`+${keys.length - MAX_KEYS} more`)
  return cut(`{ ${parts.join(', ')} }`, MAX_SUMMARY)
}

function summarizeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(cut(value, MAX_VALUE))
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return `[${value.length}]`
  if (typeof value === 'object') {
    // One level deeper for small flat objects such as a heartbeat sample: { rss, heapUsed }.
    const entries = Object.entries(value as object).slice(0, 4)
    if (entries.every(([, v]) => typeof v === 'number' || typeof v === 'boolean' || v === null)) {
      return `{ ${entries.map(([k, v]) => `${cut(k, MAX_VALUE)}: ${String(v)}`).join(', ')}${Object.keys(value as object).length > 4 ? ', …' : ''} }`
    }
    return '{…}'
  }
  return typeof value
}

function readType(event: unknown): string | null {
  if (event === null || typeof event !== 'object') return null
  const type = (event as { type?: unknown }).type
  return typeof type === 'string' ? cut(type, 200) : null
}

function cut(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value
}
