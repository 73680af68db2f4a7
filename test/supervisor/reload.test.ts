import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ClusterStoppedError, ReloadFailedError } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { get, startLoad } from '../helpers/http-load.js'
import { fixture, isAlive, rejectionOf, waitFor } from '../helpers/processes.js'
import { findFreePort } from '../helpers/run-example.js'
import type { SupervisedCluster } from '../../src/index.js'
import { versionApi } from '../fixtures/version-contract.js'

const pool = createClusterPool()
const reload = suite('rolling reload')

reload.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlives its cluster')
})

reload('replaces 4 workers under HTTP load with zero failed requests', async () => {
  const port = await findFreePort()
  const { cluster } = pool.start({ worker: fixture('version-server.ts'), count: 4, env: { PORT: String(port), VERSION: 'v1' } })
  await cluster.onReady()
  const oldPids = cluster.workers().map((w) => w.pid!)
  const load = startLoad(port, { concurrency: 4 })
  await cluster.reload({ env: { VERSION: 'v2' } })
  const afterReload = load.result.served
  // Keep the load on a little after the reload, so requests meet only new workers too.
  while (load.result.served < afterReload + 50) await new Promise((resolve) => setTimeout(resolve, 10))
  const result = await load.stop()
  console.log(`  reload under load: ${result.served} served, ${result.failed} failed`)
  assert.equal(result.errors, [])
  assert.is(result.failed, 0)
  const newPids = cluster.workers().map((w) => w.pid!)
  assert.is(newPids.length, 4)
  assert.ok(
    newPids.every((pid) => !oldPids.includes(pid)),
    'every old pid was replaced',
  )
  assert.ok(
    oldPids.every((pid) => !isAlive(pid)),
    'every old worker exited',
  )
  assert.match(await get(port), /^v2 \d+/)
  const versions = new Set([...result.bodies].map((body) => body.split(' ')[0]))
  assert.equal([...versions].sort(), ['v1', 'v2'])
})

reload('rolls back a broken new version: the old workers keep serving and reload() rejects', async () => {
  const port = await findFreePort()
  const { cluster, log } = pool.start({
    worker: fixture('version-server.ts'),
    count: 2,
    env: { PORT: String(port), VERSION: 'v1' },
    restart: { backoff: { initial: 10 } },
    // The broken version's stack trace is expected; keep it out of the test output.
    silent: true,
  })
  await cluster.onReady()
  const oldPids = cluster
    .workers()
    .map((w) => w.pid!)
    .sort()
  const failure = await rejectionOf(cluster.reload({ env: { BROKEN: '1' } }), 'reload must reject')
  assert.instance(failure, ReloadFailedError)
  assertRolledBack(failure as ReloadFailedError, { 'slot-0': 0, 'slot-1': 0 })
  // A crashing worker may close its IPC channel a moment before cluster reports the exit.
  assert.match(
    (failure as ReloadFailedError).reason,
    /^reload to generation 1 failed: slot-0: new worker failed to start: (IPC channel closed by the worker; )?exited with code 1$/,
  )
  assert.equal(
    cluster
      .workers()
      .map((w) => w.pid!)
      .sort(),
    oldPids,
  )
  assert.equal(
    cluster.workers().map((w) => w.state),
    ['listening', 'listening'],
  )
  assert.match(await get(port), /^v1 \d+/)
  assert.ok(
    log.exits.some((exit) => exit.startFailed && exit.generation === 1),
    'the new version failed to start',
  )
  // The next reload builds on the version that serves, not on the one that failed.
  await cluster.reload({ env: { VERSION: 'v3' } })
  assert.match(await get(port), /^v3 \d+/)
  assert.ok(cluster.workers().every((w) => w.generation === 2))
})

/**
 * Asserts a fully rolled back reload to generation 1: its code, its message, and the generation
 * each slot runs, which is 0 everywhere.
 */
function assertRolledBack(failure: ReloadFailedError, generations: Record<string, number>): void {
  assert.is(failure.code, 'ERR_RELOAD_FAILED')
  assert.is(failure.name, 'ReloadFailedError')
  assert.is(
    failure.message,
    `cluster.reload() failed and was rolled back: ${failure.reason}. Every slot runs generation 0; fix the new version and reload again.`,
  )
  assert.equal([failure.generation, failure.previousGeneration, failure.generations], [1, 0, generations])
}

