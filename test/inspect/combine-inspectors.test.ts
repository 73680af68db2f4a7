import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createActor } from 'xstate'
import type { InspectionEvent } from 'xstate'
import { combineInspectors } from '../../src/inspect/combine-inspectors.js'
import { toySupervisorMachine } from '../fixtures/inspect-machines.js'

const combine = suite('combineInspectors')

combine('feeds every event to observer functions and observer objects alike', () => {
  const seenByFunction: string[] = []
  const seenByObject: string[] = []
  const inspect = combineInspectors((e) => seenByFunction.push(e.type), undefined, {
    next: (e: InspectionEvent) => seenByObject.push(e.type),
  })
  const actor = createActor(toySupervisorMachine, { input: { count: 3 }, inspect }).start()
  actor.stop()
  assert.ok(seenByFunction.length > 0)
  assert.equal(seenByObject, seenByFunction)
  assert.ok(seenByFunction.includes('@xstate.actor'))
  assert.ok(seenByFunction.includes('@xstate.snapshot'))
})

combine('an observer that throws is skipped with one warning; the others and the actor go on', async () => {
  const warnings: Array<{ message: string; code: string | undefined }> = []
  const onWarning = (warning: Error & { code?: string }): void => {
    warnings.push({ message: warning.message, code: warning.code })
  }
  process.on('warning', onWarning)
  try {
    const seen: string[] = []
    const inspect = combineInspectors(
      () => {
        throw new Error('inspector is broken')
      },
      (e) => seen.push(e.type),
    )
    const actor = createActor(toySupervisorMachine, { input: { count: 3 }, inspect }).start()
    actor.send({ type: 'started' })
    assert.equal(actor.getSnapshot().context.reason, 'every worker is listening')
    actor.stop()
    assert.ok(seen.length > 10)
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(warnings, [
      {
        message: 'An XState inspection observer threw and was skipped for this event: inspector is broken',
        code: 'XCLUSTER_INSPECTOR_THREW',
      },
    ])
  } finally {
    process.off('warning', onWarning)
  }
})

combine('with no observers it is a harmless no-op', () => {
  const inspect = combineInspectors(undefined, undefined)
  const actor = createActor(toySupervisorMachine, { input: { count: 3 }, inspect }).start()
  actor.stop()
  assert.is(actor.getSnapshot().status, 'stopped')
})

combine.run()
