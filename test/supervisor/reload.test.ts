import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ReloadFailedError } from '../../src/index.js'
import { createClusterPool } from '../helpers/cluster.js'
import { get, startLoad } from '../helpers/http-load.js'
import { fixture, isAlive } from '../helpers/processes.js'
import { findFreePort } from '../helpers/run-example.js'

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
  assert.ok(newPids.every((pid) => !oldPids.includes(pid)), 'every old pid was replaced')
  assert.ok(oldPids.every((pid) => !isAlive(pid)), 'every old worker exited')
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
  const oldPids = cluster.workers().map((w) => w.pid!).sort()
  const failure = await cluster.reload({ env: { BROKEN: '1' } }).then(
    () => assert.unreachable('reload must reject'),
    (error: unknown) => error,
  )
  assert.instance(failure, ReloadFailedError)
  assert.is((failure as ReloadFailedError).code, 'ERR_RELOAD_FAILED')
  assert.match((failure as Error).message, /^cluster\.reload\(\) was rolled back: .+\. The workers that were serving keep serving/)
  assert.equal(cluster.workers().map((w) => w.pid!).sort(), oldPids)
  assert.equal(cluster.workers().map((w) => w.state), ['listening', 'listening'])
  assert.match(await get(port), /^v1 \d+/)
  assert.ok(log.exits.some((exit) => exit.startFailed && exit.generation === 1), 'the new version failed to start')
  // The next reload builds on the version that serves, not on the one that failed.
  await cluster.reload({ env: { VERSION: 'v3' } })
  assert.match(await get(port), /^v3 \d+/)
  assert.ok(cluster.workers().every((w) => w.generation === 2))
})

reload.run()
