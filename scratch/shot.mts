import { chromium } from 'playwright-core'
const [,, file, out, width] = process.argv
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] })
const page = await browser.newPage({ viewport: { width: Number(width ?? 1400), height: 1000 } })
await page.goto(file!.startsWith('http') ? file! : 'file://' + file)
await page.waitForTimeout(800)
await page.screenshot({ path: out!, fullPage: true })
await browser.close()
