/**
 * Who an actor is, whichever side of the wire it lives on: read from an actor ref of this process
 * (the supervisor and the workers can be recognised) or from a remote `@xstate.actor` event.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate'
import type { RemoteInspectionEvent } from './remote-events.js'
import { readMachineId, readParentId, truncate } from './state-fields.js'

export interface ActorIdentity {
  sessionId: string
  parentId: string | null
  isRoot: boolean
  /** A child of this process's root (a supervisor's slot): part of the cluster, not a user actor. */
  isRootChild: boolean
  /** Of this process (a supervisor or worker can be recognised), or reported over the wire. */
  isLocal: boolean
  actorId: string
  machineId: string
  chart: string | null
}

export interface IdentifyOptions {
  /** Which chart draws a machine of this process (null: none). */
  chartOfMachine?: (machine: unknown) => string | null
  /** Which chart draws a remote machine, from its JSON definition (null: none). */
  chartOfDefinition?: (definition: string) => string | null
}

/** The identity of a local actor, or undefined for callback and promise actors (no states to show). */
export function identifyLocal(ref: AnyActorRef, rootId: string, options: IdentifyOptions): ActorIdentity | undefined {
  const machineId = readMachineId(ref)
  if (machineId === null) return undefined
  const parentId = readParentId(ref)
  return {
    sessionId: ref.sessionId,
    parentId,
    isRoot: parentId === null || ref.sessionId === rootId,
    isRootChild: parentId !== null && parentId === rootId,
    isLocal: true,
    actorId: truncate(String(ref.id)),
    machineId,
    chart: options.chartOfMachine?.((ref as { logic?: unknown }).logic) ?? null,
  }
}

/** The identity of a remote actor, or undefined when it runs no machine. */
export function identifyRemote(
  event: Extract<RemoteInspectionEvent, { type: '@xstate.actor' }>,
  options: IdentifyOptions,
): ActorIdentity | undefined {
  if (event.machineId === null) return undefined
  return {
    sessionId: event.sessionId,
    parentId: event.parentId,
    isRoot: event.parentId === null,
    isRootChild: false,
    isLocal: false,
    actorId: truncate(event.name ?? event.sessionId),
    machineId: truncate(event.machineId),
    chart: event.definition === null ? null : (options.chartOfDefinition?.(event.definition) ?? null),
  }
}

/** The type of the event a local snapshot followed ('' when it has none). */
export function readEventType(event: Extract<InspectionEvent, { type: '@xstate.snapshot' }>): string {
  return typeof event.event?.type === 'string' ? event.event.type : ''
}
