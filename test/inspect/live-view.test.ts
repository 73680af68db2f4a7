import { request } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { connect } from 'node:net'
import { assign, createActor, setup } from 'xstate'
import type { AnyActorRef } from 'xstate'
import { createLiveView } from '../../src/inspect/live-view.js'
import type { XclusterLiveView } from '../../src/inspect/live-view.js'
import { toySupervisorMachine, toyWorkerMachine } from '../fixtures/inspect-machines.js'

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** A plain node:http request, so that the Host header can be anything (fetch forbids setting it). */
function get(url: string, options: { host?: string | null; method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: options.method ?? 'GET',
        // A fresh socket each time: a pooled keep-alive socket would outlive a closed server.
        agent: false,
        // host: null sends no Host header at all.
        setHost: options.host !== null,
        headers: { ...(typeof options.host === 'string' ? { host: options.host } : {}), ...options.headers },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

interface SseMessage {
  event: string
  data: any
}

/** A `batch` as the single messages it stands for, in the order the page applies them. */
function flattenBatch(batch: { rows: unknown[]; transitions: unknown[]; removes: string[]; actors?: unknown }): SseMessage[] {
  return [
    ...batch.rows.map((data) => ({ event: 'actor', data })),
    ...batch.transitions.map((data) => ({ event: 'transition', data })),
    ...batch.removes.map((sessionId) => ({ event: 'remove', data: { sessionId } })),
    ...(batch.actors ? [{ event: 'actors', data: batch.actors }] : []),
  ]
}

/** Reads an event stream until `isDone` says so (or 5 s pass), then closes it. */
function readEvents(
  url: string,
  isDone: (messages: SseMessage[]) => boolean,
  onOpen?: (stop: () => void) => void,
): Promise<{ status: number; messages: SseMessage[] }> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const messages: SseMessage[] = []
    const req = request({ host: target.hostname, port: target.port, path: target.pathname + target.search, agent: false }, (res) => {
      let buffer = ''
      const finish = (): void => {
        clearTimeout(timer)
        req.destroy()
        resolve({ status: res.statusCode ?? 0, messages })
      }
      const timer = setTimeout(finish, 5_000)
      res.setEncoding('utf8')
      res.on('end', finish)
      res.on('data', (chunk: string) => {
        buffer += chunk
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event === 'batch' && data) messages.push(...flattenBatch(JSON.parse(data)))
          else if (event && data) messages.push({ event, data: JSON.parse(data) })
          if (event === 'init') onOpen?.(finish)
        }
        if (isDone(messages)) finish()
      })
    })
    req.on('error', reject)
    req.end()
  })
}

const views: XclusterLiveView[] = []
const actors: AnyActorRef[] = []

async function startView(options: Partial<Parameters<typeof createLiveView>[0]> = {}): Promise<XclusterLiveView> {
  const view = await createLiveView({ workerMachine: toyWorkerMachine, ...options })
  views.push(view)
  return view
}

function startCluster(view: XclusterLiveView) {
  const actor = createActor(toySupervisorMachine, { input: { count: 3 }, inspect: view.observer }).start()
  actors.push(actor)
  const slot = (id: string): AnyActorRef => actor.system.get(id)!
  return { actor, slot }
}

async function cleanUp(): Promise<void> {
  for (const actor of actors.splice(0)) actor.stop()
  await Promise.all(views.splice(0).map((v) => v.close()))
}

// ---

const server = suite('live view server')
server.after.each(cleanUp)

server('binds to 127.0.0.1 on a free port by default and serves the page', async () => {
  const view = await startView()
  assert.match(view.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  const page = await get(view.url)
  assert.is(page.status, 200)
  assert.is(page.headers['content-type'], 'text/html; charset=utf-8')
  assert.match(page.body, '<div class="charts" id="charts">')
  // The charts come with the stream, once drawn: the worker machine's first.
  await view.onChartsDrawn()
  const init = await readEvents(`${view.url}events`, (m) => m.length > 0)
  const chart = init.messages[0]?.data.charts[0]
  assert.is(chart.machineId, 'worker')
  assert.match(chart.svg, '<svg xmlns="http://www.w3.org/2000/svg" class="statechart"')
  assert.match(chart.svg, 'data-state="disconnecting.draining"')
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'nonce-[^']+'/)
  assert.is(page.headers['x-content-type-options'], 'nosniff')
  assert.is(page.headers['referrer-policy'], 'no-referrer')
})

