/**
 * Type tests for actors: checked by `npm run typecheck` (tsc), never run. Each `@ts-expect-error`
 * line must fail to compile, or tsc reports the directive as unused.
 */
import { waitFor } from 'xstate'
import { defineContract, type SupervisedCluster } from '../../src/index.js'
import { serve } from '../../src/worker.js'
import { counterMachine } from '../fixtures/actor-machines.js'

const api = defineContract<{ worker: {}; master: {}; actors: { counter: typeof counterMachine } }>({ actors: { counter: counterMachine } })

// @ts-expect-error: the shape declares actors, so the options must give their machines
defineContract<{ worker: {}; master: {}; actors: { counter: typeof counterMachine } }>()
defineContract<{ worker: {}; master: {}; actors: { counter: typeof counterMachine } }>({
  // @ts-expect-error: a kind the shape does not declare
  actors: { counter: counterMachine, other: counterMachine },
})

declare const cluster: SupervisedCluster<typeof api>

export async function master(): Promise<void> {
  const counter = cluster.actor('counter', 'c-1', { input: { label: 'x' } })
  counter.send({ type: 'INC', n: 1 })
  await counter.sendAndWait({ type: 'FINISH' }, { timeout: 1_000 })
  // @ts-expect-error: not an event of counterMachine
  counter.send({ type: 'DECREMENT' })
  // @ts-expect-error: INC needs its `n` as a number
  counter.send({ type: 'INC', n: '1' })
  // @ts-expect-error: an unknown kind
  cluster.actor('invoice', 'i-1')
  // @ts-expect-error: the input is typed by the machine
  cluster.actor('counter', 'c-2', { input: { label: 42 } })

  const snapshot = await waitFor(counter, (s) => s.matches('paused'))
  const count: number = snapshot.context.count
  // @ts-expect-error: the context is typed
  const label: number = snapshot.context.label
  // @ts-expect-error: not a state of counterMachine
  counter.getSnapshot().matches('shipped')
  void count
  void label
}

export function worker(): void {
  const link = serve(api, {}, { actors: { counter: counterMachine } })
  link.actor('counter', 'c-1').send({ type: 'INC', n: 2 })
  // @ts-expect-error: not an event of counterMachine
  link.actor('counter', 'c-1').send({ type: 'NOPE' })
  // @ts-expect-error: an unknown kind
  link.actor('invoice', 'i-1')
  // @ts-expect-error: a kind the contract does not declare cannot be hosted
  serve(api, {}, { actors: { invoice: counterMachine } })
}