/** Calls `any.version()` from 4 callers, every 5 ms each, until stopped; counts answers and failures. */
function startCallLoop(cluster: SupervisedCluster<typeof versionApi>) {
  const result = { answered: 0, errors: [] as string[] }
  let isStopped = false
  const caller = async () => {
    while (!isStopped) {
      try {
        await cluster.any.version()
        result.answered++
        // A steady trickle is enough; a tight loop would only compete with the workers' boots.
        await new Promise((resolve) => setTimeout(resolve, 5))
      } catch (error) {
        result.errors.push(`${(error as Error).name}: ${(error as Error).message}`)
      }
    }
  }
  const callers = Promise.all([caller(), caller(), caller(), caller()])
  return {
    async stop() {
      isStopped = true
      await callers
      return result
    },
  }
}

/** What every worker says of itself, as [slot, generation, version], by slot. */
async function askVersions(cluster: SupervisedCluster<typeof versionApi>): Promise<Array<[string, number, string]>> {
  const answers = await cluster.all.version()
  return answers
    .map((a): [string, number, string] =>
      a.status === 'fulfilled' ? [a.value.slot, a.value.generation, a.value.version] : ['rejected', -1, String(a.reason)],
    )
    .sort((x, y) => x[0].localeCompare(y[0]))
}

/**
 * `count` version-rpc workers on v1 that reload 2 at a time. Silent: the broken versions' stack
 * traces are expected, and kept out of the test output.
 */
function startVersionCluster(count: number, env: Record<string, string> = {}) {
  return pool.start({
    worker: fixture('version-rpc.ts'),
    contract: versionApi,
    count,
    env: { VERSION: 'v1', ...env },
    reload: { maxUnavailable: 2 },
    silent: true,
  })
}

const V1_EVERYWHERE = [
  ['slot-0', 0, 'v1'],
  ['slot-1', 0, 'v1'],
  ['slot-2', 0, 'v1'],
  ['slot-3', 0, 'v1'],
]
const GENERATION_0_EVERYWHERE = { 'slot-0': 0, 'slot-1': 0, 'slot-2': 0, 'slot-3': 0 }

reload('maxUnavailable 2: a new version that crashes on one slot is rolled back on every slot, while calls go on', async () => {
  const { cluster, log } = startVersionCluster(4)
  await cluster.onReady()
  assert.equal(await askVersions(cluster), V1_EVERYWHERE)
  const calls = startCallLoop(cluster)
  // slot-0 and slot-1 move to v2 first; then slot-3's v2 crashes at boot while slot-2's v2 is
  // still starting (or has just taken over): all three must go back.
  const failure = await rejectionOf(
    cluster.reload({ env: { VERSION: 'v2', BROKEN_SLOTS: 'slot-3', START_DELAY: '300' } }),
    'reload must reject',
  )
  const { answered, errors } = await calls.stop()
  console.log(`  calls during the failed reload: ${answered} answered, ${errors.length} failed`)
  assert.instance(failure, ReloadFailedError)
  assertRolledBack(failure as ReloadFailedError, GENERATION_0_EVERYWHERE)
  // A crashing worker may close its IPC channel a moment before cluster reports the exit.
  assert.match(
    (failure as ReloadFailedError).reason,
    /^reload to generation 1 failed: slot-3: new worker failed to start: (IPC channel closed by the worker; )?exited with code 1; rolled back slot-0, slot-1, slot-2 to generation 0$/,
  )
  assert.equal(errors, [])
  assert.ok(answered > 0)
  // Each worker says itself that it runs generation 0 (its fork env), and the table agrees.
  assert.equal(await askVersions(cluster), V1_EVERYWHERE)
  assert.equal(
    cluster
      .workers()
      .map((w) => [w.slotId, w.state, w.generation])
      .sort(),
    [
      ['slot-0', 'listening', 0],
      ['slot-1', 'listening', 0],
      ['slot-2', 'listening', 0],
      ['slot-3', 'listening', 0],
    ],
  )
  // Every generation 1 worker is gone: the crashed one, and the ones stopped by the rollback.
  const newExits = log.exits.filter((exit) => exit.generation === 1)
  assert.equal(newExits.map((exit) => exit.slotId).sort(), ['slot-0', 'slot-1', 'slot-2', 'slot-3'])
  // Each exit: slot-3's v2 crashed; every other worker (v2 rolled back, v1 replaced) left gracefully.
  for (const exit of log.exits) {
    const label = `${exit.slotId} generation ${exit.generation}: ${exit.reason}`
    if (exit.slotId === 'slot-3') assert.equal([exit.generation, exit.startFailed, exit.exit], [1, true, { code: 1, signal: null }], label)
    else assert.equal([exit.expected, exit.exit], [true, { code: 0, signal: null }], label)
    assert.ok(exit.pid !== null && !isAlive(exit.pid), `${label}: the process is gone`)
  }
  assert.is(log.restarts.length, 0, 'nothing was restarted')
  const slot2 = newExits.find((exit) => exit.slotId === 'slot-2')!
  console.log(`  slot-2's generation 1 worker: ${slot2.reason.includes('cancelled') ? 'cancelled while starting' : 'replaced back'}`)
})

