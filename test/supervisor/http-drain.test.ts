import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  assert.equal(
    oldExits.map(({ exit }) => [exit.code, exit.signal]),
    [
      [0, null],
      [0, null],
      [0, null],
      [0, null],
    ],
  )
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
  console.log(
    `  stop: ${result.sent} sent, ${result.answered} answered, ${result.failed} failed (${result.failedBeforeMark} sent before the stop), ${JSON.stringify(result.errorCodes)}`,
  )
  assert.is(result.failedBeforeMark, 0, `failed before the stop: ${result.errors.join('; ')}`)
  assert.is(result.non2xx, 0)
  assert.equal(
    log.exits.map(({ exit }) => [exit.code, exit.signal]),
    [
      [0, null],
      [0, null],
      [0, null],
      [0, null],
    ],
  )
})

drain('a slow request in flight when the stop begins is answered, with Connection: close', async () => {
  const port = await findFreePort()
  const { cluster, log } = pool.start({ worker: fixture('keep-alive-server.ts'), count: 1, env: { PORT: String(port) } })
  await cluster.onReady()
  const agent = new Agent({ keepAlive: true })
  const answer = new Promise<{ status?: number; connection?: string; body: string }>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/slow', agent }, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode, connection: response.headers.connection, body }))
    })
      .on('error', reject)
      .end()
  })
  // The request is on the worker (its socket connected) before the stop begins.
  await new Promise((resolve) => setTimeout(resolve, 100))
  const stopped = cluster.stop()
  const { status, connection, body } = await answer
  await stopped
  agent.destroy()
  assert.equal([status, connection], [200, 'close'])
  assert.match(body, /^v1 \d+\n$/)
  assert.equal(
    log.exits.map(({ exit }) => [exit.code, exit.signal]),
    [[0, null]],
  )
})

drain('an HTTPS server drains the same: a reload under 20 keep-alive TLS clients loses no request', async () => {
  // A throwaway self-signed certificate for 127.0.0.1, made by openssl for this test.
  const dir = mkdtempSync(join(tmpdir(), 'xc-tls-'))
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
    { stdio: 'ignore' },
  )
  try {
    const port = await findFreePort()
    const { cluster, log } = pool.start({
      worker: fixture('https-server.ts'),
      count: 2,
      env: { PORT: String(port), TLS_KEY: key, TLS_CERT: cert },
    })
    await cluster.onReady()
    const counts = { sent: 0, answered: 0, errors: [] as string[] }
    let isLoading = true
    const client = async () => {
      const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false })
      while (isLoading) {
        counts.sent++
        await new Promise<void>((resolve) => {
          httpsRequest({ host: '127.0.0.1', port, agent }, (response) => {
            response.on('data', () => {})
            response.on('end', () => {
              if (response.statusCode === 200) counts.answered++
              else counts.errors.push(`status ${response.statusCode}`)
              resolve()
            })
          })
            .on('error', (error) => {
              counts.errors.push(error.message)
              resolve()
            })
            .end()
        })
      }
      agent.destroy()
    }
    const clients = Promise.all(Array.from({ length: 20 }, client))
    while (counts.answered < 200) await new Promise((resolve) => setTimeout(resolve, 10))
    await cluster.reload({ env: { VERSION: 'v2' } })
    const afterReload = counts.answered
    while (counts.answered < afterReload + 200) await new Promise((resolve) => setTimeout(resolve, 10))
    isLoading = false
    await clients
    console.log(`  https reload: ${counts.sent} sent, ${counts.answered} answered`)
    assert.equal(counts.errors, [])
    assert.is(counts.answered, counts.sent)
    assert.equal(
      log.exits.filter((exit) => exit.generation === 0).map(({ exit }) => [exit.code, exit.signal]),
      [
        [0, null],
        [0, null],
      ],
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

drain('an HTTP/2 server closes its sessions with GOAWAY: a reload loses no request (refused streams are retried)', async () => {
  const port = await findFreePort()
  const { cluster, log } = pool.start({ worker: fixture('http2-server.ts'), count: 2, env: { PORT: String(port), VERSION: 'v1' } })
  await cluster.onReady()
  const counts = { sent: 0, answered: 0, refused: 0, sessions: 0, errors: [] as string[] }
  let session: ClientHttp2Session | undefined
  // Like an HTTP/2 client: one session at a time, a new one once the server says GOAWAY.
  const currentSession = () => {
    if (!session || session.closed || session.destroyed) {
      counts.sessions++
      const next = connect(`http://127.0.0.1:${port}`)
      next.on('goaway', () => {
        if (session === next) session = undefined
      })
      next.on('error', () => {})
      session = next
    }
    return session
  }
  let isLoading = true
  // A stream that raced the GOAWAY is refused with REFUSED_STREAM, which HTTP/2 defines as not
  // processed and safe to retry (RFC 9113 §8.7); clients (browsers, undici, gRPC) retry it, so does this one.
  const streamOnce = () =>
    new Promise<'answered' | 'refused'>((resolve) => {
      const stream = currentSession().request({ ':path': '/' })
      stream.setEncoding('utf8')
      stream.on('data', () => {})
      stream.on('end', () => resolve('answered'))
      stream.on('error', (error: Error) => {
        if (error.message.includes('NGHTTP2_REFUSED_STREAM')) return resolve('refused')
        counts.errors.push(error.message)
        resolve('answered')
      })
      stream.end()
    })
  const requestOne = async () => {
    counts.sent++
    while ((await streamOnce()) === 'refused') counts.refused++
    counts.answered++
  }
  const clients = Promise.all(
    Array.from({ length: 20 }, async () => {
      while (isLoading) await requestOne()
    }),
  )
  while (counts.answered < 300) await new Promise((resolve) => setTimeout(resolve, 10))
  await cluster.reload({ env: { VERSION: 'v2' } })
  const afterReload = counts.answered
  while (counts.answered < afterReload + 300) await new Promise((resolve) => setTimeout(resolve, 10))
  isLoading = false
  await clients
  session?.close()
  console.log(
    `  http2 reload: ${counts.sent} sent, ${counts.answered} answered, ${counts.refused} refused and retried, ${counts.sessions} sessions`,
  )
  assert.equal(counts.errors, [])
  assert.is(counts.answered, counts.sent)
  assert.equal(
    log.exits.filter((exit) => exit.generation === 0).map(({ exit }) => [exit.code, exit.signal]),
    [
      [0, null],
      [0, null],
    ],
  )
})

drain.run()
