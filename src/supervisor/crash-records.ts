import type { HealthSample } from '../../machines/types.js'
import type { CrashRecord, WorkerExitEvent } from './events.js'
import type { TransitionEvent } from './worker-table.js'

const TRANSITIONS_KEPT = 20 // per slot

/**
 * What the master keeps of each worker so that an unexpected exit can say what it knew: the
 * slot's last transitions, the calls in flight when the channel closed, the last heartbeat.
 */
export class CrashRecorder {
  readonly #transitions = new Map<string, TransitionEvent[]>()
  readonly #heartbeats = new Map<number, CrashRecord['lastHeartbeat']>()
  readonly #callsInFlight = new Map<number, CrashRecord['callsInFlight']>()

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
    this.#callsInFlight.set(workerId, calls.map((call) => ({ method: call.method, ageMs: now - call.startedAt })))
  }

  /** Attach the record to an unexpected exit, and forget the process either way. */
  complete(event: WorkerExitEvent): WorkerExitEvent {
    const workerId = event.workerId ?? -1
    if (!event.expected) {
      event.crash = {
        transitions: (this.#transitions.get(event.slotId) ?? []).filter((t) => t.incarnation === event.incarnation),
        callsInFlight: this.#callsInFlight.get(workerId) ?? [],
        lastHeartbeat: this.#heartbeats.get(workerId) ?? null,
      }
    }
    this.#heartbeats.delete(workerId)
    this.#callsInFlight.delete(workerId)
    return event
  }
}