reload('maxUnavailable 2: a new version that crashes everywhere leaves all 4 workers on the old one', async () => {
  const { cluster, log } = startVersionCluster(4)
  await cluster.onReady()
  const oldPids = cluster
    .workers()
    .map((w) => w.pid!)
    .sort()
  const failure = await rejectionOf(cluster.reload({ env: { VERSION: 'v2', BROKEN_SLOTS: '*' } }), 'reload must reject')
  assert.instance(failure, ReloadFailedError)
  assertRolledBack(failure as ReloadFailedError, GENERATION_0_EVERYWHERE)
  // Which of the two first replacements crashes first is a race; the other is rolled back.
  assert.match(
    (failure as ReloadFailedError).reason,
    /^reload to generation 1 failed: slot-[01]: new worker failed to start: (IPC channel closed by the worker; )?exited with code 1; rolled back slot-[01] to generation 0$/,
  )
  assert.equal(await askVersions(cluster), V1_EVERYWHERE)
  assert.equal(
    cluster
      .workers()
      .map((w) => w.pid!)
      .sort(),
    oldPids,
    'the old workers never stopped',
  )
  assert.equal(
    log.exits.map((exit) => [exit.slotId, exit.generation]).sort(),
    [
      ['slot-0', 1],
      ['slot-1', 1],
    ],
    'slot-2 and slot-3 were never touched',
  )
  // Both v2 workers end with the crash at boot, whether the first to fail or cancelled by the rollback.
  assert.equal(
    log.exits.map((exit) => exit.exit),
    [
      { code: 1, signal: null },
      { code: 1, signal: null },
    ],
  )
  assert.ok(log.exits.some((exit) => exit.startFailed))
  assert.ok(log.exits.every((exit) => exit.pid !== null && !isAlive(exit.pid)))
})

