import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { COOPERATIVE, sendFork } from '../helpers/fake-process.js'
import type { FakeBehaviour, FakeProcess } from '../helpers/fake-process.js'
import { startSupervisorHarness, TEST_POLICY } from '../helpers/supervisor-harness.js'
import type { SupervisorHarness } from '../helpers/supervisor-harness.js'

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its seed. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Processes that sometimes crash at boot, sometimes ignore disconnect or even SIGTERM/SIGKILL. */
function createUnrulyBehaviour(random: () => number, exited: Set<FakeProcess>): FakeBehaviour {
  const exit = (p: FakeProcess, code: number | null, signal: string | null) => {
    if (exited.has(p)) return
    exited.add(p)
    p.send({ type: 'process.exit', code, signal })
  }
  return {
    onStart(p) {
      sendFork(p)
      p.send({ type: 'process.online' })
      const roll = random()
      if (roll < 0.15) exit(p, 1, null)
      else if (roll < 0.75) p.send({ type: 'process.listening', address: null })
    },
    onCommand(p, command) {
      const roll = random()
      if (command.type === 'drain' && roll < 0.8) p.send({ type: 'process.drained' })
      if (command.type === 'disconnect' && roll < 0.7) exit(p, 0, null)
      if (command.type === 'signal' && command.signal === 'SIGTERM' && roll < 0.7) exit(p, null, 'SIGTERM')
      if (command.type === 'signal' && command.signal === 'SIGKILL' && roll < 0.9) exit(p, null, 'SIGKILL')
    },
  }
}

function pick<T>(random: () => number, items: T[]): T | undefined {
  return items[Math.floor(random() * items.length)]
}

/** Plays one random step: a crash, a listen, a hang, a leak, a reload, or time passing. */
function playStep(h: SupervisorHarness, random: () => number, exited: Set<FakeProcess>): void {
  const alive = h.pool.processes.filter((p) => !exited.has(p) && !p.isStopped)
  const target = pick(random, alive)
  const roll = random()
  if (roll < 0.15 && target) {
    exited.add(target)
    target.send({ type: 'process.exit', code: random() < 0.5 ? 1 : null, signal: random() < 0.5 ? null : 'SIGKILL' })
  } else if (roll < 0.3 && target) target.send({ type: 'process.listening', address: null })
  else if (roll < 0.38 && target) for (let i = 0; i < 3; i++) target.send({ type: 'process.heartbeatMissed' })
  else if (roll < 0.45 && target) target.send({ type: 'process.heartbeat', sample: { rss: 5000, heapUsed: 1 } })
  else if (roll < 0.5 && target) target.send({ type: 'process.disconnect' })
  else if (roll < 0.6) h.actor.send({ type: 'reload' })
  else h.clock.increment(pick(random, [10, 100, 300, 1000, 5000]) ?? 10)
}

/** From now on every process behaves: let time pass until each slot serves again (or the supervisor failed). */
function settle(h: SupervisorHarness): void {
  h.pool.behaviour = COOPERATIVE
  for (let i = 0; i < 40 && h.actor.getSnapshot().status === 'active'; i++) {
    for (const w of h.workers()) {
      if (w.value === 'forking' || w.value === 'online')
        h.pool.get(w.slotId, w.context.incarnation).send({ type: 'process.listening', address: null })
    }
    h.clock.increment(500)
  }
}

const RUNS = 40
const RESTART_TYPES = ['permanent', 'transient', 'temporary'] as const
const STEPS = 40

const random = suite('supervisor under random events')

