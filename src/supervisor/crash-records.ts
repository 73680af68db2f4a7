import type { HealthSample, ProcessInput } from '../../machines/types.js'
import type { CrashRecord, WorkerExitEvent } from './events.js'
import type { TransitionEvent } from './worker-table.js'

const TRANSITIONS_KEPT = 20 // per slot

/**
 * What the master keeps of each worker so that an unexpected exit can say what it knew: the
 * slot's last transitions, the calls in flight when the channel closed, the last heartbeat, the
 * last lines of its stderr.
 */
export class CrashRecorder {
  readonly #transitions = new Map<string, TransitionEvent[]>()
  readonly #heartbeats = new Map<number, CrashRecord['lastHeartbeat']>()
  readonly #callsInFlight = new Map<number, CrashRecord['callsInFlight']>()
  readonly #stderr = new Map<number, Promise<string[]>>()
  /** The stderr lines of each slot's last process that exited, for `SupervisorFailedError`. */
  readonly #lastStderr = new Map<string, Promise<string[]>>()

  noteTransition(transition: TransitionEvent): void {
    const history = this.#transitions.get(transition.slotId) ?? []
    history.push(transition)
    if (history.length > TRANSITIONS_KEPT) history.shift()
    this.#transitions.set(transition.slotId, history)
  }

  noteHeartbeat(workerId: number, sample: HealthSample): void {
    this.#heartbeats.set(workerId, { ...sample, at: Date.now() })
  }

  /** Called as the channel closes, before its pending calls are rejected. */
  noteCallsInFlight(workerId: number, calls: ReadonlyArray<{ method: string; startedAt: number }>): void {
    const now = Date.now()
    this.#callsInFlight.set(
      workerId,
      calls.map((call) => ({ method: call.method, ageMs: now - call.startedAt })),
    )
  }

  /** Called as the process exits, before the machine hears of it; `lines` settle once its stderr ended. */
  noteStderr(input: ProcessInput, workerId: number, lines: Promise<string[]>): void {
    this.#stderr.set(workerId, lines)
    this.#lastStderr.set(input.slotId, lines)
  }

  /** The last stderr lines of the slot's last process that exited ([] when none or nothing written). */
  lastStderr(slotId: string): Promise<string[]> {
    return this.#lastStderr.get(slotId) ?? Promise.resolve([])
  }

  /**
   * Attach the record to an unexpected exit, and forget the process either way. Resolves once the
   * worker's stderr has ended (bounded by `STDERR_DRAIN_TIMEOUT`).
   */
  async complete(event: WorkerExitEvent): Promise<WorkerExitEvent> {
    const workerId = event.workerId ?? -1
    const stderr = this.#stderr.get(workerId)
    if (!event.expected) {
      event.crash = {
        transitions: (this.#transitions.get(event.slotId) ?? []).filter((t) => t.incarnation === event.incarnation),
        callsInFlight: this.#callsInFlight.get(workerId) ?? [],
        lastHeartbeat: this.#heartbeats.get(workerId) ?? null,
        stderr: [],
      }
    }
    this.#heartbeats.delete(workerId)
    this.#callsInFlight.delete(workerId)
    this.#stderr.delete(workerId)
    if (event.crash && stderr) event.crash.stderr = await stderr
    return event
  }
}
