import { copyFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { supervise } from '../../src/index.js'
import type { SupervisedCluster, WorkerExitEvent } from '../../src/index.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'
import { CHROMIUM, artifactPath, launchChromium, waitForCount } from '../fixtures/inspect-browser.js'
import { whenAvailable } from '../helpers/when-available.js'
import type { BrowserSlot } from '../fixtures/inspect-browser.js'
import { measurePage } from '../fixtures/inspect-geometry.js'
import type { AnyStateMachine } from 'xstate'
import { slotMachine } from '../../machines/slot/slot.js'
import { supervisorMachine } from '../../machines/supervisor/supervisor.js'
import { workerMachine } from '../../machines/worker/worker.js'

/** How long a browser-side condition may take before the test fails, in ms. */
const WAIT = 15_000
/** The .ts fixture needs tsx in the worker; under `uvu -r tsx` the master's own execArgv is empty. */
const TSX = ['--import', 'tsx']
const FAST_TIMEOUTS = { start: 10_000, drain: 1_000, disconnect: 500, terminate: 500, kill: 2_000 }

const clusters: SupervisedCluster[] = []
const pids = new Set<number>()

function start(options: Partial<Parameters<typeof supervise>[0]> = {}): SupervisedCluster {
  const cluster = supervise({
    worker: fixture('http-hello.ts'),
    count: 3,
    handleSignals: false,
    timeouts: FAST_TIMEOUTS,
    execArgv: TSX,
    ...options,
  })
  cluster.on('transition', (event) => event.pid !== null && pids.add(event.pid))
  clusters.push(cluster)
  return cluster
}

async function stopAll(): Promise<void> {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL')
  pids.clear()
}

// ---

const cluster = whenAvailable(suite<BrowserSlot>('live view of a supervised cluster', { browser: null, error: null }), CHROMIUM)

cluster.before(async (context) => {
  Object.assign(context, await launchChromium('live view of a supervised cluster'))
})
cluster.after(async (context) => {
  await context.browser?.close()
})
cluster.after.each(stopAll)

/** Every state path of a machine, such as `disconnecting.draining`, sorted. */
function listStatePaths(machine: AnyStateMachine): string[] {
  const paths: string[] = []
  const visit = (node: AnyStateMachine['root']): void => {
    if (node.path.length > 0) paths.push(node.path.join('.'))
    for (const child of Object.values(node.states)) visit(child as AnyStateMachine['root'])
  }
  visit(machine.root)
  return paths.sort()
}

cluster(
  "at 1400 and 900 px: every machine drawn cleanly, badges right after a SIGKILL, the crash record in the killed worker's history",
  async ({ browser, error }) => {
    if (error) throw error
    if (!browser) return
    const c = start({ dashboard: true })
    await c.onReady()
    const url = await c.dashboardUrl()
    const victim = c.workers()[0]!
    process.kill(victim.pid!, 'SIGKILL')
    await waitFor(
      () => c.workers().filter((w) => w.state === 'listening' && w.workerId !== victim.workerId).length === 3,
      'a replacement worker listening',
    )
    const live = c
      .workers()
      .sort((a, b) => a.slotId.localeCompare(b.slotId))
      .map((w) => `#${w.workerId}`)
    const expected = new Map([supervisorMachine, slotMachine, workerMachine].map((m) => [m.id, listStatePaths(m as AnyStateMachine)]))

    for (const width of [1400, 900]) {
      const page = await browser.newPage({ viewport: { width, height: 1000 } })
      const problems: string[] = []
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
      page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
      try {
        await page.goto(url)
        await waitForCount(page, '#workers tbody tr.running[data-state="listening"]', 3, WAIT)
        await waitForCount(page, 'svg.statechart', 3, WAIT)
        // Badges: live workers on `listening`, the killed one on `exited`; slots and supervisor on theirs.
        assert.is(await page.locator('svg[data-machine="worker"] [data-badge="listening"]').textContent(), live.join(' '))
        assert.is(await page.locator('svg[data-machine="worker"] [data-badge="exited"]').textContent(), `#${victim.workerId}`)
        assert.is(await page.locator('svg[data-machine="slot"] [data-badge="running.listening"]').textContent(), 'slot-0 slot-1 slot-2')
        assert.is(await page.locator('svg[data-machine="supervisor"] [data-badge="running"]').textContent(), 'supervisor')
        // Opened after the fact, the worker chart still shows the last arrow taken: the replacement's start.
        assert.is(await page.locator('svg[data-machine="worker"] g.edge.last').getAttribute('data-target'), 'listening')
        // The killed worker's history holds its crash record.
        await page.locator(`#workers tbody tr.ended[data-worker-id="${victim.workerId}"]`).click()
        await page.waitForSelector('#crash-record', { timeout: WAIT })
        const crash = String(await page.locator('#crash-record').textContent())
        assert.match(crash, 'killed by SIGKILL')
        assert.match(crash, /in statelistening/)
        assert.match(String(await page.locator('#history-name').textContent()), `worker #${victim.workerId} (pid ${victim.pid})`)
        // The slot lines and the log name workers as the table does.
        assert.not.match(String(await page.locator('#slots').textContent()), /worker-\d/)
        assert.not.match(String(await page.locator('#log').textContent()), 'worker ?')
        assert.match(String(await page.locator('#supervisor-summary').textContent()), '3 of 3 workers listening')

        const geometry = await measurePage(page)
        if (process.env.XCLUSTER_TEST_VERBOSE)
          console.log(
            width,
            JSON.stringify(geometry.charts.map((c) => ({ id: c.machineId, states: c.states.length, scale: c.scale }))),
            geometry.logTop,
            geometry.overflowX,
          )
        assert.is(geometry.overflowX, 0, `${width}px: nothing overflows the page`)
        assert.equal(geometry.clippedPanels, [], `${width}px: no panel is wider than its content box`)
        if (width === 1400)
          assert.ok(
            geometry.logTop > 0 && geometry.logTop < geometry.viewportHeight - 40,
            `the log is above the fold (first row at ${geometry.logTop}px)`,
          )
        assert.equal(geometry.charts.map((chart) => chart.machineId).sort(), ['slot', 'supervisor', 'worker'])
        for (const chart of geometry.charts) {
          const where = `${width}px ${chart.machineId}`
          assert.equal([...chart.states].sort(), expected.get(chart.machineId), `${where}: every state drawn once`)
          assert.equal(chart.crossings, [], `${where}: no edge crosses a box it does not connect`)
          assert.equal(chart.overlaps, [], `${where}: no two labels overlap`)
          assert.equal(chart.duplicates, [], `${where}: no edge label twice`)
          assert.equal(chart.underTitles, [], `${where}: no edge runs under a compound state's title`)
          assert.equal(chart.badgesOnLabels, [], `${where}: no badge sits on an edge label`)
          assert.ok(chart.scale >= 0.85, `${where}: drawn at ${chart.scale.toFixed(2)} of its size (text stays readable)`)
          assert.is(chart.isClipped, false, `${where}: fits its panel`)
        }
        assert.equal(problems, [])
        const screenshot = artifactPath(`live-view-${width}.png`)
        await page.screenshot({ path: screenshot, fullPage: true })
        // UPDATE_SCREENSHOT=1 refreshes the README's copies.
        if (process.env.UPDATE_SCREENSHOT) copyFileSync(screenshot, new URL(`../../docs/live-view-${width}.png`, import.meta.url))
      } finally {
        await page.close()
      }
    }
  },
)

cluster('shows 3 listening workers, then a SIGKILLed one exited and its replacement, without reloading', async ({ browser, error }) => {
  if (error) throw error
  if (!browser) throw new Error('no browser: before launched none')
  const c = start({ dashboard: true })
  const exits: WorkerExitEvent[] = []
  c.on('exit', (event) => exits.push(event))
  await c.onReady()
  const url = await c.dashboardUrl()
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/)

  const page = await browser.newPage({ viewport: { width: 1360, height: 1100 } })
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`))
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`))
  try {
    await page.goto(url)
    // Browser-side code is passed as strings: this file is type-checked without the DOM library.
    await page.evaluate('window.isSamePage = true')
    await waitForCount(page, '#workers tbody tr.running[data-state="listening"]', 3, WAIT)
    const before = c.workers()
    assert.equal(
      before.map((w) => w.state),
      ['listening', 'listening', 'listening'],
    )
    for (const w of before) {
      const row = page.locator(`#workers tbody tr[data-worker-id="${w.workerId}"]`)
      assert.is(await row.locator('td').nth(1).textContent(), String(w.pid))
    }
    assert.is(
      await page.locator('svg[data-machine="worker"] [data-badge="listening"]').textContent(),
      before.map((w) => `#${w.workerId}`).join(' '),
    )

    const victim = before[1]!
    process.kill(victim.pid!, 'SIGKILL')
    await page.waitForSelector(`#workers tbody tr.ended[data-worker-id="${victim.workerId}"][data-state="exited"]`, { timeout: WAIT })
    await waitFor(() => c.workers().filter((w) => w.state === 'listening').length === 3, 'a replacement worker listening')
    const replacement = c.workers().find((w) => !before.some((b) => b.workerId === w.workerId))!
    await page.waitForSelector(`#workers tbody tr.running[data-worker-id="${replacement.workerId}"][data-state="listening"]`, {
      timeout: WAIT,
    })
    await waitForCount(page, '#workers tbody tr.running[data-state="listening"]', 3, WAIT)

    assert.is(await page.evaluate('window.isSamePage'), true, 'the page was not reloaded')
    assert.is(replacement.slotId, victim.slotId)
    const exitReason = await page.locator(`#workers tbody tr[data-worker-id="${victim.workerId}"] td.reason`).textContent()
    assert.match(String(exitReason), 'SIGKILL')
    assert.is((await page.locator('#log tbody tr', { hasText: 'SIGKILL' }).count()) > 0, true)
    assert.is(await page.locator('#supervisor-state').textContent(), 'running')
    // The killed worker's exit, as the runtime saw it.
    const exit = exits.find((e) => e.pid === victim.pid)
    assert.equal(exit && { code: exit.exit.code, signal: exit.exit.signal }, { code: null, signal: 'SIGKILL' })

    assert.equal(problems, [])
  } finally {
    await page.close()
  }
})

