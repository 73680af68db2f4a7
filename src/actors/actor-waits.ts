/**
 * The two clocks of an actor's events in the master: a `sendAndWait()` deadline, and how long
 * events may be held for want of a worker that hosts the actor's kind.
 */
import type { ActorEntry, Waiter } from './actor-entry.js'
import { ActorUnavailableError } from './errors.js'

/**
 * Sends through `send` with a waiter, and resolves once the event is applied and stored, or
 * rejects with the waiter's error, or with `onTimeout()`'s after `timeout` ms, whichever is first.
 */
export function waitForAcknowledgement(send: (waiter: Waiter) => void, timeout: number, onTimeout: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    let isSettled = false
    const timer = setTimeout(() => {
      isSettled = true
      reject(onTimeout())
    }, timeout)
    // A pending acknowledged send never keeps the master alive by itself.
    timer.unref()
    const settle = (fn: () => void) => {
      if (isSettled) return
      isSettled = true
      clearTimeout(timer)
      fn()
    }
    send({ resolve: () => settle(resolve), reject: (error) => settle(() => reject(error)) })
  })
}

/** Where an actor stood when an acknowledged send timed out, for the message. */
export function describeWhere(entry: ActorEntry | undefined): string {
  switch (entry?.phase) {
    case 'placed':
      return `worker ${entry.workerId} had not reported it applied and stored`
    case 'held':
      return `no listening worker hosts kind ${JSON.stringify(entry.kind)} yet`
    case 'moving':
      return 'the actor was moving between workers'
    case 'loading':
      return 'its record was still loading from the actor store'
    default:
      return 'it was not applied yet'
  }
}

/**
 * Starts the held actor's clock, once: if it is still held after `holdTimeout` ms, the events
 * past its snapshot are dropped with `ActorUnavailableError` (their waiters reject), and
 * `onExpired` hears of it when there were any, for the fire-and-forget ones.
 */
export function armHold(entry: ActorEntry, holdTimeout: number, onExpired: (error: ActorUnavailableError) => void): void {
  if (entry.holdTimer !== undefined) return
  entry.holdTimer = setTimeout(() => {
    entry.holdTimer = undefined
    if (entry.phase !== 'held') return
    const error = new ActorUnavailableError({ kind: entry.kind, id: entry.id, holdTimeout })
    const hadEvents = entry.unapplied().length > 0
    entry.drop((item) => item.seq > entry.snapshotSeq, error)
    if (hadEvents) onExpired(error)
  }, holdTimeout)
  entry.holdTimer.unref()
}