server('refuses a non-loopback bind without a token', async () => {
  try {
    await createLiveView({ workerMachine: toyWorkerMachine, host: '0.0.0.0' })
    assert.unreachable('should have rejected')
  } catch (error) {
    assert.instance(error, TypeError)
    assert.is(
      (error as Error).message,
      'createLiveView() cannot bind to "0.0.0.0" without a token: anyone who can reach that address could watch the cluster. Pass `token` (a long random string) or bind to 127.0.0.1.',
    )
  }
})

server('rejects bad options with a TypeError naming the option', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ port: -1 }, 'Expected `port` to be an integer from 0 to 65535, got `-1` (number).'],
    [{ port: 1.5 }, 'Expected `port` to be an integer from 0 to 65535, got `1.5` (number).'],
    [{ token: '' }, 'Expected `token` to be a non-empty string, got `` (string).'],
    [{ host: '' }, "Expected `host` to be a non-empty string such as '127.0.0.1', got `` (string)."],
    [{ maxClients: 0 }, 'Expected `maxClients` to be an integer from 1 and up, got `0` (number).'],
    [
      { workerMachine: {} },
      'Expected `workerMachine` to be an XState machine (from setup().createMachine()), got `[object Object]` (object).',
    ],
  ]
  for (const [options, message] of cases) {
    try {
      await createLiveView({ workerMachine: toyWorkerMachine, ...options } as Parameters<typeof createLiveView>[0])
      assert.unreachable(`should have rejected ${JSON.stringify(options)}`)
    } catch (error) {
      assert.instance(error, TypeError)
      assert.is((error as Error).message, message)
    }
  }
})

server('a non-loopback bind with a token serves only requests that carry it', async () => {
  const view = await startView({ host: '0.0.0.0', token: 'tok-123' })
  const port = new URL(view.url).port
  assert.is(view.url, `http://127.0.0.1:${port}/?token=tok-123`)
  const without = await get(`http://127.0.0.1:${port}/`)
  assert.is(without.status, 401)
  assert.is(without.body, 'Unauthorized: this live view needs its token (?token=… or an `Authorization: Bearer …` header).\n')
  assert.is((await get(`http://127.0.0.1:${port}/?token=tok-123`)).status, 200)
  assert.is((await get(`http://127.0.0.1:${port}/state.json`, { headers: { authorization: 'Bearer tok-123' } })).status, 200)
})

server('refuses a foreign Host header with 403 (DNS rebinding)', async () => {
  const view = await startView()
  for (const host of ['rebind.evil.example', `rebind.evil.example:${new URL(view.url).port}`, '127.0.0.1.evil.example']) {
    const reply = await get(view.url, { host })
    assert.is(reply.status, 403, String(host))
    assert.is(
      reply.body,
      'Forbidden: this live view does not answer to that Host header. Open it by its own address, or add the name to `allowedHosts`.\n',
    )
  }
  // Node's own HTTP server already refuses an HTTP/1.1 request without Host (400).
  assert.is((await get(view.url, { host: null })).status, 400)
  assert.is((await get(view.url, { host: `localhost:${new URL(view.url).port}` })).status, 200)
})

server('rejects with the listen error when the port is taken', async () => {
  const first = await startView()
  const port = Number(new URL(first.url).port)
  try {
    await createLiveView({ workerMachine: toyWorkerMachine, port })
    assert.unreachable('should have rejected')
  } catch (error) {
    assert.is((error as NodeJS.ErrnoException).code, 'EADDRINUSE')
  }
})

server('answers to a name listed in allowedHosts', async () => {
  const view = await startView({ allowedHosts: ['dashboard.internal'] })
  assert.is((await get(view.url, { host: 'dashboard.internal' })).status, 200)
})

server('is read-only: other methods get 405 and change nothing', async () => {
  const view = await startView()
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const reply = await get(view.url, { method })
    assert.is(reply.status, 405, method)
    assert.is(reply.headers.allow, 'GET, HEAD')
    assert.is(reply.body, 'Method Not Allowed: the live view is read-only; use GET.\n')
  }
  assert.is((await get(`${view.url}nothing-here`)).status, 404)
})

