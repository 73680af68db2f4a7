// N workers share one HTTP port; the master prints each worker's lifecycle transitions.
//   node --import tsx examples/hello-http/master.ts          serve until Ctrl-C
//   node --import tsx examples/hello-http/master.ts --once   one request, then a graceful stop
import { supervise } from '../../src/index.js'

const port = Number(process.env.PORT ?? 3000)
const isOnce = process.argv.includes('--once')

const cluster = supervise({
  worker: new URL('./worker.ts', import.meta.url),
  count: Number(process.env.WORKERS ?? 2),
  env: { PORT: String(port) },
})

cluster.on('transition', ({ slotId, pid, from, to, reason }) => {
  console.log(`worker ${slotId} pid=${pid ?? '-'} ${from ?? 'new'} -> ${to} (${reason})`)
})

await cluster.onReady()
console.log(`listening on http://127.0.0.1:${port} with ${cluster.workers().length} workers`)

const response = await fetch(`http://127.0.0.1:${port}/`)
console.log(`GET / -> ${response.status} ${(await response.text()).trim()} from pid ${response.headers.get('x-worker-pid')}`)

if (isOnce) {
  await cluster.stop()
  console.log('stopped')
}
