/**
 * What a slot and its supervisor say to each other, and how a slot reads its workers' ends.
 */
import type {
  ExitInfo,
  HealthLimits,
  RestartKind,
  RestartPolicy,
  SupervisorEmitted,
  WorkerOutput,
  WorkerParentEvent,
  WorkerTimeouts,
} from '../types.js'

/** The input of `slotMachine`: one worker position. */
export interface SlotInput {
  slotId: string
  /** Reload generation the slot's first worker runs. */
  generation: number
  policy: RestartPolicy
  timeouts: WorkerTimeouts
  health: HealthLimits
}

/** Commands the supervisor sends a slot. */
export type SlotCommand =
  /** Stop every worker of the slot gracefully; the slot then ends in `stopped`. */
  | { type: 'stop'; reason: string }
  /** Start a worker of `generation`, and once it listens, drain the old one. */
  | { type: 'replace'; generation: number; reason: string }
  /**
   * A reload failed: end on `generation` again with the least churn. A replacement of another
   * generation still starting is cancelled; a serving worker of another generation is replaced
   * new-first; a slot already on `generation` only confirms. Answered, like `replace`, by
   * `slot.replaced` (or `slot.replaceFailed` when the worker of `generation` fails to start).
   */
  | { type: 'rollback'; generation: number; reason: string }
  /** The supervisor's answer to `slot.restartRequest`: the budget allows it. */
  | { type: 'restart.granted' }

/** Events a slot sends its supervisor. */
export type SlotParentEvent =
  /** Emit this event from the root. */
  | { type: 'slot.notify'; event: SupervisorEmitted }
  /**
   * The slot's worker exited and its policy wants a restart: may it spend the budget of its
   * `kind` (start failures: `maxRestarts`; crashes of serving workers: `maxCrashes`)?
   */
  | { type: 'slot.restartRequest'; slotId: string; kind: RestartKind; exit: ExitInfo; reason: string }
  /**
   * A hung worker was killed and replaced at once: a restart all the same, charged to the budget
   * without waiting for a grant (a worker that hangs every time must spend it, not loop forever).
   */
  | { type: 'slot.restartCharged'; slotId: string; exit: ExitInfo; reason: string }
  /**
   * The slot is on `generation`: a replacement listens and the old worker drains, or the slot has
   * no worker and its next start runs `generation`.
   */
  | { type: 'slot.replaced'; slotId: string; generation: number }
  /** A replacement failed to start; the old worker keeps serving. */
  | {
      type: 'slot.replaceFailed'
      slotId: string
      /** The generation of the replacement that failed. */
      generation: number
      reason: string
      /** The generation the slot runs on (that of the worker that keeps serving). */
      servingGeneration: number
    }

/** A worker machine of the slot finished. */
export interface WorkerDoneEvent {
  type: `xstate.done.actor.${string}`
  output: WorkerOutput
}

/** A worker machine of the slot threw (a bug, never a process failure). */
export interface WorkerErrorEvent {
  type: `xstate.error.actor.${string}`
  error: unknown
}

/** Everything a slot holds; `reason` explains the last decision. */
export interface SlotContext extends SlotInput {
  /** The last incarnation number used (the first worker is 1). */
  incarnation: number
  serving: string | null
  candidate: string | null
  candidateGeneration: number
  retiring: string[]
  /** A replacement asked for while none could start yet; started once the slot listens. */
  pendingReplace: { generation: number; reason: string } | null
  /** Restarts since the backoff was last reset (the `n` of `initial * factor^n`). */
  attempt: number
  /** Child ids of live workers that have been up `policy.minUptime` ms since their fork. */
  up: string[]
  /** What the last restart asked for counts as: a start failure (backoff) or a crash (at once). */
  restartKind: RestartKind
  backoffDelay: number
  lastExit: WorkerOutput | null
  reason: string
}

/**
 * Raised by the slot itself `policy.minUptime` ms after it forks worker `incarnation`: if that
 * worker still lives, its exit from now on is a crash, not a start failure.
 */
export interface UptimeEvent {
  type: typeof UPTIME_EVENT
  incarnation: number
}

/** The type of {@link UptimeEvent}. */
export const UPTIME_EVENT = 'slot.uptime'

/** Every event a slot accepts. */
export type SlotEvent = SlotCommand | WorkerParentEvent | WorkerDoneEvent | WorkerErrorEvent | UptimeEvent

/** What a slot outputs once `stopped`. */
export interface SlotOutput {
  slotId: string
  reason: string
}

const DONE_PREFIX = 'xstate.done.actor.'
const ERROR_PREFIX = 'xstate.error.actor.'

/**
 * The child id of a slot's worker incarnation; find the actor in the slot snapshot's `children`.
 *
 * @example
 * toWorkerChildId(3) // → 'worker-3'
 */
export function toWorkerChildId(incarnation: number): string {
  return `worker-${incarnation}`
}

/** The id of the delayed {@link UptimeEvent} of worker `incarnation`, to cancel it when the worker ends. */
export function toUptimeTimerId(incarnation: number): string {
  return `uptime-${incarnation}`
}

/** The child id of the worker a done/error event comes from. */
export function getEndedChildId(event: WorkerDoneEvent | WorkerErrorEvent): string {
  return event.type.startsWith(DONE_PREFIX) ? event.type.slice(DONE_PREFIX.length) : event.type.slice(ERROR_PREFIX.length)
}

/** The worker's output; a machine that threw becomes an unexpected exit with no code or signal. */
export function toWorkerOutput(event: WorkerDoneEvent | WorkerErrorEvent, slotId: string, generation: number): WorkerOutput {
  if ('output' in event) return event.output
  const incarnation = Number(getEndedChildId(event).replace(/^worker-/, ''))
  const message = event.error instanceof Error ? event.error.message : String(event.error)
  return {
    slotId,
    incarnation,
    generation,
    pid: null,
    workerId: null,
    exit: { code: null, signal: null },
    reason: `worker machine failed: ${message}`,
    expected: false,
    startFailed: false,
  }
}