server('state.json holds each worker with only its known fields', async () => {
  const view = await startView({ getStats: () => [{ workerId: 1, inFlight: 2, restarts: 5 }] })
  const { slot } = startCluster(view)
  slot('s0').send({ type: 'process.fork', pid: 4242, workerId: 1 })
  slot('s0').send({ type: 'process.online' })
  const reply = await get(`${view.url}state.json`)
  const state = JSON.parse(reply.body)
  const worker = state.actors.find((a: { slotId: string; kind: string }) => a.kind === 'worker' && a.slotId === 's0')
  assert.equal([worker.pid, worker.workerId, worker.states, worker.reason], [4242, 1, ['online'], 'process online'])
  assert.equal(state.stats, [{ workerId: 1, inFlight: 2, restarts: 5 }])
  assert.not.match(reply.body, 'do-not-show')
  assert.not.match(reply.body, 'beats')
})

// ---

const stream = suite('live view event stream')
stream.after.each(cleanUp)

stream('a late client first gets the whole table, then each transition as it happens', async () => {
  const view = await startView()
  const { slot } = startCluster(view)
  slot('s0').send({ type: 'process.fork', pid: 7001, workerId: 1 })
  const result = await readEvents(
    `${view.url}events`,
    (messages) => messages.some((m) => m.event === 'transition' && m.data.event === 'stop'),
    () => {
      slot('s0').send({ type: 'process.online' })
      slot('s0').send({ type: 'process.listening' })
      slot('s0').send({ type: 'stop' })
    },
  )
  assert.is(result.status, 200)
  const [init, ...rest] = result.messages
  assert.is(init?.event, 'init')
  assert.equal(
    init?.data.actors
      .filter((a: { kind: string }) => a.kind === 'worker')
      .map((a: { slotId: string; states: string[] }) => [a.slotId, a.states]),
    [
      ['s0', ['forking']],
      ['s1', ['forking']],
      ['s2', ['forking']],
    ],
  )
  const transitions = rest
    .filter((m) => m.event === 'transition' && m.data.kind === 'worker')
    .map((m) => [m.data.from, m.data.to, m.data.reason])
  assert.equal(transitions, [
    [['forking'], ['online'], 'process online'],
    [['online'], ['listening'], 'a server is listening'],
    [['listening'], ['disconnecting.draining'], 'stop requested'],
  ])
  const seqs = rest.filter((m) => m.event === 'actor' && m.data.slotId === 's0' && m.data.kind === 'worker').map((m) => m.data.seq)
  assert.equal(seqs, [3, 4, 5])
})

stream('a hostile reason travels as JSON text, never as markup', async () => {
  const view = await startView()
  const { slot } = startCluster(view)
  const hostile = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>'
  slot('s0').send({ type: 'process.exit', code: null, signal: hostile })
  const page = await get(view.url)
  assert.not.match(page.body, 'onerror')
  const result = await readEvents(`${view.url}events`, (m) => m.length > 0)
  const worker = result.messages[0]?.data.actors.find((a: { kind: string; status: string }) => a.kind === 'worker' && a.status === 'done')
  assert.is(worker.reason, `exited with ${hostile}`)
})

stream('statistics are pushed when they change', async () => {
  let inFlight = 0
  const view = await startView({ getStats: () => [{ workerId: 1, inFlight, restarts: 0 }] })
  const result = await readEvents(
    `${view.url}events`,
    (messages) => messages.some((m) => m.event === 'stats'),
    () => (inFlight = 3),
  )
  assert.equal(result.messages[0]?.data.stats, [{ workerId: 1, inFlight: 0, restarts: 0 }])
  assert.equal(result.messages.find((m) => m.event === 'stats')?.data.stats, [{ workerId: 1, inFlight: 3, restarts: 0 }])
})

stream('refuses clients beyond maxClients with 503', async () => {
  const view = await startView({ maxClients: 1 })
  let second: Reply | undefined
  await readEvents(
    `${view.url}events`,
    () => false,
    (stop) => {
      void get(`${view.url}events`).then((reply) => {
        second = reply
        stop()
      })
    },
  )
  assert.is(second?.status, 503)
  assert.is(
    second?.body,
    'Service Unavailable: 1 live view client is connected already (the most allowed); close a tab, or raise the limit with supervise({ dashboard: { maxClients } }) or createLiveView({ maxClients }).\n',
  )
})

