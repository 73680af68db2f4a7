import { chromium } from 'playwright-core'
import { supervise } from '../src/index.ts'
const c = supervise({ worker: new URL('../test/fixtures/http-hello.ts', import.meta.url).pathname, count: 3, handleSignals: false, execArgv: ['--import', 'tsx'], dashboard: true, timeouts: { start: 10_000, drain: 1_000, disconnect: 500, terminate: 500, kill: 2_000 } })
await c.onReady()
const url = await c.dashboardUrl()
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
for (const width of [1400, 900]) {
  const page = await browser.newPage({ viewport: { width, height: 1000 } })
  page.on('console', (m) => console.log('console', m.type(), m.text()))
  page.on('pageerror', (e) => console.log('pageerror', e.message))
  await page.goto(url)
  await page.waitForTimeout(2500)
  if (width === 1400) {
    const victim = c.workers()[1]!
    process.kill(victim.pid!, 'SIGKILL')
    await page.waitForTimeout(2500)
  }
  await page.locator('#workers tbody tr.ended').first().click().catch(() => {})
  await page.waitForTimeout(500)
  await page.screenshot({ path: `/tmp/view-${width}.png` })
  await page.screenshot({ path: `/tmp/view-${width}-full.png`, fullPage: true })
  console.log(width, await page.evaluate('[document.documentElement.scrollWidth, innerWidth]'))
}
await browser.close()
await c.stop()
