import type { InspectionEvent } from 'xstate'
import { toStatePaths } from '../inspect/state-table.js'
import type { XclusterStartTiming } from './start-timing.js'

/** One live worker process as `cluster.workers()` reports it. */
export interface WorkerInfo {
  /** node:cluster's `worker.id`; null until forked. */
  workerId: number | null
  /** The position it fills; a restarted worker keeps the slot of the one it replaces. */
  slotId: string
  pid: number | null
  /** The lifecycle state, dotted for nested states: `disconnecting.draining`. */
  state: string
  /** Why it entered that state. */
  reason: string
  incarnation: number
  generation: number
  /** `Date.now()` when the master first saw this incarnation. */
  startedAt: number
}

/** A worker's move from one lifecycle state to another. */
export interface TransitionEvent {
  slotId: string
  workerId: number | null
  pid: number | null
  incarnation: number
  from: string | null
  to: string
  reason: string
  at: number
  /** On the move to `listening` of a worker whose server listens: where its start went. */
  start?: XclusterStartTiming
}

/** The machine id of the worker lifecycle machine (`machines/worker/worker.ts`). */
const WORKER_MACHINE_ID = 'worker'
/** XState's event to a parent whose child actor threw. */
const ERROR_EVENT_PREFIX = 'xstate.error.actor.'

const pickTransition = (row: WorkerInfo) => ({ slotId: row.slotId, workerId: row.workerId, pid: row.pid, incarnation: row.incarnation })

interface WorkerContextView {
  slotId?: string
  pid?: number | null
  workerId?: number | null
  incarnation?: number
  generation?: number
  reason?: string
}

/**
 * The current state of every worker actor, kept from XState inspection events rather than by
 * asking each actor: the same stream feeds the live view and the user's inspector, and the
 * table never reaches into machine internals.
 */
export class WorkerTable {
  readonly #rows = new Map<string, WorkerInfo>()
  readonly #failed: WorkerInfo[] = []

  /** Fold one inspection event in; returns the transition it caused, if any. */
  observe(event: InspectionEvent): TransitionEvent | undefined {
    if (event.type === '@xstate.event') return this.#observeFailure(event)
    if (event.type !== '@xstate.snapshot') return undefined
    const actor = event.actorRef as { sessionId: string; logic?: { id?: string } }
    if (actor.logic?.id !== WORKER_MACHINE_ID) return undefined
    const snapshot = event.snapshot as { value?: unknown; context?: WorkerContextView; status?: string }
    const context = snapshot.context ?? {}
    const state = snapshot.value === undefined ? 'unknown' : toStatePaths(snapshot.value).join(',')
    const previous = this.#rows.get(actor.sessionId)
    const row: WorkerInfo = {
      workerId: context.workerId ?? null,
      slotId: context.slotId ?? '?',
      pid: context.pid ?? null,
      state,
      reason: context.reason ?? '',
      incarnation: context.incarnation ?? 0,
      generation: context.generation ?? 0,
      startedAt: previous?.startedAt ?? Date.now(),
    }
    if (snapshot.status === 'done' || snapshot.status === 'stopped' || snapshot.status === 'error') {
      this.#rows.delete(actor.sessionId)
    } else {
      this.#rows.set(actor.sessionId, row)
    }
    if (previous?.state === state) return undefined
    return {
      slotId: row.slotId,
      workerId: row.workerId,
      pid: row.pid,
      incarnation: row.incarnation,
      from: previous?.state ?? null,
      to: state,
      reason: row.reason,
      at: Date.now(),
    }
  }

  /**
   * A worker machine that throws (a guard or action failing) stops without a last snapshot: XState
   * only relays the error to its parent. Seen here as that relayed event, it ends the worker's row
   * (`exited`, with the error as the reason), so no failure leaves a ghost `listening` worker.
   */
  #observeFailure(event: InspectionEvent & { type: '@xstate.event' }): TransitionEvent | undefined {
    if (!event.event.type.startsWith(ERROR_EVENT_PREFIX)) return undefined
    const source = event.sourceRef as { sessionId?: string; logic?: { id?: string } } | undefined
    if (source?.logic?.id !== WORKER_MACHINE_ID || source.sessionId === undefined) return undefined
    const previous = this.#rows.get(source.sessionId)
    if (previous === undefined) return undefined
    this.#rows.delete(source.sessionId)
    const error = (event.event as { error?: unknown }).error
    const reason = `worker machine failed: ${error instanceof Error ? error.message : String(error)}`
    this.#failed.push({ ...previous, state: 'exited', reason })
    return { ...pickTransition(previous), from: previous.state, to: 'exited', reason, at: Date.now() }
  }

  /** The rows of worker machines that failed since the last call: their processes are orphans. */
  takeFailed(): WorkerInfo[] {
    return this.#failed.splice(0)
  }

  list(): WorkerInfo[] {
    return [...this.#rows.values()].sort(
      (a, b) => a.slotId.localeCompare(b.slotId, 'en', { numeric: true }) || a.incarnation - b.incarnation,
    )
  }

  countIn(state: string): number {
    let count = 0
    for (const row of this.#rows.values()) if (row.state === state) count++
    return count
  }
}
