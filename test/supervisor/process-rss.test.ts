/**
 * Issue 13 part 6 (memory restarts of unmodified servers): a worker that never loads xcluster's
 * worker side answers no heartbeat, so the master reads its rss itself (Linux /proc) and
 * `health.maxRss` replaces it, new one first, like any other worker.
 */
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { readProcessRss } from '../../src/supervisor/process-rss.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, waitFor } from '../helpers/processes.js'

const pool = createClusterPool()
const rss = suite('master-side rss of plain workers')

rss.after.each(async () => {
  const leaked = await pool.cleanup()
  assert.equal(leaked, [], 'no worker outlives its cluster')
})

rss('readProcessRss() reads this process, and nothing for a pid that does not exist', async () => {
  const own = await readProcessRss(process.pid)
  assert.ok(own !== undefined && own > 0, `rss of this process: ${own}`)
  assert.is(await readProcessRss(2 ** 22 + 1), undefined)
  assert.is(await readProcessRss(-1), undefined)
})

rss('a plain server over health.maxRss is replaced gracefully, new one first', async () => {
  const limit = 96 * 1024 * 1024
  const replacements: string[] = []
  const { cluster, log } = pool.start({
    worker: fixture('plain-memory-hog.cjs'),
    count: 1,
    env: { GROW_TO: '160' },
    health: { heartbeatInterval: 100, maxRss: limit },
  })
  cluster.on('replace', (event) => replacements.push(event.reason))
  await cluster.onReady()
  const [hog] = cluster.workers()
  await waitFor(() => log.exits.some((exit) => exit.pid === hog!.pid), 'the hog is replaced', 20_000)
  const exit = log.exits.find((e) => e.pid === hog!.pid)!
  assert.match(replacements[0]!, /^memory: rss \d+ bytes over the limit of 100663296 bytes$/)
  assert.ok(exit.expected, 'the supervisor asked it to stop')
  assert.equal(exit.exit, { code: 0, signal: null }, 'it was disconnected, not killed')
})

rss.run()
