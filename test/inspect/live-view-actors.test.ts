import { copyFileSync } from 'node:fs'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Page } from 'playwright-core'
import { supervise } from '../../src/index.js'
import type { SupervisedCluster } from '../../src/index.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'
import { whenAvailable } from '../helpers/when-available.js'
import { CHROMIUM, artifactPath, launchChromium, waitForCount } from '../fixtures/inspect-browser.js'
import type { BrowserSlot } from '../fixtures/inspect-browser.js'
import { viewActorsApi } from '../fixtures/view-actors.js'

/** How long a browser-side condition may take before the test fails, in ms. */
const WAIT = 20_000
/** The .ts fixture needs tsx in the worker; under `uvu -r tsx` the master's own execArgv is empty. */
const TSX = ['--import', 'tsx']

type ViewCluster = SupervisedCluster<typeof viewActorsApi>
const clusters: ViewCluster[] = []

function start(count = 2): ViewCluster {
  const cluster = supervise({
    worker: fixture('view-actor-worker.ts'),
    contract: viewActorsApi,
    count,
    handleSignals: false,
    execArgv: TSX,
    dashboard: true,
    timeouts: { start: 10_000, drain: 2_000, disconnect: 500, terminate: 500, kill: 2_000 },
    restart: { backoff: { initial: 10 } },
  })
  clusters.push(cluster)
  return cluster
}

async function stopAll(): Promise<void> {
  const pids = clusters.flatMap((c) => c.workers().map((w) => w.pid))
  await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()))
  for (const pid of pids) if (pid !== null && isAlive(pid)) process.kill(pid, 'SIGKILL')
}

/** Every listed row the page draws: [actor id, kind, state, worker column]. */
function readRows(page: Page): Promise<string[][]> {
  return page
    .locator('#actors tbody tr[data-session]')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
    .then((rows) => rows.map((cells) => [cells[0]!, cells[1]!, cells[2]!, cells[4]!]))
}

/** The count chips: `host kind state` → count. */
function readChips(page: Page): Promise<Record<string, number>> {
  return page
    .locator('#actor-counts .chip')
    .evaluateAll((chips) =>
      chips.map((c) => [
        `${c.getAttribute('data-host')} ${c.getAttribute('data-kind')} ${c.getAttribute('data-state')}`,
        Number(c.getAttribute('data-count')),
      ]),
    )
    .then((pairs) => Object.fromEntries(pairs))
}

