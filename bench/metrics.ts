/**
 * What latency metrics cost an RPC call: the same xcluster peer to a forked child, without an
 * observer (metrics off: no clock read at all) and with the cluster's metrics as its observer
 * (metrics on: a clock read per call and a prom-client histogram observation). Sequential and
 * pipelined `add(a, b)` in alternating blocks (the two clients take turns, each pair of blocks in
 * the other order, so neither always runs after an idle spell), with the parent's CPU per call;
 * then the observer alone, in process.
 *
 * Run: `npm run bench -- metrics`; `BENCH_BLOCKS` (default 40) blocks per client.
 */
import { type ChildProcess, fork } from 'node:child_process'
import os from 'node:os'
import * as prom from 'prom-client'
import { ClusterMetrics } from '../src/ops/cluster-metrics.js'
import type { RpcPeer } from '../src/rpc/peer.js'
import { connectIpcPeer } from '../src/transport/ipc.js'
import { fixturePath, format, isSelected, printTable, summarize } from './fixtures/cluster-report.js'

const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 40)
const SEQUENTIAL_CALLS = 1_000 // per block
const PIPELINED = { inFlight: 64, rounds: 32 } // per block: 2,048 calls
const MICRO_CALLS = 1_000_000

interface Client {
  name: string
  child: ChildProcess
  peer: RpcPeer
}

function createMetrics(): ClusterMetrics {
  return new ClusterMetrics(prom, {
    workerStates: () => [],
    knownStates: ['listening'],
    callsInFlight: () => ({ toWorkers: 0, fromWorkers: 0 }),
    isMasterMethod: () => false,
  })
}

async function startClient(name: string, metrics: ClusterMetrics | undefined): Promise<Client> {
  const child = fork(fixturePath('rpc-worker.ts'), { execArgv: ['--import', 'tsx'] })
  let peer!: RpcPeer
  await new Promise<void>((resolve) => {
    peer = connectIpcPeer(child, { label: 'the bench worker', internal: { $ready: () => resolve() }, observer: metrics }).peer
  })
  return { name, child, peer }
}

/** Runs `block` for each client in turn, `BLOCKS` times, reversing the order every other time. */
async function alternate(clients: Client[], block: (client: Client) => Promise<{ µsPerCall: number; cpuPerCall: number }>) {
  const results = new Map(clients.map((client) => [client, { latency: [] as number[], cpu: [] as number[] }]))
  for (let i = 0; i < BLOCKS; i++) {
    for (const client of i % 2 === 0 ? clients : [...clients].reverse()) {
      const { µsPerCall, cpuPerCall } = await block(client)
      results.get(client)!.latency.push(µsPerCall)
      results.get(client)!.cpu.push(cpuPerCall)
    }
  }
  return results
}

async function measure(calls: number, run: () => Promise<number>): Promise<{ µsPerCall: number; cpuPerCall: number }> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  const answered = await run()
  const elapsed = performance.now() - started
  const used = process.cpuUsage(cpu)
  if (answered !== calls) throw new Error(`Sanity check failed: ${answered} of ${calls} calls returned the right sum`)
  return { µsPerCall: (elapsed * 1000) / calls, cpuPerCall: (used.user + used.system) / calls }
}

const sequential = (client: Client) =>
  measure(SEQUENTIAL_CALLS, async () => {
    let answered = 0
    for (let i = 0; i < SEQUENTIAL_CALLS; i++) if ((await client.peer.call('add', [i, 2])) === i + 2) answered++
    return answered
  })

const pipelined = (client: Client) =>
  measure(PIPELINED.inFlight * PIPELINED.rounds, async () => {
    let answered = 0
    for (let round = 0; round < PIPELINED.rounds; round++) {
      const calls = Array.from({ length: PIPELINED.inFlight }, (_, i) => client.peer.call('add', [i, 2]))
      for (const [i, result] of (await Promise.all(calls)).entries()) if (result === i + 2) answered++
    }
    return answered
  })

/** The observer alone: ns per `called()` of a method already labelled. */
function observerCost(): number {
  const metrics = createMetrics()
  for (let i = 0; i < 10_000; i++) metrics.called('add', 0.05, undefined)
  const started = process.hrtime.bigint()
  for (let i = 0; i < MICRO_CALLS; i++) metrics.called('add', 0.05, undefined)
  return Number(process.hrtime.bigint() - started) / MICRO_CALLS
}

/** One scrape with every master → worker method label taken and 8 workers' series: ms per `registry.metrics()`. */
async function scrapeCost(): Promise<{ ms: number; bytes: number }> {
  const metrics = createMetrics()
  for (let m = 0; m < 80; m++) metrics.called(`method${m}`, 0.05, undefined)
  for (let w = 1; w <= 8; w++)
    metrics.noteHeartbeat(`slot-${w}`, w, { rss: 1e8, heapUsed: 5e7, eventLoopDelay: { mean: 10, p99: 12, max: 20 } })
  let text = ''
  for (let i = 0; i < 20; i++) text = await metrics.registry.metrics()
  const rounds = 200
  const started = performance.now()
  for (let i = 0; i < rounds; i++) text = await metrics.registry.metrics()
  return { ms: (performance.now() - started) / rounds, bytes: text.length }
}

export async function run(filters: readonly string[] = []): Promise<void> {
  const metrics = createMetrics()
  const clients = [await startClient('metrics off', undefined), await startClient('metrics on', metrics)]
  try {
    for (const client of clients) for (let i = 0; i < 2_000; i++) await client.peer.call('add', [i, 1])
    for (const [mode, block] of [
      ['sequential', sequential],
      ['pipelined 64', pipelined],
    ] as const) {
      if (!isSelected(`metrics ${mode}`, filters) && !isSelected(mode, filters)) continue
      const results = await alternate(clients, block)
      const off = results.get(clients[0]!)!
      printTable(
        `metrics: ${mode} add(a, b), ${BLOCKS} alternating blocks per client, median block — Node ${process.version}, ` +
          `${os.cpus().length} CPUs, load average ${os
            .loadavg()
            .map((load) => load.toFixed(1))
            .join(' ')}`,
        ['client', 'latency per call', 'min–max block', 'vs off', 'parent CPU per call', 'CPU vs off'],
        clients.map((client) => {
          const { latency, cpu } = results.get(client)!
          const summary = summarize(latency)
          return [
            client.name,
            `${format(summary.median, 2)} µs`,
            `${format(summary.min, 1)}–${format(summary.max, 1)} µs`,
            `${format(summary.median / summarize(off.latency).median, 3)}x`,
            `${format(summarize(cpu).median, 2)} µs`,
            `${format(summarize(cpu).median / summarize(off.cpu).median, 3)}x`,
          ]
        }),
      )
    }
    const counted = (await metrics.registry.getSingleMetricAsString('xcluster_call_duration_seconds')).match(
      /xcluster_call_duration_seconds_count\{method="add",direction="master_to_worker"\} (\d+)/,
    )?.[1]
    console.log(`metrics on: the histogram counted ${counted} add() calls`)
    if (isSelected('metrics observer', filters)) {
      console.log(`metrics observer alone: ${format(observerCost(), 0)} ns per answered call (${format(MICRO_CALLS)} calls, in process)`)
    }
    if (isSelected('metrics scrape', filters)) {
      const { ms, bytes } = await scrapeCost()
      console.log(`metrics scrape: ${format(ms, 2)} ms per /metrics text of 65 method labels and 8 workers (${format(bytes)} bytes)`)
    }
  } finally {
    for (const client of clients) client.child.kill()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run(process.argv.slice(2))
