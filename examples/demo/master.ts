// The live demo (`npm start`): an HTTP cluster with a live view, stats over typed RPC, and
// graceful stop on Ctrl-C. Everything is local; nothing needs the internet.
//   PORT=3000 DASHBOARD_PORT=7070 WORKERS=3 npm start
import { supervise } from '../../src/index.js'
import { api } from './contract.js'

const port = Number(process.env.PORT ?? 3000)
const cluster = supervise({
  worker: new URL('./worker.ts', import.meta.url),
  count: Number(process.env.WORKERS ?? 3),
  contract: api,
  env: { PORT: String(port) },
  dashboard: { port: Number(process.env.DASHBOARD_PORT ?? 7070) },
  restart: { backoff: { initial: 500 } },
})

cluster.on('transition', ({ slotId, pid, from, to, reason }) => {
  console.log(`${new Date().toISOString().slice(11, 23)} ${slotId} pid ${pid ?? '-'}: ${from ?? 'new'} -> ${to} (${reason})`)
})
cluster.on('stopped', ({ reason }) => console.log(`cluster stopped: ${reason}`))

await cluster.onReady()
console.log(`
xcluster demo is running
  app:       http://127.0.0.1:${port}/
  live view: ${await cluster.dashboardUrl()}
  workers:   ${cluster
    .workers()
    .map((w) => w.pid)
    .join(', ')}
Try: curl http://127.0.0.1:${port}/   or   kill -9 <a worker pid>   and watch it come back.
Ctrl-C stops the cluster gracefully.
`)

const report = setInterval(
  async () => {
    const results = await cluster.all.stats()
    const line = results
      .map((r) =>
        r.status === 'fulfilled'
          ? `${r.value.pid}: ${r.value.requests} req, ${r.value.rssMiB} MiB`
          : `worker ${r.workerId}: ${String(r.reason)}`,
      )
      .join(' | ')
    console.log(`stats  ${line}`)
  },
  Number(process.env.STATS_INTERVAL ?? 10_000),
)
report.unref()
