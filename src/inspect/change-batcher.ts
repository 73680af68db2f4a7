/**
 * Turns the state table's changes into one `batch` message per interval for the browsers, instead
 * of one message per transition: the cluster's own rows (supervisor, slots, workers: few) in the
 * order they changed, the log's new entries (at most as many as the page keeps), removals, and,
 * when any user actor changed, fresh counts of the actor list (its rows stay on the server; the
 * page asks for the window it shows). With 10,000 busy actors a batch stays the size of the counts.
 */
import type { ActorSummary } from './actor-list.js'
import type { StateTableChange } from './state-table.js'
import type { ActorRow, TransitionEntry } from './state-rows.js'

/** How often a batch is sent while something changed, in ms. */
export const BATCH_INTERVAL = 200
/** Log entries the page keeps: older ones in one batch would be dropped there anyway. */
const MAX_BATCH_TRANSITIONS = 200

/** What the browser gets every `BATCH_INTERVAL` while something changed. */
export interface ChangeBatch {
  rows: ActorRow[]
  transitions: TransitionEntry[]
  removes: string[]
  /** Present when a listed user actor changed (or was added or removed). */
  actors?: ActorSummary
}

export interface ChangeBatcher {
  add(change: StateTableChange): void
  /** Sends what is pending now (a client about to get `init` must not get older changes after it). */
  flush(): void
  close(): void
}

/** Creates a batcher that hands each batch to `send`; `summarize` reads the actor list's counts. */
export function createChangeBatcher(send: (batch: ChangeBatch) => void, summarize: () => ActorSummary): ChangeBatcher {
  let rows: ActorRow[] = []
  let transitions: TransitionEntry[] = []
  let removes: string[] = []
  let isListedDirty = false
  let timer: NodeJS.Timeout | undefined

  function flush(): void {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (rows.length === 0 && transitions.length === 0 && removes.length === 0 && !isListedDirty) return
    const batch: ChangeBatch = { rows, transitions, removes }
    if (isListedDirty) batch.actors = summarize()
    rows = []
    transitions = []
    removes = []
    isListedDirty = false
    send(batch)
  }

  return {
    add(change) {
      if (change.type === 'actor') rows.push(change.row)
      else if (change.type === 'transition') {
        transitions.push(change.entry)
        if (transitions.length > MAX_BATCH_TRANSITIONS) transitions.splice(0, transitions.length - MAX_BATCH_TRANSITIONS)
      } else if (change.type === 'remove') removes.push(change.sessionId)
      else isListedDirty = true
      if (!timer) {
        timer = setTimeout(flush, BATCH_INTERVAL)
        timer.unref()
      }
    },
    flush,
    close() {
      if (timer) clearTimeout(timer)
      timer = undefined
    },
  }
}
