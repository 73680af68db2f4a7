// A rolling reload under load: 4 workers serve v1 while a load loop runs; reload() brings v2 in,
// one worker at a time (new one listening before the old one drains). No request fails.
//   node --import tsx examples/rolling-reload/master.ts
import { request } from 'node:http'
import { supervise } from '../../src/index.js'

const port = Number(process.env.PORT ?? 3001)
const cluster = supervise({
  worker: new URL('./worker.ts', import.meta.url),
  count: 4,
  env: { PORT: String(port), VERSION: 'v1' },
})
cluster.on('transition', ({ slotId, pid, to, reason }) => {
  if (to === 'listening' || to === 'exited') console.log(`  ${slotId} pid ${pid} ${to}: ${reason}`)
})
await cluster.onReady()

/** One GET on its own connection; resolves with the version that answered. */
function get(): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent: false }, (response) => {
      let body = ''
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () => resolve(body.split(' ')[0]!))
    })
      .on('error', reject)
      .end()
  })
}

const served = new Map<string, number>()
let failed = 0
let isLoading = true
const load = Promise.all(
  Array.from({ length: 4 }, async () => {
    while (isLoading) {
      try {
        const version = await get()
        served.set(version, (served.get(version) ?? 0) + 1)
      } catch {
        failed++
      }
    }
  }),
)

console.log('reloading v1 -> v2 under load')
await cluster.reload({ env: { VERSION: 'v2' } })
isLoading = false
await load

const total = [...served.values()].reduce((a, b) => a + b, 0)
console.log(`requests served: ${total} (${[...served].map(([version, count]) => `${version}: ${count}`).join(', ')})`)
console.log(`requests failed: ${failed}`)
console.log(`now serving: ${await get()}`)
await cluster.stop()
