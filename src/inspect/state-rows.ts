/**
 * The shapes the state table keeps and the page reads: one row per machine actor, one entry per
 * transition. Their own file, so the table and the helpers that fill them (state-fields.ts,
 * actor-history.ts) import the shapes, not each other.
 */

/** What the view shows of one machine actor. */
export interface ActorRow {
  /** XState's `sessionId`, unique within the process. */
  sessionId: string
  parentId: string | null
  /** The actor's id within its parent (invoke/spawn id, or the root's session id). */
  actorId: string
  /** The machine's own `id` ('worker', 'supervisor', 'slot', …). */
  machineId: string
  /** `supervisor` for the root actor, `worker` for worker machines, `actor` for the rest. */
  kind: 'supervisor' | 'worker' | 'actor'
  /** Increases with every change of this row; a client ignores a row older than the one it holds. */
  seq: number
  /** Active leaf state paths, such as `['disconnecting.draining']`; empty before the first snapshot. */
  states: string[]
  status: string
  reason: string | null
  pid: number | null
  workerId: number | null
  slotId: string | null
  incarnation: number | null
  generation: number | null
  restarts: number | null
  /** The process's exit (worker machines), once it exited. */
  exitCode: number | null
  exitSignal: string | null
  /** Whether the end was asked for (a stop), as the worker machine says. */
  expected: boolean | null
  /** Which drawn chart shows this actor's machine, or null when none is drawn. */
  chart: string | null
  /** The type of the last event its snapshot followed (`xstate.init` at first), truncated. */
  lastEvent: string | null
  /** Epoch ms when the actor was created, and when it stopped or reached a final state. */
  startedAt: number
  endedAt: number | null
}

/** One line of the transition log. */
export interface TransitionEntry {
  /** Global order in which this process saw the transition. */
  seq: number
  at: number
  sessionId: string
  kind: ActorRow['kind']
  machineId: string
  /** The actor's id, so the log can name an actor the page does not hold (the actor list stays on the server). */
  actorId: string
  /** The chart of its machine, so the page can mark the arrow taken without holding the actor's row. */
  chart: string | null
  workerId: number | null
  pid: number | null
  slotId: string | null
  from: string[]
  to: string[]
  fromStatus: string | null
  toStatus: string
  /** The type of the event that caused it. */
  event: string
  reason: string | null
  /** Set on a worker's end: the exit, and whether it was a crash (not asked for; a signal or code ≠ 0). */
  exitCode: number | null
  exitSignal: string | null
  isCrash: boolean
  /**
   * For a crash right after an unrequested `process.disconnect` (a SIGKILL closes the IPC channel
   * a moment before the exit), the states before that disconnect: the worker was `listening`
   * when it died, not closing down.
   */
  crashedFrom: string[] | null
}
