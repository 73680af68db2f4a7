import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { createActor } from 'xstate'
import type { AnyActorRef } from 'xstate'
import type { Browser, Page } from 'playwright-core'
import { createLiveView } from '../../src/inspect/live-view.js'
import type { XclusterLiveView } from '../../src/inspect/live-view.js'
import { CHROMIUM, launchChromium, waitForCount } from '../fixtures/inspect-browser.js'
import { whenAvailable } from '../helpers/when-available.js'
import { toySupervisorMachine, toyWorkerMachine } from '../fixtures/inspect-machines.js'

/** How long a browser-side condition may take before the test fails, in ms. */
const WAIT = 10_000

interface Context {
  browser: Browser | null
  launchError: Error | null
  view?: XclusterLiveView
  actor?: AnyActorRef
  page?: Page
  problems: string[]
  /** Every URL the page requested. */
  requests: string[]
}

const page = whenAvailable(
  suite<Context>('live view page in Chromium', { browser: null, launchError: null, problems: [], requests: [] }),
  CHROMIUM,
)

page.before(async (context) => {
  const slot = await launchChromium('live view page in Chromium')
  context.browser = slot.browser
  context.launchError = slot.error
})

page.after(async (context) => {
  await context.browser?.close()
})

page.before.each(async (context) => {
  context.problems = []
  context.requests = []
  if (context.launchError) throw context.launchError
  if (!context.browser) return
  context.view = await createLiveView({
    workerMachine: toyWorkerMachine,
    getStats: () => [1, 2, 3, 4].map((workerId) => ({ workerId, inFlight: workerId, restarts: workerId === 4 ? 1 : 0 })),
  })
  context.actor = createActor(toySupervisorMachine, { input: { count: 3 }, inspect: context.view.observer }).start()
  context.page = await context.browser.newPage({ viewport: { width: 1280, height: 1000 } })
  // Any script error or blocked resource (CSP) shows up here and fails the test.
  context.page.on('request', (request) => context.requests.push(request.url()))
  context.page.on('pageerror', (error) => context.problems.push(`pageerror: ${error.message}`))
  context.page.on('console', (message) => {
    if (message.type() === 'error') context.problems.push(`console: ${message.text()}`)
  })
})

page.after.each(async (context) => {
  await context.page?.close()
  context.actor?.stop()
  await context.view?.close()
})

function bringUp(actor: AnyActorRef, slotId: string, workerId: number): void {
  const slot = actor.system.get(slotId)!
  slot.send({ type: 'process.fork', pid: 5000 + workerId, workerId })
  slot.send({ type: 'process.online' })
  slot.send({ type: 'process.listening' })
}

function countRows(p: Page, state: string): Promise<number> {
  return p.locator(`#workers tbody tr[data-state="${state}"]`).count()
}