random(`${RUNS} seeded runs of ${STEPS} random steps settle, end cleanly, stay within the budget and report one exit per process`, () => {
  let rollbacks = 0
  for (let seed = 1; seed <= RUNS; seed++) {
    const rng = createRandom(seed)
    const exited = new Set<FakeProcess>()
    // Every restart type: a slot whose worker is not restarted ends idle, and a reload must not wait for it.
    const policy = { ...TEST_POLICY, type: RESTART_TYPES[seed % 3]!, maxRestarts: 6, period: 3000 }
    const h = startSupervisorHarness(createUnrulyBehaviour(rng, exited), { count: 4, policy, reload: { maxUnavailable: 1 + (seed % 4) } })
    const restartTimes: number[] = []
    h.actor.on('worker.restart', () => void restartTimes.push(h.clock.now()))
    try {
      for (let step = 0; step < STEPS && h.actor.getSnapshot().status === 'active'; step++) playStep(h, rng, exited)
      settle(h)
      const context = `seed ${seed}`
      if (h.actor.getSnapshot().status === 'active') {
        assert.is(h.actor.getSnapshot().value, 'running', `${context}: nothing is left waiting`)
        const { slots, slotGenerations } = h.actor.getSnapshot().context
        for (const slotId of slots) {
          if (policy.type === 'permanent')
            assert.equal(h.slot(slotId).value, { running: 'listening' }, `${context}: ${slotId} serves again`)
          else
            assert.ok(
              ['{"running":"listening"}', '"idle"'].includes(JSON.stringify(h.slot(slotId).value)),
              `${context}: ${slotId} serves again or is idle`,
            )
          assert.is(
            h.slot(slotId).context.generation,
            slotGenerations[slotId],
            `${context}: ${slotId} runs the generation the supervisor knows`,
          )
        }
        // A reload ends with one generation everywhere, unless its rollback says which slot could not go back.
        const running = Object.fromEntries(slots.map((slotId) => [slotId, h.slot(slotId).context.generation]))
        const last = h.emitted.findLast((e) => e.type === 'reload.done' || (e.type === 'reload.failed' && e.generation !== null))
        if (last?.type === 'reload.failed')
          assert.equal(last.generations, running, `${context}: reload.failed tells each slot's generation`)
        if (last && !/rollback incomplete|still runs generation/.test(last.type === 'reload.failed' ? last.reason : '')) {
          assert.is(new Set(Object.values(running)).size, 1, `${context}: one generation after ${last.type}`)
        }
        rollbacks += h.emittedOf('reload.failed').filter((e) => e.generation !== null).length
      }
      h.actor.send({ type: 'stop', reason: 'end of run' })
      // Every deadline escalates to a SIGKILL and then gives up: enough steps end any worker.
      for (let i = 0; i < 50 && h.actor.getSnapshot().status === 'active'; i++) h.clock.increment(500)
      assert.equal(h.errors, [], context)
      assert.is(h.actor.getSnapshot().status, 'done', context)
      assert.ok(['stopped', 'failed'].includes(String(h.actor.getSnapshot().value)), context)
      assert.ok(
        h.pool.processes.every((p) => p.isStopped),
        `${context}: every process actor is stopped`,
      )
      assert.is(h.emittedOf('worker.exit').length, h.pool.processes.length, `${context}: one worker.exit per process`)
      for (const [index, at] of restartTimes.entries()) {
        const inWindow = restartTimes.slice(0, index + 1).filter((t) => t > at - policy.period)
        assert.ok(inWindow.length <= policy.maxRestarts, `${context}: ${inWindow.length} restarts within ${policy.period}ms`)
      }
      // Every accepted reload ends exactly once: done, failed (after its rollback), or interrupted.
      const ends = h.emitted.flatMap((e) =>
        e.type === 'reload.done' || (e.type === 'reload.failed' && e.generation !== null) ? [e.generation] : [],
      )
      const accepted = Array.from({ length: h.actor.getSnapshot().context.generation }, (_, i) => i + 1)
      assert.equal(ends, accepted, `${context}: one end per reload`)
      const finals = h.emitted.filter((e) => e.type === 'stopped' || e.type === 'failed')
      assert.is(finals.length, 1, context)
      assert.is(h.emitted.at(-1), finals[0], `${context}: the final event comes last`)
    } finally {
      h.actor.stop()
    }
  }
  assert.ok(rollbacks > 0, 'some runs rolled a failed reload back')
})

random.run()
