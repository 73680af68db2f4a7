/**
 * Streams (issue 15), between the master and a forked worker over xcluster RPC:
 * - items/s of a stream of 64-byte items (default window, and 32 items) against pipelined calls that return one such item each
 *   (64 and 1,024 in flight), in alternated rounds (each round in the other order), medians;
 * - a stream read at 10 MB/s by a consumer that paces itself (64 KiB items) while the producer could
 *   go much faster: the rate it holds, and both processes' peak resident set.
 *
 * Run: `npm run bench -- streams`; `BENCH_ROUNDS` (default 5), `BENCH_STREAM_ITEMS` (items per
 * round, default 100,000) and `BENCH_PACED_SECONDS` (default 5) tune it.
 */
import { fork } from 'node:child_process'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import { connectIpcPeer } from '../src/transport/ipc.js'
import { createCallProxy } from '../src/rpc/proxy.js'
import type { WorkerApi } from '../src/rpc/contract.js'
import { fixturePath, format, isSelected, printTable, summarize } from './fixtures/cluster-report.js'
import { smallItem, type streamBenchApi } from './fixtures/stream-contract.js'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const ITEMS = Number(process.env.BENCH_STREAM_ITEMS ?? 100_000)
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 5)
const PACED_RATE = 10_000_000 // bytes/s
const PACED_ITEM = 64 * 1024
const MiB = 1024 * 1024

type Api = WorkerApi<typeof streamBenchApi>

async function startWorker() {
  const child = fork(fixturePath('stream-worker.ts'), { execArgv: ['--import', 'tsx'] })
  let peer!: ReturnType<typeof connectIpcPeer>['peer']
  await new Promise<void>((resolve) => {
    peer = connectIpcPeer(child, { label: 'the bench worker', internal: { $ready: () => resolve() } }).peer
  })
  const call = createCallProxy<Api>((method, args, options) => peer.call(method, args, options))
  return { child, call }
}

/** The ways to move `count` small items; each resolves with how many arrived right. */
function createCases(call: ReturnType<typeof createCallProxy<Api>>) {
  const stream = (window: number | undefined) => async (count: number) => {
    let right = 0
    let i = 0
    const proxy = window === undefined ? call.$with({ timeout: Infinity }) : call.$with({ window, timeout: Infinity })
    for await (const item of proxy.items(count)) if (item.s === smallItem(i++).s) right++
    return right
  }
  const pipelined = (inFlight: number) => async (count: number) => {
    let right = 0
    for (let start = 0; start < count; start += inFlight) {
      const calls: Promise<{ i: number; s: string }>[] = []
      for (let i = start; i < Math.min(count, start + inFlight); i++) calls.push(call.item(i))
      for (const item of await Promise.all(calls)) if (item.s === smallItem(item.i).s) right++
    }
    return right
  }
  return [
    { name: 'stream, default window (1,024 items, 1 MiB)', run: stream(undefined) },
    { name: 'stream, window 32', run: stream(32) },
    { name: 'pipelined calls, 64 in flight', run: pipelined(64) },
    { name: 'pipelined calls, 1024 in flight', run: pipelined(1024) },
  ]
}

/** Runs the topic; `filters` keep the parts whose name contains one of them. */
export async function run(filters: readonly string[] = []): Promise<void> {
  const { child, call } = await startWorker()
  try {
    if (isSelected('streams, items', filters)) await runItems(call)
    if (isSelected('streams, 10 MB/s', filters)) await runPaced(call)
  } finally {
    child.kill()
  }
}

async function runItems(call: ReturnType<typeof createCallProxy<Api>>): Promise<void> {
  const cases = createCases(call)
  for (const c of cases) await c.run(5_000) // warm up
  const rates = new Map<string, number[]>(cases.map((c) => [c.name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
      const started = performance.now()
      const right = await c.run(ITEMS)
      const seconds = (performance.now() - started) / 1000
      if (right !== ITEMS) throw new Error(`Sanity check failed: ${c.name} moved ${right} of ${ITEMS} items right`)
      rates.get(c.name)!.push(ITEMS / seconds)
    }
  }
  const median = (name: string) => summarize(rates.get(name)!).median
  const baseline = median('pipelined calls, 64 in flight')
  printTable(
    `streams: 64-byte items, ${format(ITEMS)} per case per round, median of ${ROUNDS} alternated rounds — Node ${process.version}, ` +
      `${process.platform}/${process.arch}, ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((load) => load.toFixed(1))
        .join(' ')}`,
    ['case', 'median', 'min–max items/s', 'vs pipelined 64', 'vs pipelined 1024'],
    cases.map((c) => {
      const summary = summarize(rates.get(c.name)!)
      return [
        c.name,
        `${format(summary.median)} items/s`,
        `${format(summary.min)}–${format(summary.max)}`,
        `${format(summary.median / baseline, 2)}x`,
        `${format(summary.median / median('pipelined calls, 1024 in flight'), 2)}x`,
      ]
    }),
  )
}

/** A consumer that reads 64 KiB items at 10 MB/s from a producer that could go faster. */
async function runPaced(call: ReturnType<typeof createCallProxy<Api>>): Promise<void> {
  const count = Math.ceil((PACED_RATE * PACED_SECONDS) / PACED_ITEM)
  const workerBefore = await call.rss()
  const masterBefore = process.memoryUsage().rss
  let workerPeak = workerBefore
  let masterPeak = masterBefore
  let bytes = 0
  let read = 0
  const started = performance.now()
  for await (const blob of call.$with({ timeout: Infinity }).blobs(count, PACED_ITEM)) {
    bytes += blob.length
    read++
    // Pace: wait until this many bytes are due at 10 MB/s.
    const due = started + (bytes / PACED_RATE) * 1000
    const wait = due - performance.now()
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait))
    if (read % 16 === 0) {
      workerPeak = Math.max(workerPeak, await call.rss())
      masterPeak = Math.max(masterPeak, process.memoryUsage().rss)
    }
  }
  const seconds = (performance.now() - started) / 1000
  if (read !== count) throw new Error(`Sanity check failed: read ${read} of ${count} items`)
  printTable(
    `streams: a consumer reading 64 KiB items at 10 MB/s for ${PACED_SECONDS} s (default window: 1 MiB, 16 such items)`,
    ['rate held', 'items', 'worker rss before → peak', 'master rss before → peak'],
    [
      [
        `${format(bytes / 1e6 / seconds, 2)} MB/s`,
        format(read),
        `${format(workerBefore / MiB)} → ${format(workerPeak / MiB)} MiB`,
        `${format(masterBefore / MiB)} → ${format(masterPeak / MiB)} MiB`,
      ],
    ],
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run(process.argv.slice(2))
