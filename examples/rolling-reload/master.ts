// A rolling reload under keep-alive load: 4 workers serve v1 while 50 clients send requests on
// kept-alive connections (as browsers and pooled HTTP clients do); reload() brings v2 in, one
// worker at a time (new one listening before the old one drains). The worker is a plain HTTP
// server: while it drains, xcluster answers its in-flight requests with `Connection: close` and
// closes its idle sockets, so no request is lost. Every request is counted: sent = served + failed.
//   node --import tsx examples/rolling-reload/master.ts
import { Agent, request } from 'node:http'
import { supervise } from '../../src/index.js'

const port = Number(process.env.PORT ?? 3001)
const CLIENTS = 50
const cluster = supervise({
  worker: new URL('./worker.ts', import.meta.url),
  count: 4,
  env: { PORT: String(port), VERSION: 'v1' },
})
cluster.on('transition', ({ slotId, pid, to, reason }) => {
  if (to === 'listening' || to === 'exited') console.log(`  ${slotId} pid ${pid} ${to}: ${reason}`)
})
await cluster.onReady()

/** One GET on the client's kept-alive connection; resolves with the version that answered. */
function get(agent: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent }, (response) => {
      let body = ''
      response.on('data', (chunk) => (body += chunk))
      response.on('end', () =>
        response.statusCode === 200 ? resolve(body.split(' ')[0]!) : reject(new Error(`status ${response.statusCode}`)),
      )
    })
      .on('error', reject)
      .end()
  })
}

const served = new Map<string, number>()
let sent = 0
let failed = 0
let isLoading = true
const agents = Array.from({ length: CLIENTS }, () => new Agent({ keepAlive: true, maxSockets: 1 }))
const load = Promise.all(
  agents.map(async (agent) => {
    while (isLoading) {
      sent++
      try {
        const version = await get(agent)
        served.set(version, (served.get(version) ?? 0) + 1)
      } catch {
        failed++
      }
    }
  }),
)

console.log(`reloading v1 -> v2 under load (${CLIENTS} keep-alive clients)`)
await cluster.reload({ env: { VERSION: 'v2' } })
isLoading = false
await load

const total = [...served.values()].reduce((a, b) => a + b, 0)
console.log(`requests sent: ${sent}`)
console.log(`requests served: ${total} (${[...served].map(([version, count]) => `${version}: ${count}`).join(', ')})`)
console.log(`requests failed: ${failed}`)
console.log(`now serving: ${await get(agents[0]!)}`)
for (const agent of agents) agent.destroy()
await cluster.stop()