/** What the master knows: `workerId kind state` and `all kind state` → count. */
function countTruth(cluster: ViewCluster, hostKeyOf: (workerId: number) => string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const actor of cluster.actors()) {
    for (const key of [`${hostKeyOf(actor.workerId!)} ${actor.kind} ${String(actor.value)}`, `all ${actor.kind} ${String(actor.value)}`])
      counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/** The counts table's worker rows: node:cluster worker id → the host key its chips carry. */
async function readHostKeys(page: Page): Promise<(workerId: number) => string> {
  const pairs = await page
    .locator('#actor-counts tbody tr[data-host]')
    .evaluateAll((trs) => trs.map((tr) => [tr.querySelector('td')?.textContent ?? '', tr.getAttribute('data-host') ?? ''] as const))
  const keys = new Map(pairs.map(([label, key]) => [Number(/^worker #(\d+)/.exec(label)?.[1]), key]))
  return (workerId) => keys.get(workerId) ?? `no row for worker #${workerId}`
}

/**
 * Polls `expression` in the page until it is true. Not page.waitForFunction: its polling evaluates
 * strings inside the page, which the view's CSP (no 'unsafe-eval') refuses; page.evaluate goes through CDP.
 */
async function waitInPage(page: Page, expression: string, what: string): Promise<void> {
  const deadline = Date.now() + WAIT
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function sortKeys(record: Record<string, number>): Array<[string, number]> {
  return Object.entries(record).sort((a, b) => a[0].localeCompare(b[0]))
}

// ---

const view = whenAvailable(suite<BrowserSlot>('live view of worker actors', { browser: null, error: null }), CHROMIUM)

view.before(async (context) => {
  Object.assign(context, await launchChromium('live view of worker actors'))
})
view.after(async (context) => {
  await context.browser?.close()
})
view.after.each(stopAll)

view(
  'lists actors of 2 kinds under their workers, filters them by kind and state, and follows them through a SIGKILL and a reload',
  async ({ browser, error }) => {
    if (error) throw error
    if (!browser) return
    const c = start()
    await c.onReady()
    const lights = Array.from({ length: 6 }, (_, i) => c.actor('light', `light-${i + 1}`))
    const doors = Array.from({ length: 4 }, (_, i) => c.actor('door', `door-${i + 1}`))
    // Lights 1–3 turn yellow, light 1 then red; doors 1–2 open, door 3 is locked.
    for (const light of lights.slice(0, 3)) await light.sendAndWait({ type: 'NEXT', by: 'test' })
    await lights[0]!.sendAndWait({ type: 'NEXT', by: 'test again' })
    for (const light of lights.slice(3))
      await light
        .sendAndWait({ type: 'NEXT', by: 'test' })
        .then(() => light.sendAndWait({ type: 'NEXT', by: 'test' }))
        .then(() => light.sendAndWait({ type: 'NEXT', by: 'test' }))
    for (const door of doors.slice(0, 2)) await door.sendAndWait({ type: 'OPEN' })
    await doors[2]!.sendAndWait({ type: 'LOCK' })
    await doors[3]!.sendAndWait({ type: 'CLOSE' })
    const placed = c.actors()
    assert.equal(new Set(placed.map((a) => a.workerId)).size, 2, 'the actors are spread over both workers')

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
    try {
      await page.goto(await c.dashboardUrl())
      await waitForCount(page, '#actors tbody tr[data-session]', 10, WAIT)
      // Each under its worker: the worker column, and the headings in worker order with their counts.
      const expected = placed
        .map((a) => [`${a.kind}:${a.id}`, a.kind, String(a.value), `#${a.workerId}`])
        .sort(
          (a, b) =>
            Number(a[3]!.slice(1)) - Number(b[3]!.slice(1)) ||
            a[1]!.localeCompare(b[1]!) ||
            a[0]!.localeCompare(b[0]!, undefined, { numeric: true }),
        )
      assert.equal(await readRows(page), expected)
      const workers = c.workers().sort((a, b) => a.workerId! - b.workerId!)
      assert.equal(
        await page.locator('#actors tbody tr.group').allTextContents(),
        workers.map((w) => `worker #${w.workerId} (pid ${w.pid}) — ${placed.filter((a) => a.workerId === w.workerId).length} actors`),
      )
      assert.is(await page.locator('#actor-count').textContent(), '10 actors')
      // Counts by state, per worker and in all, equal what the master holds.
      const hostKeyOf = await readHostKeys(page)
      assert.equal(await readChips(page), countTruth(c, hostKeyOf))

      // Filter by kind, then by one of that kind's states: exactly the matching rows.
      await page.selectOption('#actor-kind', 'light')
      await waitForCount(page, '#actors tbody tr[data-session]', 6, WAIT)
      assert.equal(
        await page.locator('#actor-state option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)),
        ['', 'green', 'yellow', 'red'],
      )
      await page.selectOption('#actor-state', 'yellow')
      await waitForCount(page, '#actors tbody tr[data-session]', 2, WAIT)
      assert.equal((await readRows(page)).map((r) => r[0]).sort(), ['light:light-2', 'light:light-3'])
      assert.is(await page.locator('#actor-matching').textContent(), '2 match')
      await page.selectOption('#actor-kind', 'door')
      await waitForCount(page, '#actors tbody tr[data-session]', 4, WAIT)
      await page.selectOption('#actor-state', 'locked')
      await waitForCount(page, '#actors tbody tr[data-session]', 1, WAIT)
      assert.equal(
        (await readRows(page)).map((r) => r[0]),
        ['door:door-3'],
      )

      // UPDATE_SCREENSHOT=1 refreshes the README's picture of the actor list (filtered to lights).
      await page.selectOption('#actor-kind', 'light')
      await waitForCount(page, '#actors tbody tr[data-session]', 6, WAIT)
      await page.locator('#actors tbody tr[data-actor-id="light:light-1"]').click()
      await page.waitForSelector('#history-panel:not([hidden]) svg.history-chart', { timeout: WAIT, state: 'attached' })
      const screenshot = artifactPath('live-view-actors.png')
      await page.screenshot({ path: screenshot })
      if (process.env.UPDATE_SCREENSHOT) copyFileSync(screenshot, new URL('../../docs/live-view-actors.png', import.meta.url))

      // One actor's history: its events with payloads, its transitions, its machine's chart.
      await page.selectOption('#actor-kind', '')
      await waitForCount(page, '#actors tbody tr[data-session]', 10, WAIT)
      await page.locator('#actors tbody tr[data-actor-id="light:light-1"]').click()
      await page.waitForSelector('#history-panel:not([hidden]) .history-events', { timeout: WAIT })
      assert.match(String(await page.locator('.history-events').textContent()), '{ by: "test again" }')
      assert.equal(
        await page.locator('.history-transitions tbody td.state:not(.event)').allTextContents(),
        // The first report comes after the first event (start and event are one tick): the master never saw green.
        ['yellow → red', '— → yellow'],
      )
      assert.equal(
        await page.locator('svg.history-chart g.state.active').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state'))),
        ['red'],
      )

      // SIGKILL the worker of light-1: its actors reappear under the replacement, in their stored states.
      const victim = workers.find((w) => w.workerId === placed.find((a) => a.id === 'light-1')!.workerId)!
      const moved = placed.filter((a) => a.workerId === victim.workerId)
      process.kill(victim.pid!, 'SIGKILL')
      await waitFor(
        () => c.workers().filter((w) => w.state === 'listening' && w.workerId !== victim.workerId).length === 2,
        'a replacement listening',
      )
      await waitFor(() => c.actors().every((a) => a.status === 'active' && a.workerId !== victim.workerId), 'the actors restored')
      const after = c.actors()
      await waitInPage(
        page,
        `[...document.querySelectorAll('#actors tbody tr[data-session] td:last-child')].every((td) => td.textContent !== '#${victim.workerId}') && document.querySelectorAll('#actors tbody tr[data-session]').length === 10`,
        'the actors under the replacement',
      )
      const rows = new Map((await readRows(page)).map((r) => [r[0], r]))
      for (const a of moved) {
        const now = after.find((b) => b.kind === a.kind && b.id === a.id)!
        assert.equal(rows.get(`${a.kind}:${a.id}`), [`${a.kind}:${a.id}`, a.kind, String(a.value), `#${now.workerId}`], `${a.id} restored`)
      }

      // A rolling reload moves every actor to the new workers: the list follows them there.
      const old = new Set(c.workers().map((w) => w.workerId))
      await c.reload()
      await waitFor(
        () => c.actors().every((a) => a.status === 'active' && a.workerId !== null && !old.has(a.workerId)),
        'the actors moved by the reload',
      )
      const reloaded = c.actors()
      await waitInPage(
        page,
        `[...document.querySelectorAll('#actors tbody tr[data-session] td:last-child')].every((td) => !${JSON.stringify([...old].map((id) => `#${id}`))}.includes(td.textContent)) && document.querySelectorAll('#actors tbody tr[data-session]').length === 10`,
        'the actors under the new workers',
      )
      assert.equal(
        (await readRows(page)).sort((a, b) => a[0]!.localeCompare(b[0]!)),
        reloaded.map((a) => [`${a.kind}:${a.id}`, a.kind, String(a.value), `#${a.workerId}`]).sort((a, b) => a[0]!.localeCompare(b[0]!)),
      )
      assert.equal(problems, [])
    } finally {
      await page.close()
    }
  },
)

/** The bytes an event stream sends while `during` runs. */
async function countStreamBytes(url: string, during: () => Promise<void>): Promise<{ bytes: number; ms: number }> {
  const { request } = await import('node:http')
  const target = new URL('events', url)
  let bytes = 0
  let isCounting = false
  const req = request({ host: target.hostname, port: target.port, path: target.pathname, agent: false }, (res) => {
    res.on('data', (chunk: Buffer) => {
      if (isCounting) bytes += chunk.length
    })
  })
  req.on('error', () => {})
  req.end()
  await new Promise((resolve) => setTimeout(resolve, 500))
  isCounting = true
  const started = performance.now()
  await during()
  const ms = performance.now() - started
  isCounting = false
  req.destroy()
  return { bytes, ms }
}

view(
  'holds 10,000 actors: a few dozen rows in the DOM, the end reached by scrolling, counts equal to the true ones',
  async ({ browser, error }) => {
    if (error) throw error
    if (!browser) return
    const c = start()
    await c.onReady()
    const gc = (globalThis as { gc?: () => void }).gc
    gc?.()
    const heapBefore = process.memoryUsage().heapUsed
    const N = 10_000
    const refs = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? c.actor('light', `light-${i}`) : c.actor('door', `door-${i}`)))
    // Lights take i % 3 steps (green, yellow, red); every fourth door opens.
    await Promise.all(
      refs.map((ref, i) =>
        ref.kind === 'light'
          ? (ref as (typeof refs)[number] & { kind: 'light' }).sendAndWait({ type: 'NEXT', by: 'setup' } as never)
          : ref.sendAndWait((i % 4 === 1 ? { type: 'OPEN' } : { type: 'CLOSE' }) as never),
      ),
    )
    await waitFor(() => c.actors().length === N && c.actors().every((a) => a.status === 'active'), 'all 10,000 actors placed', 60_000)

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
    try {
      const url = await c.dashboardUrl()
      await page.goto(url)
      await waitInPage(page, `document.getElementById('actor-count').textContent === '10,000 actors'`, 'the list to count 10,000')
      await page.waitForSelector('#actors tbody tr[data-session]', { timeout: WAIT })
      const rowBound = 80
      const countDomRows = (): Promise<number> => page.locator('#actors tbody tr').count()
      assert.ok((await countDomRows()) <= rowBound, `at most ${rowBound} rows in the DOM`)

      // Events to 2,500 lights in rounds while the page watches: frames, page CPU, stream bytes.
      // First let the page settle after its first load (charts, the first window).
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      const cdp = await page.context().newCDPSession(page)
      await cdp.send('Performance.enable')
      const metric = async (name: string): Promise<number> =>
        ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === name)?.value ?? 0) as number
      await page.evaluate(
        `window.frames_ = []; (function loop(t0) { requestAnimationFrame((t) => { window.frames_.push(t - t0); loop(t); }); })(performance.now())`,
      )
      const taskBefore = await metric('TaskDuration')
      const lights = refs.filter((r) => r.kind === 'light')
      let events = 0
      const stream = await countStreamBytes(url, async () => {
        for (let round = 0; round < 60; round++) {
          const batch = lights.slice((round % 5) * 500, (round % 5) * 500 + 500)
          await Promise.all(batch.map((ref) => ref.sendAndWait({ type: 'NEXT', by: `round ${round}` } as never)))
          events += batch.length
        }
      })
      const taskSeconds = (await metric('TaskDuration')) - taskBefore
      const frames = ((await page.evaluate('window.frames_')) as number[]).slice(1).sort((a, b) => a - b)
      const domRows = await countDomRows()
      assert.ok(domRows <= rowBound, `at most ${rowBound} rows in the DOM while events arrive (${domRows})`)

      // Counts equal the master's, per worker and in all (once the last batch is in).
      const hostKeyOf = await readHostKeys(page)
      const truth = countTruth(c, hostKeyOf)
      let chips: Record<string, number> = {}
      for (let tries = 0; tries < 50 && JSON.stringify(sortKeys(chips)) !== JSON.stringify(sortKeys(truth)); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 200))
        chips = await readChips(page)
      }
      assert.equal(chips, truth, 'counts by state equal the true ones')

      // Scrolling to the end shows the last ids (by worker, kind, id).
      const last = c
        .actors()
        .sort((a, b) => a.workerId! - b.workerId! || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id, undefined, { numeric: true }))
        .slice(-3)
        .map((a) => `${a.kind}:${a.id}`)
      await page.evaluate(`(() => { const box = document.getElementById('actor-scroll'); box.scrollTop = box.scrollHeight; })()`)
      await page.waitForSelector(`#actors tbody tr[data-actor-id="${last[2]}"]`, { timeout: WAIT })
      const shown = await page
        .locator('#actors tbody tr[data-session]')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-actor-id')))
      assert.equal(shown.slice(-3), last)
      assert.ok((await countDomRows()) <= rowBound, `at most ${rowBound} rows in the DOM at the end`)
      assert.equal(problems, [])

      gc?.()
      const heapAfter = process.memoryUsage().heapUsed
      const pick = (q: number): number => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))] ?? 0
      console.log(
        JSON.stringify({
          actors: N,
          events,
          seconds: +(stream.ms / 1000).toFixed(2),
          streamBytesPerSecond: Math.round(stream.bytes / (stream.ms / 1000)),
          domRows,
          frameMs: { p50: +pick(0.5).toFixed(1), p95: +pick(0.95).toFixed(1), max: +pick(1).toFixed(1), count: frames.length },
          pageMainThreadBusy: +(taskSeconds / (stream.ms / 1000)).toFixed(3),
          masterHeapMiB: { before: +(heapBefore / 2 ** 20).toFixed(1), after: +(heapAfter / 2 ** 20).toFixed(1) },
        }),
      )
    } finally {
      await page.close()
    }
  },
)

view.run()
