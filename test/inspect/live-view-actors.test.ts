import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import type { Page } from 'playwright-core'
import { supervise } from '../../src/index.js'
import type { SupervisedCluster } from '../../src/index.js'
import { fixture, isAlive, waitFor } from '../helpers/processes.js'
import { whenAvailable } from '../helpers/when-available.js'
import { CHROMIUM, launchChromium, waitForCount } from '../fixtures/inspect-browser.js'
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
  'lists actors of 2 kinds under their workers, filters them by kind and state, and follows a SIGKILL to the replacement',
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
      const hostKeys = new Map(
        await page
          .locator('#actors tbody tr.group')
          .evaluateAll((trs) => trs.map((tr, i) => [i, tr.getAttribute('data-host') ?? ''] as const)),
      )
      const hostKeyOf = (workerId: number): string => hostKeys.get(workers.findIndex((w) => w.workerId === workerId))!
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
      await page.waitForFunction(
        `[...document.querySelectorAll('#actors tbody tr[data-session] td:last-child')].every((td) => td.textContent !== '#${victim.workerId}') && document.querySelectorAll('#actors tbody tr[data-session]').length === 10`,
        undefined,
        { timeout: WAIT },
      )
      const rows = new Map((await readRows(page)).map((r) => [r[0], r]))
      for (const a of moved) {
        const now = after.find((b) => b.kind === a.kind && b.id === a.id)!
        assert.equal(rows.get(`${a.kind}:${a.id}`), [`${a.kind}:${a.id}`, a.kind, String(a.value), `#${now.workerId}`], `${a.id} restored`)
      }
      assert.equal(problems, [])
    } finally {
      await page.close()
    }
  },
)

view.run()
