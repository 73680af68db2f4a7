import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { WebSocket } from 'ws'
import { createInspectorServer } from '../../src/index.js'
import type { XclusterInspectorServer } from '../../src/index.js'
import { fixture, startProgram, waitFor } from '../helpers/processes.js'
import type { WatchedProgram } from '../helpers/processes.js'
import { launchChromium, waitForCount } from '../fixtures/inspect-browser.js'
import type { BrowserSlot } from '../fixtures/inspect-browser.js'

/** How long a browser-side condition may take before the test fails, in ms. */
const WAIT = 15_000

const servers: XclusterInspectorServer[] = []
const programs: WatchedProgram[] = []

async function cleanUp(): Promise<void> {
  for (const program of programs.splice(0)) program.kill()
  await Promise.all(servers.splice(0).map((s) => s.close()))
}

async function start(options: Parameters<typeof createInspectorServer>[0] = {}): Promise<XclusterInspectorServer> {
  const server = await createInspectorServer(options)
  servers.push(server)
  return server
}

/** Opens a WebSocket and says how the server answered: 'open', or the HTTP status of the refusal. */
function tryConnect(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.on('open', () => {
      ws.close()
      resolve('open')
    })
    ws.on('unexpected-response', (_req, res) => {
      res.resume()
      resolve(String(res.statusCode))
    })
    ws.on('error', (error) => resolve(`error: ${error.message}`))
  })
}

// ---

const browser = suite<BrowserSlot>('inspector server in Chromium', { browser: null, error: null })
browser.before(async (context) => {
  Object.assign(context, await launchChromium('inspector server in Chromium'))
})
browser.after(async (context) => {
  await context.browser?.close()
})
browser.after.each(cleanUp)

browser(
  'a plain XState program using createWebSocketInspector appears with its live state and chart',
  async ({ browser: chromium, error }) => {
    if (error) throw error
    if (!chromium) return
    const server = await start()
    assert.match(server.inspectorUrl, /^ws:\/\/127\.0\.0\.1:\d+\/$/)
    const program = await startProgram(fixture('inspect-plain-app.ts'), { env: { INSPECTOR_URL: server.inspectorUrl } })
    programs.push(program)
    await waitFor(() => program.stdout.includes('ready'), 'the program started')

    const page = await chromium.newPage({ viewport: { width: 1400, height: 1000 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
    try {
      await page.goto(server.url)
      await waitForCount(page, '#actors tbody tr[data-state="green"]', 1, WAIT)
      assert.is(await page.locator('#actors tbody tr td').nth(1).textContent(), 'light')
      await page.waitForSelector('svg[data-machine="light"] [data-badge="green"]', { timeout: WAIT })
      // Its chart: every state drawn once.
      const drawn = await page
        .locator('svg[data-machine="light"] g.state:not(.any)')
        .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')))
      assert.equal(drawn.sort(), ['green', 'red', 'red.stop', 'red.walk', 'yellow'])

      program.child.stdin.write('next\n')
      await waitForCount(page, '#actors tbody tr[data-state="yellow"]', 1, WAIT)
      program.child.stdin.write('next\n')
      await waitForCount(page, '#actors tbody tr[data-state="red.stop"]', 1, WAIT)
      await page.waitForSelector('svg[data-machine="light"] [data-badge="red.stop"]', { timeout: WAIT })
      assert.is(await page.locator('svg[data-machine="light"] g.state.compound.active[data-state="red"]').count(), 1)
      // The arrow just taken is marked.
      assert.is(await page.locator('svg[data-machine="light"] g.edge.last').getAttribute('data-target'), 'red')

      // Its history: the events with their payload.
      await page.locator('#actors tbody tr').first().click()
      await page.waitForSelector('#history-panel:not([hidden]) .history-events', { timeout: WAIT })
      assert.match(String(await page.locator('.history-events').textContent()), '{ by: "stdin" }')
      program.child.stdin.end('quit\n')
      assert.equal(await program.exited, [0, null])
      assert.equal(problems, [])
    } finally {
      await page.close()
    }
  },
)

// ---

const gate = suite('inspector server: who may send events')
gate.after.each(cleanUp)

gate('binds to loopback, and a non-loopback bind needs a token', async () => {
  const server = await start()
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/)
  try {
    await createInspectorServer({ host: '0.0.0.0' })
    assert.unreachable('should have rejected')
  } catch (error) {
    assert.instance(error, TypeError)
    assert.match((error as Error).message, 'cannot bind to "0.0.0.0" without a token')
  }
})

gate('refuses a WebSocket with a foreign Host (403), a wrong token (401), or a page of another origin (403)', async () => {
  const server = await start({ token: 'tok-ws' })
  assert.match(server.inspectorUrl, /\/\?token=tok-ws$/)
  const bare = server.inspectorUrl.replace('?token=tok-ws', '')
  assert.is(await tryConnect(server.inspectorUrl), 'open')
  assert.is(await tryConnect(bare), '401')
  assert.is(await tryConnect(`${bare}?token=wrong`), '401')
  assert.is(await tryConnect(server.inspectorUrl, { host: 'rebind.evil.example' }), '403')
  assert.is(await tryConnect(server.inspectorUrl, { origin: 'https://evil.example' }), '403')
  assert.is(await tryConnect(server.inspectorUrl, { origin: new URL(server.url).origin }), 'open')
})

gate('ignores malformed and prototype-polluting messages, and keeps serving', async () => {
  const server = await start()
  const ws = new WebSocket(server.inspectorUrl)
  await new Promise((resolve) => ws.once('open', resolve))
  ws.send('not json')
  ws.send(JSON.stringify({ type: '@xstate.actor' }))
  ws.send(
    '{"type":"@xstate.actor","sessionId":"x:1","definition":"{\\"id\\":\\"evil\\",\\"states\\":{\\"a\\":{}},\\"__proto__\\":{\\"polluted\\":true}}","snapshot":{"value":"a","status":"active"}}',
  )
  ws.send(Buffer.from([1, 2, 3]))
  await new Promise((resolve) => setTimeout(resolve, 100))
  ws.close()
  assert.is(({} as { polluted?: boolean }).polluted, undefined)
  const state = await fetch(`${server.url}state.json`).then(
    (r) => r.json() as Promise<{ actors: Array<{ machineId: string; states: string[] }> }>,
  )
  assert.equal(
    state.actors.map((a) => [a.machineId, a.states]),
    [['evil', ['a']]],
  )
})

browser.run()
gate.run()
