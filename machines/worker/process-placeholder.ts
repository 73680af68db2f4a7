/**
 * The default `process` actor of the machines: it does nothing. The runtime replaces it with the
 * real one (`createSupervisorMachine({ process })` or `workerMachine.provide({ actors: { process } })`);
 * tests replace it with a fake.
 */
import { fromCallback } from 'xstate'
import type { CallbackActorLogic } from 'xstate'
import type { ProcessCommand, ProcessInput } from '../types.js'

/**
 * The logic type every `process` actor must have: it receives {@link ProcessCommand}s and sends
 * back `ProcessEvent`s with `sendBack`.
 */
export type ProcessLogic = CallbackActorLogic<ProcessCommand, ProcessInput>

/** A `process` actor that never forks anything: a stand-in until the runtime provides the real one. */
export const processPlaceholder: ProcessLogic = fromCallback<ProcessCommand, ProcessInput>(() => {})