stream('drops a client that stops reading once its buffer stays full, even when nothing more is sent', async () => {
  const view = await startView({ maxClients: 1, stallTimeout: 100 })
  const talker = createActor(
    setup({ types: { events: {} as { type: 'say'; text: string } } }).createMachine({
      id: 'talker',
      context: { reason: '' },
      on: { say: { actions: assign(({ event }) => ({ reason: event.text })) } },
    }),
    { inspect: view.observer },
  ).start()
  actors.push(talker)
  const target = new URL(view.url)
  const stalled = connect({ host: target.hostname, port: Number(target.port) })
  stalled.on('error', () => {})
  await new Promise((resolve) => stalled.once('connect', resolve))
  stalled.write(`GET /events HTTP/1.1\r\nHost: ${target.host}\r\n\r\n`)
  // It never reads: once the kernel's buffers are full, what is sent waits in the server.
  stalled.pause()
  const probe = (): Promise<number> =>
    get(`${view.url}state.json`).then(() => readEvents(`${view.url}events`, (m) => m.length > 0).then((r) => r.status))
  let status = 503
  let batches = 0
  // Batches of ~200 KB, each followed by a quiet spell: well below the 1 MiB that would drop
  // the client while writing, so only the stall check can free its place.
  while (status === 503 && batches < 200) {
    for (let i = 0; i < 160; i++) talker.send({ type: 'say', text: `${batches}-${i} ${'x'.repeat(390)}` })
    batches += 1
    await new Promise((resolve) => setTimeout(resolve, 300))
    status = await probe()
  }
  stalled.destroy()
  if (process.env.XCLUSTER_TEST_VERBOSE) console.log(`stalled client dropped after ${batches} batches of 160 events`)
  assert.is(status, 200, 'the stalled client lost its place')
})

stream('serves /favicon.ico without the token (browsers ask without ?token=), still checking Host', async () => {
  const view = await startView({ token: 'tok-123' })
  const favicon = `http://127.0.0.1:${new URL(view.url).port}/favicon.ico`
  assert.is((await get(favicon)).status, 204)
  assert.is((await get(favicon, { host: 'attacker.example' })).status, 403)
  assert.is((await get(`http://127.0.0.1:${new URL(view.url).port}/state.json`)).status, 401)
})

stream('history.json gives one actor its events, transitions and a crash record', async () => {
  const view = await startView()
  const { slot } = startCluster(view)
  slot('s1').send({ type: 'process.fork', pid: 6002, workerId: 2 })
  slot('s1').send({ type: 'process.online' })
  slot('s1').send({ type: 'process.exit', code: null, signal: 'SIGKILL' })
  const state = JSON.parse((await get(`${view.url}state.json`)).body)
  const worker = state.actors.find((a: { kind: string; workerId: number | null }) => a.kind === 'worker' && a.workerId === 2)
  const history = JSON.parse((await get(`${view.url}history.json?session=${encodeURIComponent(worker.sessionId)}`)).body)
  assert.equal(
    history.events.map((e: { type: string; summary: string }) => [e.type, e.summary]),
    [
      ['xstate.init', '{ input: {…} }'],
      ['process.fork', '{ pid: 6002, workerId: 2 }'],
      ['process.online', ''],
      ['process.exit', '{ code: null, signal: "SIGKILL" }'],
    ],
  )
  assert.equal(
    history.transitions.map((t: { from: string[]; to: string[] }) => [t.from, t.to]),
    [
      [[], ['forking']],
      [['forking'], ['forking']],
      [['forking'], ['online']],
      [['online'], ['exited']],
    ],
  )
  assert.equal([history.crash.exitSignal, history.crash.lastStates, history.crash.reason], ['SIGKILL', ['online'], 'exited with SIGKILL'])
  const unknown = await get(`${view.url}history.json?session=nope`)
  assert.equal([unknown.status, unknown.body], [200, 'null'])
})

stream('close() ends open streams and stops the server', async () => {
  const view = await startView()
  let closed: Promise<void> | undefined
  const result = await readEvents(
    `${view.url}events`,
    () => false,
    () => {
      closed = view.close()
    },
  )
  await closed
  // The init message, and perhaps the worker chart as soon as it is drawn: nothing after close.
  assert.equal(
    result.messages.filter((m) => m.event !== 'chart').map((m) => m.event),
    ['init'],
  )
  await get(view.url).then(
    () => assert.unreachable('the server should be closed'),
    (error: NodeJS.ErrnoException) => assert.is(error.code, 'ECONNREFUSED'),
  )
  await view.close()
})

server.run()
stream.run()