reload('maxUnavailable 2: a slot whose old worker cannot start again stays on the new version, and the error names it', async () => {
  const markers = mkdtempSync(join(tmpdir(), 'xcluster-start-once-'))
  try {
    // slot-0's generation 0 worker starts once: the rollback's second one exits with code 1 at boot.
    const { cluster, log } = startVersionCluster(3, { START_ONCE_DIR: markers, START_ONCE_SLOTS: 'slot-0' })
    await cluster.onReady()
    const calls = startCallLoop(cluster)
    // slot-0's v2 takes over at once; slot-1's v2 waits 10 s to be ready, so slot-2 comes next and
    // crashes at boot while slot-1's still starts: slot-1 is cancelled, slot-0 must go back, and cannot.
    const failure = await rejectionOf(
      cluster.reload({
        env: { VERSION: 'v2', START_ONCE_SLOTS: '', BROKEN_SLOTS: 'slot-2', START_DELAY: '10000', DELAYED_SLOTS: 'slot-1' },
      }),
      'reload must reject',
    )
    const { answered, errors } = await calls.stop()
    console.log(`  calls during the partly rolled back reload: ${answered} answered, ${errors.length} failed`)
    assert.instance(failure, ReloadFailedError)
    const { code, name, message, reason, generation, previousGeneration, generations } = failure as ReloadFailedError
    assert.equal([code, name, generation, previousGeneration], ['ERR_RELOAD_FAILED', 'ReloadFailedError', 1, 0])
    assert.equal(generations, { 'slot-0': 1, 'slot-1': 0, 'slot-2': 0 })
    // A crashing worker may close its IPC channel a moment before cluster reports the exit.
    assert.match(
      reason,
      new RegExp(
        '^reload to generation 1 failed: slot-2: new worker failed to start: (IPC channel closed by the worker; )?exited with code 1; ' +
          'rolled back slot-1 to generation 0; rollback incomplete: slot-0 stays on generation 1 ' +
          '\\(its generation 0 worker failed to start: (IPC channel closed by the worker; )?exited with code 1\\)$',
      ),
    )
    assert.is(
      message,
      `cluster.reload() failed and was rolled back only in part: ${reason}. Not every slot runs generation 0: slot-0 stays on generation 1. ` +
        "Fix the new version and reload again: a reload replaces every slot's worker.",
    )
    assert.equal(errors, [])
    assert.ok(answered > 0)
    // Each worker says itself that it runs the generation the error gives for its slot.
    const versions = await askVersions(cluster)
    assert.equal(versions, [
      ['slot-0', 1, 'v2'],
      ['slot-1', 0, 'v1'],
      ['slot-2', 0, 'v1'],
    ])
    assert.equal(Object.fromEntries(versions.map(([slotId, g]) => [slotId, g])), generations)
    assert.equal(
      cluster
        .workers()
        .map((w) => [w.slotId, w.state, w.generation])
        .sort(),
      [
        ['slot-0', 'listening', 1],
        ['slot-1', 'listening', 0],
        ['slot-2', 'listening', 0],
      ],
    )
    // The cluster keeps serving, every slot: then a fixed version (slot-0 may start again) moves all of them.
    // 30 calls at once: the least busy worker takes each, so each slot gets some.
    const typed: SupervisedCluster<typeof versionApi> = cluster
    const after = await Promise.all(Array.from({ length: 30 }, () => typed.any.version()))
    assert.equal([...new Set(after.map((a) => a.slot))].sort(), ['slot-0', 'slot-1', 'slot-2'])
    await cluster.reload({ env: { VERSION: 'v3', START_ONCE_SLOTS: '' } })
    assert.equal(await askVersions(cluster), [
      ['slot-0', 2, 'v3'],
      ['slot-1', 2, 'v3'],
      ['slot-2', 2, 'v3'],
    ])
    // Each exit: the two workers that failed to start (slot-2's v2, slot-0's second v1) exited with
    // code 1; every other one (replaced, cancelled while starting, rolled back) left gracefully.
    const exits = log.exits.map((e) => [e.slotId, e.generation, e.expected, e.startFailed, e.exit] as const)
    assert.equal(
      exits.slice().sort((x, y) => `${x[0]}/${x[1]}/${x[2]}`.localeCompare(`${y[0]}/${y[1]}/${y[2]}`)),
      [
        ['slot-0', 0, false, true, { code: 1, signal: null }],
        ['slot-0', 0, true, false, { code: 0, signal: null }],
        ['slot-0', 1, true, false, { code: 0, signal: null }],
        ['slot-1', 0, true, false, { code: 0, signal: null }],
        ['slot-1', 1, true, false, { code: 0, signal: null }],
        ['slot-2', 0, true, false, { code: 0, signal: null }],
        ['slot-2', 1, false, true, { code: 1, signal: null }],
      ],
    )
    assert.ok(
      log.exits.every((e) => e.pid !== null && !isAlive(e.pid)),
      'every exited worker is gone',
    )
    assert.is(log.restarts.length, 0, 'nothing was restarted')
  } finally {
    rmSync(markers, { recursive: true, force: true })
  }
})

reload('a reload() while another one runs is refused at once, and the first one completes', async () => {
  const { cluster, log } = pool.start({ worker: fixture('version-rpc.ts'), contract: versionApi, count: 1, env: { VERSION: 'v1' } })
  await cluster.onReady()
  const first = cluster.reload({ env: { VERSION: 'v2' } })
  const failure = await rejectionOf(cluster.reload({ env: { VERSION: 'v3' } }), 'the second reload must reject')
  assert.instance(failure, ReloadFailedError)
  assert.is((failure as ReloadFailedError).code, 'ERR_RELOAD_FAILED')
  assert.is((failure as Error).message, 'cluster.reload() was refused: a reload is already in progress; no worker was replaced.')
  assert.is((failure as ReloadFailedError).reason, 'reload refused: a reload is already in progress')
  const { generation, previousGeneration, generations } = failure as ReloadFailedError
  assert.equal([generation, previousGeneration, generations], [undefined, undefined, undefined])
  await first
  assert.equal(await askVersions(cluster), [['slot-0', 1, 'v2']])
  assert.equal(
    log.exits.map((exit) => [exit.slotId, exit.generation, exit.expected, exit.exit]),
    [['slot-0', 0, true, { code: 0, signal: null }]],
  )
})