page(
  'shows three listening workers, then an exit and its replacement, without reloading',
  async ({ browser, view, actor, page: p, problems }) => {
    if (!browser || !view || !actor || !p) throw new Error('no page: before.each opened none')
    bringUp(actor, 's0', 1)
    bringUp(actor, 's1', 2)
    await p.goto(view.url)
    // Browser-side code is passed as strings: this file is type-checked without the DOM library.
    await p.evaluate('window.isSamePage = true')
    await waitForCount(p, '#workers tbody tr[data-state="listening"]', 2, WAIT)
    bringUp(actor, 's2', 3)
    await waitForCount(p, '#workers tbody tr[data-state="listening"]', 3, WAIT)
    assert.is(await p.locator('#connection').textContent(), 'live')
    assert.is(await p.locator('#supervisor-state').textContent(), 'running')

    actor.system.get('s1')!.send({ type: 'process.exit', code: null, signal: 'SIGKILL' })
    await p.waitForSelector('#workers tbody tr[data-worker-id="2"][data-state="exited"]', { timeout: WAIT })
    await waitForCount(p, '#workers tbody tr[data-state="forking"]', 1, WAIT)
    actor.system.get('s1')!.send({ type: 'process.fork', pid: 5004, workerId: 4 })
    await p.waitForSelector('#workers tbody tr[data-worker-id="4"][data-state="forking"]', { timeout: WAIT })

    assert.is(await p.evaluate('window.isSamePage'), true, 'the page was not reloaded')
    assert.is(await countRows(p, 'listening'), 2)
    const exited = p.locator('#workers tbody tr[data-worker-id="2"]')
    assert.is(await exited.getAttribute('class'), 'ended')
    assert.is(await exited.locator('td.reason').textContent(), 'exited with SIGKILL')
    const replacement = p.locator('#workers tbody tr[data-worker-id="4"]')
    assert.equal(
      await replacement
        .locator('td')
        .allTextContents()
        .then((cells) => [cells[0], cells[1], cells[2], cells[3], cells[6], cells[7]]),
      ['#4', '5004', 's1', '2', '1', '4'],
    )

    // The chart highlights the states in use and badges them with worker ids.
    assert.is(await p.locator('svg[data-machine="worker"] [data-badge="listening"]').textContent(), '#1 #3')
    assert.is(await p.locator('svg[data-machine="worker"] [data-badge="forking"]').textContent(), '#4')
    assert.is(await p.locator('svg[data-machine="worker"] [data-badge="exited"]').textContent(), '#2')
    assert.is(await p.locator('svg[data-machine="worker"] g.state.active').count(), 3)
    // The log shows the exit with its reason, newest first.
    const exitLine = p.locator('#log tbody tr', { hasText: 'exited with SIGKILL' })
    assert.is(await exitLine.locator('td').nth(1).textContent(), 'worker #2 (pid 5002)')
    assert.equal(problems, [])
  },
)

page('needs nothing but its own origin: no CDN, works offline', async ({ browser, view, actor, page: p, problems, requests }) => {
  if (!browser || !view || !actor || !p) throw new Error('no page: before.each opened none')
  bringUp(actor, 's0', 1)
  await p.goto(view.url)
  await p.waitForSelector('#workers tbody tr[data-state="listening"]', { timeout: WAIT })
  const origin = new URL(view.url).origin
  assert.ok(requests.length >= 2, 'the page and its event stream')
  assert.equal(
    requests.filter((url) => !url.startsWith(`${origin}/`)),
    [],
  )
  assert.equal(problems, [])
})

page('shows nested states, and highlights the parent state too', async ({ browser, view, actor, page: p, problems }) => {
  if (!browser || !view || !actor || !p) throw new Error('no page: before.each opened none')
  bringUp(actor, 's0', 1)
  actor.system.get('s0')!.send({ type: 'stop' })
  await p.goto(view.url)
  await p.waitForSelector('#workers tbody tr[data-state="disconnecting.draining"]', { timeout: WAIT })
  assert.is(await p.locator('svg[data-machine="worker"] g.state.compound.active[data-state="disconnecting"]').count(), 1)
  assert.is(await p.locator('svg[data-machine="worker"] [data-badge="disconnecting.draining"]').textContent(), '#1')
  assert.equal(problems, [])
})

page('shows a hostile reason as plain text and runs none of it', async ({ browser, view, actor, page: p, problems }) => {
  if (!browser || !view || !actor || !p) throw new Error('no page: before.each opened none')
  await p.goto(view.url)
  const hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
  bringUp(actor, 's0', 1)
  actor.system.get('s0')!.send({ type: 'process.exit', code: null, signal: hostile })
  await p.waitForSelector('#workers tbody tr[data-state="exited"]', { timeout: WAIT })
  assert.is(await p.locator('#workers tbody tr[data-state="exited"] td.reason').textContent(), `exited with ${hostile}`)
  assert.is(await p.locator('#log tbody tr', { hasText: 'window.pwned=1' }).count(), 1)
  assert.is(await p.locator('img').count(), 0)
  assert.is(await p.evaluate('window.pwned'), undefined)
  assert.equal(problems, [])
})

page.run()
