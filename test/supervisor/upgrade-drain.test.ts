import { once } from 'node:events'
import { request } from 'node:http'
import { connect } from 'node:net'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { WebSocket } from 'ws'
import { UPGRADE_CLOSE_GRACE, WEBSOCKET_GOING_AWAY, websocketCloseFrame } from '../../src/supervisor/upgrade-drain.js'
import { createClusterPool } from '../helpers/cluster.js'
import { fixture, waitFor } from '../helpers/processes.js'
import { findFreePort } from '../helpers/run-example.js'

const pool = createClusterPool()
const drain = suite('drain of upgraded connections (WebSocket and raw)')

drain.after.each(async () => {
  assert.equal(await pool.cleanup(), [], 'no worker outlives its cluster')
})

interface OpenSocket {
  ws: WebSocket
  pid: string
  closed: Promise<{ code: number; reason: string }>
}

/** Opens a WebSocket and learns which worker answers it (the echo carries the pid). */
async function openSocket(port: number): Promise<OpenSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`)
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  await once(ws, 'open')
  ws.send('hi')
  const [data] = await once(ws, 'message')
  const [word, pid] = String(data).split(' ')
  assert.is(word, 'hi')
  return { ws, pid: pid!, closed }
}

drain(
  'a rolling reload closes each open WebSocket with 1001, the old workers exit on their own, new sockets reach the new ones',
  async () => {
    const port = await findFreePort()
    const { cluster, log } = pool.start({ worker: fixture('upgrade-server.ts'), count: 2, env: { PORT: String(port) } })
    await cluster.onReady()
    const oldPids = new Set(cluster.workers().map((worker) => String(worker.pid)))
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openSocket(port)))
    assert.ok(
      sockets.every((socket) => oldPids.has(socket.pid)),
      'old workers answered',
    )
    await cluster.reload()
    const closes = await Promise.all(sockets.map((socket) => socket.closed))
    assert.equal(
      closes,
      sockets.map(() => ({ code: WEBSOCKET_GOING_AWAY, reason: 'server restarting' })),
    )
    assert.equal(
      log.exits.filter((exit) => exit.generation === 0).map(({ exit }) => [exit.code, exit.signal]),
      [
        [0, null],
        [0, null],
      ],
    )
    const again = await Promise.all(Array.from({ length: 4 }, () => openSocket(port)))
    assert.ok(
      again.every((socket) => !oldPids.has(socket.pid)),
      'reconnected to new workers',
    )
    for (const socket of again) socket.ws.close()
  },
)

drain('an app that closes its own WebSockets when the drain begins keeps its close code', async () => {
  const port = await findFreePort()
  const { cluster } = pool.start({ worker: fixture('upgrade-server.ts'), count: 1, env: { PORT: String(port), APP_CLOSE_CODE: '1012' } })
  await cluster.onReady()
  const sockets = await Promise.all(Array.from({ length: 3 }, () => openSocket(port)))
  await cluster.stop()
  const closes = await Promise.all(sockets.map((socket) => socket.closed))
  assert.equal(
    closes,
    sockets.map(() => ({ code: 1012, reason: 'app restarting' })),
  )
})

drain('a raw upgraded connection gets a FIN after the grace, and the worker exits on its own', async () => {
  const port = await findFreePort()
  const { cluster, log } = pool.start({ worker: fixture('upgrade-server.ts'), count: 1, env: { PORT: String(port) } })
  await cluster.onReady()
  const socket = connect(port, '127.0.0.1')
  let received = ''
  socket.on('data', (chunk) => {
    received += chunk
  })
  socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: line-echo\r\nConnection: Upgrade\r\n\r\n')
  await waitFor(() => received.includes('\r\n\r\n'), 'the 101 response')
  assert.ok(received.startsWith('HTTP/1.1 101 Switching Protocols'), received)
  socket.write('ping\n')
  await waitFor(() => received.endsWith('ping\n'), 'the echo')
  const ended = once(socket, 'end')
  const stopping = cluster.stop()
  const startedAt = Date.now()
  await ended
  // Not reset, not left open until the deadline: the peer's FIN came after the app's grace.
  assert.ok(Date.now() - startedAt >= UPGRADE_CLOSE_GRACE - 50, 'the app had its grace first')
  socket.end()
  await stopping
  assert.equal(
    log.exits.map(({ exit }) => [exit.code, exit.signal]),
    [[0, null]],
  )
})

drain('a server without an upgrade listener still answers Upgrade requests as plain requests', async () => {
  const port = await findFreePort()
  const { cluster } = pool.start({ worker: fixture('plain-upgrade-server.ts'), count: 1, env: { PORT: String(port) } })
  await cluster.onReady()
  const body = await new Promise<string>((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', headers: { Upgrade: 'websocket', Connection: 'Upgrade' } }, (response) => {
      let text = ''
      response.on('data', (chunk) => {
        text += chunk
      })
      response.on('end', () => resolve(`${response.statusCode} ${text}`))
    })
    req.on('error', reject)
    req.end()
  })
  assert.is(body, '200 plain websocket')
})

drain('the close frame is an unmasked FIN close with the code and a reason cut to 123 bytes', () => {
  assert.equal([...websocketCloseFrame(1001, 'bye')], [0x88, 5, 0x03, 0xe9, 0x62, 0x79, 0x65])
  const long = websocketCloseFrame(1001, 'x'.repeat(500))
  assert.is(long.length, 127)
  assert.is(long[1], 125)
})

drain.run()
