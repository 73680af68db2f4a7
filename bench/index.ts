/**
 * Runs every benchmark topic: `npm run bench`. Arguments filter: a topic's name (`rpc`) runs only
 * that topic; any other word keeps the cases whose name contains it (`npm run bench -- pipelined`).
 * Each topic is `bench/<topic>.ts` exporting `run(filters)`, and runs alone too
 * (`node --import tsx bench/rpc.ts`).
 */
import { run as runActors } from './actors.js'
import { run as runFanout } from './fanout.js'
import { run as runHttp } from './http.js'
import { run as runReload } from './reload.js'
import { run as runLifecycle } from './lifecycle.js'
import { run as runLogs } from './logs.js'
import { run as runPm2 } from './pm2.js'
import { run as runMetrics } from './metrics.js'
import { run as runQueue } from './queue.js'
import { run as runRpc } from './rpc.js'
import { run as runStreams } from './streams.js'
import { run as runSupervisor } from './supervisor.js'

const topics: Record<string, (filters: readonly string[]) => Promise<void>> = {
  rpc: runRpc,
  streams: runStreams,
  fanout: runFanout,
  lifecycle: runLifecycle,
  supervisor: runSupervisor,
  http: runHttp,
  reload: runReload,
  pm2: runPm2,
  queue: runQueue,
  actors: runActors,
  logs: runLogs,
  metrics: runMetrics,
}

const args = process.argv.slice(2)
const chosen = args.filter((arg) => arg in topics)
const filters = args.filter((arg) => !(arg in topics))
for (const [name, run] of Object.entries(topics)) {
  if (chosen.length === 0 || chosen.includes(name)) await run(filters)
}
