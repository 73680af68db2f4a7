/**
 * A fake `process` actor for machine tests: no process is forked. The test (or a scripted
 * behaviour) sends `ProcessEvent`s on its behalf and reads the `ProcessCommand`s it received.
 */
import { fromCallback } from 'xstate'
import type { ProcessCommand, ProcessEvent, ProcessInput } from '../../../machines/types.js'
import type { ProcessLogic } from '../../../machines/worker/process-placeholder.js'

/** One fake process incarnation, as the machine sees it. */
export interface FakeProcess {
  input: ProcessInput
  /** Every command the machine sent, in order. */
  commands: ProcessCommand[]
  /** Sends a process event to the worker machine that invoked this fake. */
  send(event: ProcessEvent): void
  /** True once the worker machine stopped the actor (its cleanup ran). */
  isStopped: boolean
}

/** Scripts what a fake process does when it starts and when it receives a command. */
export interface FakeBehaviour {
  onStart?(process: FakeProcess): void
  onCommand?(process: FakeProcess, command: ProcessCommand): void
}

/** The fake logic plus every process it "forked", in fork order. */
export interface FakeProcessPool {
  logic: ProcessLogic
  processes: FakeProcess[]
  /** Finds the newest process of a slot's incarnation; throws when there is none. */
  get(slotId: string, incarnation: number): FakeProcess
  /** The behaviour used for the next forks; change it between forks to script a scenario. */
  behaviour: FakeBehaviour
}

let nextPid = 1000

/**
 * Creates a fake `process` actor logic and the list of processes it creates.
 *
 * @example
 * const pool = createFakeProcessPool(COOPERATIVE)
 * const machine = workerMachine.provide({ actors: { process: pool.logic } })
 */
export function createFakeProcessPool(behaviour: FakeBehaviour = {}): FakeProcessPool {
  const pool: FakeProcessPool = {
    processes: [],
    behaviour,
    get(slotId, incarnation) {
      const found = pool.processes.findLast((p) => p.input.slotId === slotId && p.input.incarnation === incarnation)
      if (!found) throw new Error(`no fake process for ${slotId}#${incarnation}`)
      return found
    },
    logic: fromCallback<ProcessCommand, ProcessInput>(({ input, sendBack, receive }) => {
      const script = pool.behaviour
      const fake: FakeProcess = {
        input,
        commands: [],
        isStopped: false,
        send: (event) => {
          if (!fake.isStopped) sendBack(event)
        },
      }
      pool.processes.push(fake)
      receive((command) => {
        fake.commands.push(command)
        script.onCommand?.(fake, command)
      })
      script.onStart?.(fake)
      return () => {
        fake.isStopped = true
      }
    }),
  }
  return pool
}

/** Sends `process.fork` with a fresh pid and workerId. */
export function sendFork(process: FakeProcess): void {
  nextPid += 1
  process.send({ type: 'process.fork', pid: nextPid, workerId: nextPid - 1000 })
}

/** Forks, comes online and listens at once; obeys every command like a well-behaved worker. */
export const COOPERATIVE: FakeBehaviour = {
  onStart(p) {
    sendFork(p)
    p.send({ type: 'process.online' })
    p.send({ type: 'process.listening', address: '127.0.0.1:3000' })
  },
  onCommand(p, command) {
    if (command.type === 'drain') p.send({ type: 'process.drained' })
    if (command.type === 'disconnect') p.send({ type: 'process.exit', code: 0, signal: null })
    if (command.type === 'signal') p.send({ type: 'process.exit', code: null, signal: command.signal })
  },
}

/** Forks, comes online, then exits with code 1 before listening. */
export const CRASHING_ON_START: FakeBehaviour = {
  onStart(p) {
    sendFork(p)
    p.send({ type: 'process.online' })
    p.send({ type: 'process.exit', code: 1, signal: null })
  },
}

/** Forks and comes online but never listens; obeys signals. */
export const NEVER_LISTENING: FakeBehaviour = {
  onStart(p) {
    sendFork(p)
    p.send({ type: 'process.online' })
  },
  onCommand: COOPERATIVE.onCommand,
}
