import { connect, type ClientHttp2Session } from 'node:http2'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createClusterPool } from '../helpers/cluster.js'
import { startKeepAliveLoad } from '../helpers/keep-alive-load.js'
import { fixture } from '../helpers/processes.js'
import { findFreePort } from '../helpers/run-example.js'

const pool = createClusterPool()
const drain = suite('HTTP drain of an unmodified keep-alive server')

drain.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlives its cluster')
})

drain('a rolling reload of 4 workers under 50 keep-alive connections loses no request', async () => {
  const port = await findFreePort()
  const { cluster, log } = pool.start({ worker: fixture('keep-alive-server.ts'), count: 4, env: { PORT: String(port), VERSION: 'v1' } })
  await cluster.onReady()
  const load = startKeepAliveLoad(port, { clients: 50 })
  await load.onAnswered(500)
  await cluster.reload({ env: { VERSION: 'v2' } })
  const afterReload = load.result.answered
  await load.onAnswered(afterReload + 500)
  const result = await load.stop()
  console.log(`  reload: ${result.sent} sent, ${result.answered} answered, ${result.failed} failed, ${result.connections} connections`)
  assert.equal(result.errors, [])
  assert.is(result.non2xx, 0)
  assert.is(result.answered, result.sent)
  assert.equal([...result.versions.keys()].sort(), ['v1', 'v2'])
  // Every old worker left on its own after its drain: no SIGTERM or SIGKILL was needed.
  const oldExits = log.exits.filter((exit) => exit.generation === 0)
  assert.equal(oldExits.map(({ exit }) => [exit.code, exit.signal]), [[0, null], [0, null], [0, null], [0, null]])
})

drain('a graceful stop under 50 keep-alive connections answers every request sent before it', async () => {
  const port = await findFreePort()
  const { cluster, log } = pool.start({ worker: fixture('keep-alive-server.ts'), count: 4, env: { PORT: String(port) } })
  await cluster.onReady()
  const load = startKeepAliveLoad(port, { clients: 50 })
  await load.onAnswered(500)
  load.mark()
  await cluster.stop()
  const result = await load.stop()
  console.log(`  stop: ${result.sent} sent, ${result.answered} answered, ${result.failed} failed (${result.failedBeforeMark} sent before the stop), ${JSON.stringify(result.errorCodes)}`)
  assert.is(result.failedBeforeMark, 0, `failed before the stop: ${result.errors.join('; ')}`)
  assert.is(result.non2xx, 0)
  assert.equal(log.exits.map(({ exit }) => [exit.code, exit.signal]), [[0, null], [0, null], [0, null], [0, null]])
})

drain('an HTTP/2 server closes its sessions with GOAWAY: a reload loses no stream', async () => {
  const port = await findFreePort()
  const { cluster, log } = pool.start({ worker: fixture('http2-server.ts'), count: 2, env: { PORT: String(port), VERSION: 'v1' } })
  await cluster.onReady()
  const counts = { sent: 0, answered: 0, sessions: 0, errors: [] as string[] }
  let session: ClientHttp2Session | undefined
  // Like an HTTP/2 client: one session at a time, a new one once the server says GOAWAY.
  const currentSession = () => {
    if (!session || session.closed || session.destroyed) {
      counts.sessions++
      const next = connect(`http://127.0.0.1:${port}`)
      next.on('goaway', () => session === next && (session = undefined))
      next.on('error', () => {})
      session = next
    }
    return session
  }
  let isLoading = true
  const requestOne = () =>
    new Promise<void>((resolve) => {
      counts.sent++
      const stream = currentSession().request({ ':path': '/' })
      stream.setEncoding('utf8')
      stream.on('data', () => {})
      stream.on('end', () => (counts.answered++, resolve()))
      stream.on('error', (error: Error) => (counts.errors.push(error.message), resolve()))
      stream.end()
    })
  const clients = Promise.all(Array.from({ length: 20 }, async () => { while (isLoading) await requestOne() }))
  while (counts.answered < 300) await new Promise((resolve) => setTimeout(resolve, 10))
  await cluster.reload({ env: { VERSION: 'v2' } })
  const afterReload = counts.answered
  while (counts.answered < afterReload + 300) await new Promise((resolve) => setTimeout(resolve, 10))
  isLoading = false
  await clients
  session?.close()
  console.log(`  http2 reload: ${counts.sent} sent, ${counts.answered} answered, ${counts.sessions} sessions`)
  assert.equal(counts.errors, [])
  assert.is(counts.answered, counts.sent)
  assert.equal(log.exits.filter((exit) => exit.generation === 0).map(({ exit }) => [exit.code, exit.signal]), [[0, null], [0, null]])
})

drain.run()