reload('a stop during a reload rejects reload() with ClusterStoppedError instead of leaving it pending', async () => {
  const { cluster, log } = pool.start({ worker: fixture('version-rpc.ts'), contract: versionApi, count: 2, env: { VERSION: 'v1' } })
  await cluster.onReady()
  // The new worker takes 10 s to be ready: the stop comes while it starts.
  const reloading = rejectionOf(cluster.reload({ env: { VERSION: 'v2', START_DELAY: '10000' } }), 'reload must reject')
  await waitFor(() => log.transitions.some((t) => t.incarnation === 2 && t.to === 'online'), 'the new worker is online')
  await cluster.stop()
  const failure = await reloading
  assert.instance(failure, ClusterStoppedError)
  assert.is((failure as ClusterStoppedError).code, 'ERR_CLUSTER_STOPPED')
  assert.is((failure as Error).message, 'The cluster is stopped (stop requested: stop() called); supervise() again to start a new one.')
  assert.equal(log.exits.map((exit) => [exit.slotId, exit.generation, exit.expected, exit.exit]).sort(), [
    ['slot-0', 0, true, { code: 0, signal: null }],
    ['slot-0', 1, true, { code: 0, signal: null }],
    ['slot-1', 0, true, { code: 0, signal: null }],
  ])
})

reload.run()

// ---

const error = suite('ReloadFailedError')

// The error's message for the rarer shapes of an incomplete rollback, built from the reasons the
// supervisor machine gives (test/machines/supervisor-reload.test.ts); a real cluster produces the
// simplest one in 'a slot whose old worker cannot start again stays on the new version' above.
error('after an incomplete rollback, the message names the slot left on the new generation', () => {
  const reason =
    'reload to generation 1 failed: slot-1: new worker failed to start: exited with code 1; rolled back slot-2 to generation 0; ' +
    'rollback incomplete: slot-0 stays on generation 1 (its generation 0 worker failed to start: exited with code 1)'
  const generations = { 'slot-0': 1, 'slot-1': 0, 'slot-2': 0, 'slot-3': 0 }
  const failure = new ReloadFailedError({ reason, generation: 1, previousGeneration: 0, generations })
  assert.is(
    failure.message,
    `cluster.reload() failed and was rolled back only in part: ${reason}. Not every slot runs generation 0: slot-0 stays on generation 1. ` +
      "Fix the new version and reload again: a reload replaces every slot's worker.",
  )
  assert.equal(
    [failure.code, failure.name, failure.generation, failure.previousGeneration, failure.generations],
    ['ERR_RELOAD_FAILED', 'ReloadFailedError', 1, 0, generations],
  )
  assert.is.not(failure.generations, generations, 'the error keeps its own copy')
})

error('slots left on other generations are grouped by generation, in slot order', () => {
  const reason =
    'reload to generation 2 failed: slot-2: new worker failed to start: exited with code 1; ' +
    'rollback incomplete: slot-0 stays on generation 2 (its generation 0 worker failed to start: exited with code 1); ' +
    'slot-1 stays on generation 2 (its generation 0 worker failed to start: exited with code 1); ' +
    'slot-3 still runs generation 1 (an earlier rollback could not move it)'
  const generations = { 'slot-0': 2, 'slot-1': 2, 'slot-2': 0, 'slot-3': 1 }
  const failure = new ReloadFailedError({ reason, generation: 2, previousGeneration: 0, generations })
  assert.is(
    failure.message,
    `cluster.reload() failed and was rolled back only in part: ${reason}. Not every slot runs generation 0: ` +
      "slot-0, slot-1 stay on generation 2; slot-3 stays on generation 1. Fix the new version and reload again: a reload replaces every slot's worker.",
  )
})

error.run()