// ---

const safety = suite('live view of a supervised cluster: safety')
safety.after.each(stopAll)

safety('supervise() refuses a non-loopback dashboard without a token', () => {
  try {
    start({ dashboard: { host: '0.0.0.0' } })
    assert.unreachable('should have thrown')
  } catch (error) {
    assert.instance(error, TypeError)
    assert.is(
      (error as Error).message,
      'createLiveView() cannot bind to "0.0.0.0" without a token: anyone who can reach that address could watch the cluster. Pass `token` (a long random string) or bind to 127.0.0.1.',
    )
  }
})

safety('supervise({ dashboard: { maxClients } }) is an option, and the 503 names it', async () => {
  const c = start({ count: 1, dashboard: { maxClients: 1, stallTimeout: 5_000 } })
  const url = new URL(await c.dashboardUrl())
  const { request } = await import('node:http')
  const first = request({ host: url.hostname, port: url.port, path: '/events', agent: false })
  first.on('error', () => {})
  await new Promise<void>((resolve) => first.on('response', () => resolve()).end())
  const second = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/events', agent: false }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
  first.destroy()
  assert.equal(second, {
    status: 503,
    body: 'Service Unavailable: 1 live view client is connected already (the most allowed); close a tab, or raise the limit with supervise({ dashboard: { maxClients } }) or createLiveView({ maxClients }).\n',
  })
  await c.onReady()
})

safety('the dashboard of a cluster refuses a foreign Host header', async () => {
  const c = start({ count: 1, dashboard: true })
  const url = new URL(await c.dashboardUrl())
  const status = await new Promise<number>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: url.hostname, port: url.port, path: '/', agent: false, headers: { host: 'attacker.example' } }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    }, reject)
  })
  assert.is(status, 403)
  await c.onReady()
})

cluster.run()
safety.run()
